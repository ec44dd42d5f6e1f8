"""Where rows come from: Parquet and CSV datasets on any fsspec file system.

``open_dataset("s3://bucket/events/")`` (or a local path) finds the files,
checks they share one schema, and reads them as Arrow record batches, one
file after another, so memory stays bounded whatever the size:

- a path is one file or a directory; a directory's files are taken in the
  lexicographic order of their paths (hidden files and ones starting with
  ``_`` such as ``_SUCCESS`` are skipped), rows in file order;
- directories named ``key=value`` are a hive-partitioned dataset: the keys
  become columns after the files' own (ints as ``int32``, else strings);
- ``.parquet``/``.pq``/``.parq`` files are Parquet, ``.csv``/``.tsv`` (also
  compressed) CSV, read with pyarrow's CSV reader; a CSV dataset's types are
  inferred from the first block of each file and unified (``int64`` and
  ``double`` give ``double``).

Each file is recorded (``FileEntry``: URL, size, the file system's ETag or
modification time, rows) so a snapshot can keep the data by reference and
later tell whether a file changed.
"""

from __future__ import annotations

import base64
import functools
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds

from ..errors import Conflict, InvalidArgument, MlopsError, NotFound, StoreError

PARQUET = (".parquet", ".pq", ".parq")
CSV = (".csv", ".tsv", ".csv.gz", ".tsv.gz", ".csv.bz2", ".csv.zst")
BATCH_ROWS = 65_536  # four fingerprint blocks
# Read-ahead bounds memory: pyarrow's defaults (16 batches, 4 files, each Parquet
# column chunk of a row group pre-buffered whole) held 1.5 GB for 10M x 20 rows.
BATCH_READAHEAD = 2


@dataclass(frozen=True)
class FileEntry:
    """One file of a dataset as it was when read."""

    url: str
    size: int
    etag: str | None
    mtime: float | None
    n_rows: int | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fs_for(url: str):
    import fsspec

    from ..config import s3_endpoint

    scheme = url.split("://", 1)[0] if "://" in url else "file"
    options: dict = {}
    if scheme in ("s3", "s3a"):  # a cached listing would hide a changed or removed object
        options["use_listings_cache"] = False
    if scheme in ("s3", "s3a") and s3_endpoint():
        options["endpoint_url"] = s3_endpoint()
    try:
        return fsspec.core.url_to_fs(url, **options)
    except (ImportError, ValueError) as exc:
        raise InvalidArgument(
            "data", "a path or a URL fsspec can open", url, hint=str(exc)
        ) from None


def _reaching(url: str, action: str, exc: BaseException) -> MlopsError:
    """A clear error for what a remote file system raised (credentials, network)."""
    if isinstance(exc, MlopsError):
        return exc
    if isinstance(exc, FileNotFoundError):
        return InvalidArgument("data", "an existing Parquet or CSV file or directory", url)
    try:
        from ..store.blob_errors import remote_error

        scheme = url.split("://", 1)[0] if "://" in url else "file"
        return StoreError(remote_error(url, scheme, action, exc))
    except ImportError:  # pragma: no cover - older tree
        return StoreError(f"cannot {action} {url}: {type(exc).__name__}: {exc}")


def _entry(fs, protocol: str, info: dict) -> FileEntry:
    name = info["name"]
    url = name if protocol in ("file", "local") else f"{protocol}://{name}"
    etag = info.get("ETag") or info.get("etag") or info.get("md5Hash")
    mtime = info.get("mtime") or info.get("LastModified") or info.get("last_modified")
    if mtime is not None and not isinstance(mtime, (int, float)):
        mtime = mtime.timestamp() if hasattr(mtime, "timestamp") else None
    return FileEntry(url, int(info.get("size") or 0), etag and str(etag).strip('"'), mtime, None)


def _kind_of(path: str) -> str | None:
    low = path.lower()
    if low.endswith(PARQUET):
        return "parquet"
    if low.endswith(CSV):
        return "csv"
    return None


def _skipped(rel: str) -> bool:
    return any(part.startswith((".", "_")) for part in rel.split("/") if part)


def _hive_fields(rels: list[str]) -> list[str]:
    names: list[str] = []
    for rel in rels:
        for part in rel.split("/")[:-1]:
            if "=" in part and part.split("=", 1)[0] not in names:
                names.append(part.split("=", 1)[0])
    return names


class Dataset:
    """Files of one format and schema under one URL, read as record batches."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.fs, root = _fs_for(url)
        protocol = self.fs.protocol if isinstance(self.fs.protocol, str) else self.fs.protocol[0]
        self.protocol = protocol
        try:
            if not self.fs.exists(root):
                raise FileNotFoundError(root)
            if self.fs.isdir(root):
                infos = sorted(self.fs.find(root, detail=True).values(), key=lambda i: i["name"])
                base = root.rstrip("/")
            else:
                infos, base = [self.fs.info(root)], root.rsplit("/", 1)[0]
        except Exception as exc:
            raise _reaching(url, "read", exc) from None
        pairs = [
            (i, i["name"][len(base) :].lstrip("/")) for i in infos if i.get("type") != "directory"
        ]
        pairs = [(i, rel) for i, rel in pairs if not _skipped(rel)]
        if not pairs:
            raise InvalidArgument("data", "a directory holding Parquet or CSV files", url)
        kinds = {rel: _kind_of(rel) for _, rel in pairs}
        unknown = [rel for rel, k in kinds.items() if k is None]
        if unknown or len(set(kinds.values())) > 1:
            raise InvalidArgument(
                "data",
                "files of one format, named *.parquet or *.csv",
                unknown[:5] or sorted(set(kinds.values())),
            )
        self.format = next(iter(kinds.values()))
        self.base = base
        self.paths = [i["name"] for i, _ in pairs]
        self.hive = _hive_fields([rel for _, rel in pairs])
        entries = [_entry(self.fs, protocol, i) for i, _ in pairs]
        self.schema, rows = self._check_schema()
        self.files = [FileEntry(e.url, e.size, e.etag, e.mtime, n) for e, n in zip(entries, rows)]

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def n_rows(self) -> int | None:
        rows = [f.n_rows for f in self.files]
        return None if any(r is None for r in rows) else sum(rows)

    def _pa_fs(self):
        if self.protocol in ("file", "local"):
            return pa.fs.LocalFileSystem()
        return pa.fs.PyFileSystem(pa.fs.FSSpecHandler(self.fs))

    def _file_format(self):
        if self.format == "parquet":
            return ds.ParquetFileFormat()
        import pyarrow.csv as pcsv

        delimiter = "\t" if ".tsv" in self.paths[0].lower() else ","
        return ds.CsvFileFormat(parse_options=pcsv.ParseOptions(delimiter=delimiter))

    def _file_schema(self, path: str) -> tuple[pa.Schema, int | None]:
        if self.format == "parquet":
            import pyarrow.parquet as pq

            with self.fs.open(path, "rb") as f:
                meta = pq.read_metadata(f)
            return meta.schema.to_arrow_schema(), meta.num_rows
        frag = self._file_format().make_fragment(path, filesystem=self._pa_fs())
        return frag.physical_schema, None

    def _check_schema(self) -> tuple[pa.Schema, list[int | None]]:
        schemas, rows = [], []
        for path in self.paths:
            try:
                schema, n = self._file_schema(path)
            except MlopsError:
                raise
            except Exception as exc:
                raise InvalidArgument(
                    "data",
                    "readable Parquet or CSV files",
                    path.rsplit("/", 1)[-1],
                    hint=f"{path}: {type(exc).__name__}: {exc}",
                ) from None
            schemas.append(schema)
            rows.append(n)
        first = schemas[0]
        for path, schema in zip(self.paths, schemas):
            if schema.names != first.names or (
                self.format == "parquet" and not schema.equals(first, check_metadata=False)
            ):
                raise InvalidArgument(
                    "data",
                    "files of one schema",
                    path.rsplit("/", 1)[-1],
                    hint=f"{path} has {_describe(schema)}; {self.paths[0]} has {_describe(first)}",
                )
        schema = (
            first
            if self.format == "parquet"
            else pa.unify_schemas(schemas, promote_options="permissive")
        )
        if self.hive:
            part = ds.HivePartitioning.discover(infer_dictionary=False)
            found = ds.dataset(
                self.paths,
                filesystem=self._pa_fs(),
                format=self._file_format(),
                partitioning=part,
                partition_base_dir=self.base,
                schema=None,
            ).schema
            extra = [
                found.field(n) for n in self.hive if n in found.names and n not in schema.names
            ]
            schema = pa.schema(list(schema) + extra, metadata=schema.metadata)
        return schema, rows

    def dataset(self, paths: list[str] | None = None) -> ds.Dataset:
        partitioning = None
        if self.hive:
            fields = [self.schema.field(n) for n in self.hive if n in self.schema.names]
            partitioning = ds.partitioning(pa.schema(fields), flavor="hive")
        return ds.dataset(
            paths or self.paths,
            schema=self.schema,
            filesystem=self._pa_fs(),
            format=self._file_format(),
            partitioning=partitioning,
            partition_base_dir=self.base,
        )

    def batches(
        self, columns: list[str] | None = None, paths: list[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        """Record batches, file by file (all or ``paths``); a file that cannot be read is named."""
        options = self.scan_options()
        for frag, path in zip(self.dataset(paths).get_fragments(), paths or self.paths):
            try:
                yield from frag.to_batches(
                    schema=self.schema,
                    columns=columns,
                    batch_size=BATCH_ROWS,
                    batch_readahead=BATCH_READAHEAD,
                    fragment_readahead=1,
                    **options,
                )
            except (pa.ArrowException, OSError, ValueError) as exc:
                raise InvalidArgument(
                    "data",
                    "readable files",
                    path.rsplit("/", 1)[-1],
                    hint=f"{path}: {type(exc).__name__}: {exc}",
                ) from None

    def scan_options(self) -> dict[str, Any]:
        """How files are read: local Parquet column page by page (no pre-buffering: less
        memory, as fast; remote files keep pyarrow's coalesced reads, which save round trips),
        into jemalloc where pyarrow has it (see ``read_pool``)."""
        options: dict[str, Any] = {"memory_pool": read_pool()}
        if self.format == "parquet" and self.protocol in ("file", "local"):
            options["fragment_scan_options"] = ds.ParquetFragmentScanOptions(pre_buffer=False)
        return options

    def sample(self, columns: list[str], rows: int, pieces: int = 8) -> pa.Table:
        """Up to ``rows`` rows of ``columns``: the first rows of evenly spaced row groups or files."""
        frags = list(self.dataset().get_fragments())
        if self.format == "parquet":
            frags = [rg for f in frags for rg in f.split_by_row_group()]
        take = sorted({round(i * (len(frags) - 1) / max(1, pieces - 1)) for i in range(pieces)})
        per = max(1, rows // len(take))
        parts = []
        for i in take:
            batches = frags[i].to_batches(
                schema=self.schema,
                columns=columns,
                batch_size=per,
                batch_readahead=0,  # only the first batch is wanted
                fragment_readahead=1,
                **self.scan_options(),
            )
            for batch in batches:  # a copy: the batch is a slice of its whole decoded row group
                parts.append(
                    pa.RecordBatch.from_arrays(
                        [pa.concat_arrays([c]) for c in batch.columns], schema=batch.schema
                    )
                )
                break
        return pa.Table.from_batches(
            parts, schema=pa.schema([self.schema.field(c) for c in columns])
        )

    def to_table(self, columns: list[str] | None = None) -> pa.Table:
        return pa.Table.from_batches(list(self.batches(columns)), schema=self._schema_of(columns))

    def _schema_of(self, columns: list[str] | None) -> pa.Schema:
        if columns is None:
            return self.schema
        return pa.schema([self.schema.field(c) for c in columns], metadata=self.schema.metadata)

    def read_all(self) -> pa.Table:
        return pa.Table.from_batches(list(self.batches()), schema=self.schema)

    def source(self) -> dict[str, Any]:
        """What ``reopen`` needs to read the same files the same way (JSON-able)."""
        return {
            "url": self.url,
            "format": self.format,
            "base": self.base,
            "hive": list(self.hive),
            "schema": base64.b64encode(self.schema.serialize().to_pybytes()).decode("ascii"),
        }


@functools.cache
def read_pool() -> pa.MemoryPool:
    """The pool streamed batches are read into: jemalloc if pyarrow has it, else the default.

    pyarrow's default mimalloc pool keeps freed row groups mapped; streaming
    10M x 20 rows peaked at about 480 MB with it and 390 MB with jemalloc, at
    the same speed (the process's default pool is left alone).
    """
    try:
        return pa.jemalloc_memory_pool()
    except (NotImplementedError, pa.ArrowException):
        return pa.default_memory_pool()


def _describe(schema: pa.Schema) -> str:
    return ", ".join(f"{f.name} {f.type}" for f in schema)


def open_dataset(url: str | os.PathLike) -> Dataset:
    """The Parquet or CSV files at ``url`` (a path or any fsspec URL)."""
    return Dataset(os.fspath(url))


def reopen(source: dict[str, Any], files: list[FileEntry]) -> Dataset:
    """The recorded files, refused (naming the file) when one changed or vanished."""
    dataset = Dataset.__new__(Dataset)
    dataset.url = source["url"]
    dataset.fs, _ = _fs_for(source["url"])
    protocol = dataset.fs.protocol
    dataset.protocol = protocol if isinstance(protocol, str) else protocol[0]
    dataset.format, dataset.base, dataset.hive = source["format"], source["base"], source["hive"]
    dataset.schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(source["schema"])))
    paths = []
    for f in files:
        path = _fs_for(f.url)[1]
        try:
            info = dataset.fs.info(path)
        except FileNotFoundError:
            raise NotFound(f"{f.url} no longer exists; it was part of this snapshot") from None
        except Exception as exc:
            raise _reaching(f.url, "read", exc) from None
        now = _entry(dataset.fs, dataset.protocol, info)
        changes = [
            f"{what} {old!r} -> {new!r}"
            for what, old, new in (("size", f.size, now.size), ("etag", f.etag, now.etag))
            if old != new
        ]
        if f.etag is None and f.mtime != now.mtime:
            changes.append(f"modified {f.mtime} -> {now.mtime}")
        if changes:
            raise Conflict(f"{f.url} changed since the snapshot ({'; '.join(changes)})")
        paths.append(path)
    dataset.paths, dataset.files = paths, list(files)
    return dataset


def is_dataset_url(x: Any) -> bool:
    return isinstance(x, (str, os.PathLike))

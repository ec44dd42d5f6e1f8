"""``store.info``: the store described for a settings page, passwords never shown."""

from __future__ import annotations

import pytest

from jupyter_mlops.store.info import describe, masked_blob_root, masked_tracking_uri


def test_describes_the_embedded_store(store, mlops_home):
    info = describe(store)
    assert info.backend == "sqlite"
    assert info.tracking_uri == store.tracking_uri == f"sqlite:///{mlops_home / 'mlops.db'}"
    assert info.blob_root == str(mlops_home / "blobs")
    assert info.read_only is False and info.read_only_reason is None


def test_describes_any_store_without_its_password(any_store):
    info = describe(any_store)
    assert info.backend == any_store.db.engine.url.get_backend_name()
    password = any_store.db.engine.url.password
    if password:
        assert password not in info.tracking_uri and "***" in info.tracking_uri


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        (
            "postgresql+psycopg://team:s3cret@db:5432/mlops",
            "postgresql+psycopg://team:***@db:5432/mlops",
        ),
        ("postgresql://team@db/mlops", "postgresql://team@db/mlops"),
        ("sqlite:////home/me/.mlops/mlops.db", "sqlite:////home/me/.mlops/mlops.db"),
    ],
)
def test_tracking_uri_password_is_masked(uri, shown):
    assert masked_tracking_uri(uri) == shown


@pytest.mark.parametrize(
    ("root", "shown"),
    [
        ("s3://key:s3cret@bucket/blobs", "s3://key:***@bucket/blobs"),
        ("s3://bucket/blobs", "s3://bucket/blobs"),
        ("/home/me/.mlops/blobs", "/home/me/.mlops/blobs"),
        ("memory://x", "memory://x"),
    ],
)
def test_blob_root_password_is_masked(root, shown):
    assert masked_blob_root(root) == shown

"""pipeline run on real notebooks executed by papermill in a real kernel."""

from __future__ import annotations

import nbformat
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument
from jupyter_mlops.store.entities import RunStatus

TRAIN = [
    "import jupyter_mlops as mlops",
    ("alpha = 0.5\nn: int = 3\nversion = '1.0'", ["parameters"]),
    "score = alpha * n\nmlops.log_metric('score', score)\nmlops.log_param('version_seen', repr(version))",
]


@pytest.fixture
def train(make_notebook):
    path = make_notebook("train.ipynb", TRAIN)
    return mlops.promote_notebook(path, "train", gates=["score >= 1"])


def _runs():
    return mlops.search_runs(children=True)


def test_run_records_params_metrics_output_and_links(train):
    result = mlops.run_pipeline("train", {"alpha": "0.5", "n": "4", "version": "1.10"})
    assert result.ok and result.status is RunStatus.FINISHED and not result.cached
    assert result.params == {"alpha": 0.5, "n": 4, "version": "1.10"}
    data = mlops.get_run(result.run_id)
    assert data.metrics == {"score": 2.0}
    # typed by the declaration: "1.10" stays a string (papermill's guess would give 1.1)
    assert data.params["version_seen"] == "'1.10'"
    assert data.params["n"] == "4"
    assert data.tags["mlops.pipeline"] == "train"
    assert data.tags["mlops.pipeline.gates"] == "passed"
    assert [a.name for a in data.artifacts] == ["output.ipynb"]
    out = mlops.load_artifact(result.run_id, "output.ipynb").decode()
    assert "injected-parameters" in out
    # the notebook's calls were recorded in the pipeline's run, not in runs of their own
    assert len(_runs()) == 1


def test_wrong_types_and_unknown_names_fail_before_any_kernel(train):
    with pytest.raises(InvalidArgument, match="parameter 'n': expected an int, got '2.5'"):
        mlops.run_pipeline("train", {"n": "2.5"})
    with pytest.raises(InvalidArgument, match="names the pipeline declares"):
        mlops.run_pipeline("train", {"beta": "1"})
    assert _runs().empty


def test_failing_cell_fails_the_run_with_cell_and_error(make_notebook):
    path = make_notebook(
        "fail.ipynb", [("x = 1", ["parameters"]), "y = x + 1", "raise ValueError(f'bad x={x}')"]
    )
    mlops.promote_notebook(path, "fail")
    result = mlops.run_pipeline("fail", {"x": 5})
    assert result.status is RunStatus.FAILED and not result.ok
    assert result.failure is not None
    assert (result.failure.ename, result.failure.evalue) == ("ValueError", "bad x=5")
    assert "raise ValueError" in result.failure.source
    info = mlops.get_run(result.run_id).info
    assert info.status is RunStatus.FAILED and "ValueError: bad x=5" in info.error
    assert "output.ipynb" in [a.name for a in mlops.get_run(result.run_id).artifacts]


def test_gate_not_met_fails_the_run(train):
    result = mlops.run_pipeline("train", {"alpha": 0.1})
    assert result.status is RunStatus.FAILED and not result.ok
    assert [(g.gate, g.passed) for g in result.gates] == [("score >= 1", False)]
    data = mlops.get_run(result.run_id)
    assert "gates not met" in data.info.error
    assert data.tags["mlops.pipeline.gates"] == "failed"


def test_cache_reuses_an_unchanged_run_and_reruns_after_a_change(train):
    first = mlops.run_pipeline("train")
    again = mlops.run_pipeline("train")
    assert again.cached and again.run_id == first.run_id and again.ok
    changed = mlops.run_pipeline("train", {"alpha": 1.0})
    assert not changed.cached and changed.run_id != first.run_id
    forced = mlops.run_pipeline("train", force=True)
    assert not forced.cached and forced.run_id not in (first.run_id, changed.run_id)
    # a changed notebook is a miss too
    nb = train.spec.notebook_path
    nb.write_text(nb.read_text().replace("score = alpha * n", "score = alpha * n * 1"))
    assert not mlops.run_pipeline("train").cached


def test_uninstalled_kernel_falls_back_to_python_with_a_warning(make_notebook):
    path = make_notebook(
        "k.ipynb", [("x = 2", ["parameters"]), "assert x == 2"], kernel="no-such-kernel"
    )
    mlops.promote_notebook(path, "k")
    result = mlops.run_pipeline("k")
    assert result.ok
    assert any("'no-such-kernel' is not installed" in w for w in result.warnings)
    assert mlops.get_run(result.run_id).tags["mlops.pipeline.kernel"] == "python3"


def test_a_dead_kernel_is_retried(make_notebook, tmp_path):
    marker = tmp_path / "died-once"
    path = make_notebook(
        "die.ipynb",
        [
            ("marker = ''", ["parameters"]),
            "import os, pathlib\n"
            "if not pathlib.Path(marker).exists():\n"
            "    pathlib.Path(marker).touch()\n"
            "    os._exit(1)",
            "import jupyter_mlops as mlops\nmlops.log_metric('survived', 1)",
        ],
    )
    mlops.promote_notebook(path, "die")
    result = mlops.run_pipeline("die", {"marker": str(marker)}, retries=1)
    assert result.ok and result.attempts == 2
    statuses = sorted(_runs()["status"])
    assert statuses == ["FINISHED", "KILLED"]
    killed = _runs().query("status == 'KILLED'").iloc[0]
    assert "kernel died" in mlops.get_run(killed["run_id"]).info.error


def test_a_hanging_cell_ends_the_run_after_the_timeout(make_notebook):
    path = make_notebook("hang.ipynb", [("s = 60", ["parameters"]), "import time\ntime.sleep(s)"])
    mlops.promote_notebook(path, "hang")
    result = mlops.run_pipeline("hang", timeout=2)
    assert result.status is RunStatus.FAILED
    assert "longer than the 2 s timeout" in result.error and "time.sleep" in result.error


def test_notebook_runs_attach_to_the_pipeline_run(make_notebook):
    path = make_notebook(
        "attach.ipynb",
        [
            "import jupyter_mlops as mlops\nmlops.log_metric('before', 1)",
            "with mlops.start_run('interactive name', params={'extra': 1}) as run:\n"
            "    run.log_metric('acc', 0.9)\n"
            "first = run.id\n"
            "assert mlops.active_run() is None",
            "with mlops.start_run('second') as child:\n    child.log_metric('child_metric', 1)",
            "assert child.info.parent_run_id == first",
        ],
    )
    mlops.promote_notebook(path, "attach")
    result = mlops.run_pipeline("attach")
    assert result.ok, result.error
    data = mlops.get_run(result.run_id)
    assert data.metrics == {"acc": 0.9, "before": 1.0}
    assert data.params["extra"] == "1"
    runs = _runs()
    assert len(runs) == 2
    child = runs[runs["run_id"] != result.run_id].iloc[0]
    assert mlops.get_run(child["run_id"]).info.parent_run_id == result.run_id
    assert child["status"] == "FINISHED" and child["name"] == "second"


def test_mlops_magics_attach_to_the_pipeline_run(make_notebook):
    path = make_notebook(
        "magics.ipynb",
        [
            "%load_ext jupyter_mlops",
            ("lr = 0.1", ["parameters"]),
            "%mlops start train --param extra=1\n%mlops log acc=0.75\n%mlops end",
            "%mlops start second\n%mlops log child_metric=1\n%mlops end",
        ],
    )
    mlops.promote_notebook(path, "magics")
    result = mlops.run_pipeline("magics", {"lr": 0.2})
    assert result.ok, result.error
    data = mlops.get_run(result.run_id)
    assert data.metrics == {"acc": 0.75}
    assert data.params == {"extra": "1", "lr": "0.2"}
    runs = _runs()
    assert sorted(runs["name"]) == ["magics", "second"]
    child = runs[runs["name"] == "second"].iloc[0]
    assert mlops.get_run(child["run_id"]).info.parent_run_id == result.run_id
    assert result.status is RunStatus.FINISHED


def test_pipeline_kernels_run_over_ipc(make_notebook):
    path = make_notebook(
        "probe.ipynb",
        [
            "import jupyter_mlops as mlops\n"
            "from ipykernel.kernelapp import IPKernelApp\n"
            "mlops.log_param('transport', IPKernelApp.instance().transport)"
        ],
    )
    mlops.promote_notebook(path, "probe")
    result = mlops.run_pipeline("probe")
    assert result.ok, result.error
    assert mlops.get_run(result.run_id).params["transport"] == "ipc"


def test_a_failing_cell_is_named_as_the_pipeline_notebook_numbers_it(make_notebook):
    # a markdown cell and papermill's injected parameters cell must not shift the number
    path = make_notebook(
        "fail7.ipynb",
        [("x = 1", ["parameters"]), "y = x + 1", "z = y * 2\nraise ValueError('bad')", "w = 3"],
        markdown=True,
    )
    promotion = mlops.promote_notebook(path, "fail7")
    result = mlops.run_pipeline("fail7", {"x": 5})
    assert result.status is RunStatus.FAILED and result.failure is not None
    cells = nbformat.read(str(promotion.spec.notebook_path), as_version=4).cells
    index = next(i for i, c in enumerate(cells) if "raise ValueError" in c.source)
    assert result.failure.cell_index == index == 3
    out = nbformat.reads(mlops.load_artifact(result.run_id, "output.ipynb").decode(), 4)
    failed = next(c for c in out.cells if "raise ValueError" in c.source)
    assert result.failure.execution_count == failed.execution_count
    text = str(result.failure)
    first = text.splitlines()[0]
    assert first.startswith(
        f"cell {index} of pipelines/fail7/notebook.ipynb (In [{failed.execution_count}])"
    ), first
    assert first.endswith("failed: ValueError: bad")
    assert text.splitlines()[1].strip() == "z = y * 2"
    assert f"cell {index} of pipelines/fail7" in mlops.get_run(result.run_id).info.error


def test_a_pipeline_run_records_the_notebook_as_its_source(train):
    result = mlops.run_pipeline("train")
    info = mlops.get_run(result.run_id).info
    assert (info.source_type, info.source_path) == ("notebook", str(train.spec.notebook_path))


def test_a_deleted_run_is_never_served_from_the_cache(train):
    """Deleting the run a cached result points at makes the next run execute again."""
    first = mlops.run_pipeline("train")
    assert mlops.run_pipeline("train").cached
    mlops.delete_run(first.run_id)
    again = mlops.run_pipeline("train")
    assert not again.cached and again.run_id != first.run_id

"""Lineage from a model version to its run, input snapshots, notebook, executed cells and commit."""

from __future__ import annotations

import subprocess

import pytest

import jupyter_mlops as mlops


def _git(cwd, *args):
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture
def repo(mlops_home, monkeypatch):
    root = mlops_home.parent
    _git(root, "init", "-q", "-b", "main")
    (root / ".gitignore").write_text(".mlops/\n")
    (root / "train.ipynb").write_text("{}")
    _git(root, "add", ".gitignore", "train.ipynb")
    _git(root, "commit", "-q", "-m", "init")
    monkeypatch.setenv("MLOPS_NOTEBOOK_PATH", str(root / "train.ipynb"))
    return root


def run_cells(ip, *sources):
    for source in sources:
        result = ip.run_cell(source, store_history=True)
        if not result.success:
            raise result.error_in_exec or result.error_before_exec


def test_lineage_is_complete_from_model_to_cells_and_commit(ip, repo):
    commit = _git(repo, "rev-parse", "HEAD")
    run_cells(
        ip,
        "import jupyter_mlops as mlops\nfrom sklearn.datasets import load_iris\n"
        "from sklearn.linear_model import LogisticRegression",
        "X, y = load_iris(return_X_y=True, as_frame=True)",
        "%mlops start train-iris",
        "snap = mlops.snapshot(X, 'iris-features')",
        "model = LogisticRegression(max_iter=300).fit(X, y)\nmlops.log_metric('accuracy', model.score(X, y))",
        "%mlops register iris model --description first fit",
        "%mlops end",
    )
    snap = ip.user_ns["snap"]
    result = mlops.lineage("iris@latest")
    assert result.version.ref == "iris/1" and result.version.description == "first fit"
    assert result.run is not None and result.run.name == "train-iris"
    assert result.git_commit == commit
    assert result.notebook == str(repo / "train.ipynb")
    assert [s["ref"] for s in result.snapshots] == ["iris-features@1"]
    assert result.snapshots[0]["id"] == snap.id and result.snapshots[0]["rows"] == 150
    sources = [c["source"] for c in result.cells]
    assert any("LogisticRegression(max_iter=300).fit" in s for s in sources)
    assert any("mlops.snapshot(X, 'iris-features')" in s for s in sources)

    text = str(result)
    assert text.splitlines()[0].startswith("model iris/1  (skops, sklearn.linear_model")
    assert f"git {commit[:12]} (main)" in text
    assert "iris-features@1  150 rows × 4 cols" in text
    assert "└── executed cells" in text
    html = result._repr_html_()
    assert "<ul" in html and "iris-features@1" in html
    data = result.to_dict()
    assert data["run"]["git"]["commit"] == commit and data["version"]["version"] == 1

    shown = ip.run_line_magic("mlops", "lineage iris/1")
    assert shown.run.run_id == result.run.run_id


def test_lineage_without_a_run(store, fitted):
    mlops.register_model("bare", fitted)
    result = mlops.lineage("bare@latest")
    assert result.run is None and result.snapshots == [] and result.cells == []
    assert "run: none recorded" in str(result)


def test_lineage_keeps_the_snapshots_recorded_at_registration(store, fitted, cancer):
    X, _ = cancer
    with mlops.start_run("r", capture_context=False):
        mlops.snapshot(X, "before")
        mlops.register_model("m", fitted)
        mlops.snapshot(X.head(10), "after")
    assert [s["ref"] for s in mlops.lineage("m/1").snapshots] == ["before@1"]


def test_lineage_of_a_child_run_follows_the_parent_chain(store, fitted, cancer):
    X, _ = cancer
    start = mlops.start_run
    with start("sweep", params={"family": "linear", "C": "1"}, capture_context=False) as top:
        snap = mlops.snapshot(X, "train")
        with start("search", params={"cv": "5"}, capture_context=False) as middle:
            with start("candidate", params={"C": "0.5"}, capture_context=False) as child:
                mlops.snapshot(X.head(50), "holdout")
                mlops.register_model("m", fitted)
    result = mlops.lineage("m/1")
    assert result.run.run_id == child.id
    assert [a.run_id for a in result.ancestors] == [middle.id, top.id]
    assert [(s["ref"], s["run_id"], s["from"]) for s in result.snapshots] == [
        ("holdout@1", child.id, "this run"),
        ("train@1", top.id, "grandparent"),
    ]
    assert snap.id in result.version.input_snapshots  # recorded when it was registered
    assert result.params == {
        "C": {"value": "0.5", "run_id": child.id, "from": "this run"},  # the nearest wins
        "cv": {"value": "5", "run_id": middle.id, "from": "parent"},
        "family": {"value": "linear", "run_id": top.id, "from": "grandparent"},
    }
    text = str(result)
    assert f"parent run {middle.id[:12]} 'search'" in text
    assert f"train@1  569 rows × 30 cols  fp {snap.fingerprint[:12]}" in text
    assert f"(read by grandparent 'sweep' {top.id[:8]})" in text
    assert f"family = linear  (from grandparent 'sweep' {top.id[:8]})" in text
    data = result.to_dict()
    assert data["params"]["cv"]["run_id"] == middle.id
    assert [a["run_id"] for a in data["ancestors"]] == [middle.id, top.id]


def test_lineage_names_the_model_class_by_its_public_path(store):
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier

    X, y = load_iris(return_X_y=True)
    mlops.register_model("forest", RandomForestClassifier(n_estimators=3).fit(X, y))
    result = mlops.lineage("forest@latest")
    assert result.version.model_class == "sklearn.ensemble.RandomForestClassifier"
    assert str(result).startswith(
        "model forest/1  (skops, sklearn.ensemble.RandomForestClassifier)"
    )

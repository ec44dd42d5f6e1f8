"""``import jupyter_mlops as mlops``: what ``dir(mlops)`` offers is the public API."""

from __future__ import annotations

import jupyter_mlops as mlops


def test_dir_shows_only_the_public_api():
    names = dir(mlops)
    for leaked in ("Any", "annotations", "importlib", "store", "config", "errors", "naming"):
        assert leaked not in names
    assert [n for n in names if n.startswith("_")] == ["__version__"]
    for public in ("start_run", "search_runs", "snapshot", "drift", "register_model"):
        assert public in names
    assert {"lineage", "Lineage", "run_pipeline", "widgets"} <= set(names)
    assert names == sorted(set(names))
    for name in names:
        getattr(mlops, name)  # every name shown resolves, lazy ones included


def test_public_path_walks_up_while_the_package_gives_the_same_class():
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    from jupyter_mlops.naming import public_path, public_path_of

    assert public_path(RandomForestClassifier) == "sklearn.ensemble.RandomForestClassifier"
    assert public_path(LogisticRegression) == "sklearn.linear_model.LogisticRegression"
    assert public_path(dict) == "builtins.dict"
    assert public_path(mlops.Lineage) == "jupyter_mlops.Lineage"
    stored = "sklearn.ensemble._forest.RandomForestClassifier"
    assert public_path_of(stored) == "sklearn.ensemble.RandomForestClassifier"
    assert public_path_of("not_imported_pkg._mod.Model") == "not_imported_pkg._mod.Model"


def test_the_tracking_names_are_the_tracking_api():
    import jupyter_mlops.tracking as tracking

    assert set(mlops.TRACKING_NAMES) == set(tracking.__all__)


def test_importing_the_package_loads_no_heavy_module():
    import subprocess
    import sys

    code = (
        "import sys, jupyter_mlops\n"
        "heavy = [m for m in ('pandas', 'sqlalchemy', 'numpy', 'jupyter_mlops.store',"
        " 'jupyter_mlops.tracking') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    code = "import jupyter_mlops as m; print(m.start_run.__module__, m.get_store.__module__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["jupyter_mlops.tracking.api", "jupyter_mlops.store"]

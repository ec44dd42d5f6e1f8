"""``/mlops/api/settings``: the version the frontend checks, the store and the features."""

from __future__ import annotations

import importlib

import jupyter_mlops


async def test_settings_reports_version_store_and_features(api, mlops_home):
    status, body = await api("settings")
    assert status == 200
    assert body["version"] == jupyter_mlops.__version__
    assert body["store"] == {
        "backend": "sqlite",
        "tracking_uri": f"sqlite:///{mlops_home / 'mlops.db'}",
        "blob_root": str(mlops_home / "blobs"),
        "read_only": False,
        "read_only_reason": None,
    }
    assert body["features"] == {
        "runs": True,
        "events": True,
        "snapshots": True,
        "drift": True,
        "models": True,
        "pipelines": True,
    }
    assert body["refresh_interval"] == 5.0


async def test_a_part_of_the_core_that_is_missing_is_not_a_feature(api, mlops_home, monkeypatch):
    monkeypatch.delattr(importlib.import_module("jupyter_mlops.registry"), "list_models")
    monkeypatch.delattr(importlib.import_module("jupyter_mlops.tracking"), "list_events")
    status, body = await api("settings")
    assert status == 200
    features = body["features"]
    assert features["models"] is False and features["events"] is False
    assert features["runs"] is True and features["snapshots"] is True


async def test_a_read_only_store_is_described_as_such(api, mlops_home, tmp_path, monkeypatch):
    from jupyter_mlops.store import db as db_mod
    from jupyter_mlops.store import get_store

    get_store().db.dispose()
    view = tmp_path / "view"
    view.symlink_to(mlops_home, target_is_directory=True)
    monkeypatch.setattr(db_mod, "_writable", lambda p: not str(p).startswith(str(view)))
    monkeypatch.setenv("MLOPS_TRACKING_URI", f"sqlite:///{view / 'mlops.db'}")
    status, body = await api("settings")
    assert status == 200
    assert body["store"]["tracking_uri"] == f"sqlite:///{view / 'mlops.db'}"
    assert body["store"]["read_only"] is True
    assert str(view) in body["store"]["read_only_reason"]


async def test_extension_is_enabled_through_the_entry_point(jp_serverapp):
    assert "jupyter_mlops" in jp_serverapp.extension_manager.extensions
    assert jp_serverapp.extension_manager.extensions["jupyter_mlops"].enabled

"""``/mlops/api/settings``: the version the frontend checks, the store and the features."""

from __future__ import annotations

import jupyter_mlops


async def test_settings_reports_version_store_and_features(api, mlops_home):
    status, body = await api("settings")
    assert status == 200
    assert body["version"] == jupyter_mlops.__version__
    assert body["store"]["backend"] == "sqlite"
    assert str(mlops_home) in body["store"]["tracking_uri"]
    assert body["features"]["runs"] is True
    assert body["refresh_interval"] == 5.0


async def test_extension_is_enabled_through_the_entry_point(jp_serverapp):
    assert "jupyter_mlops" in jp_serverapp.extension_manager.extensions
    assert jp_serverapp.extension_manager.extensions["jupyter_mlops"].enabled

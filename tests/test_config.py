from pathlib import Path

from jupyter_mlops import config


def test_home_found_upward_like_git(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("MLOPS_HOME", raising=False)
    (tmp_path / ".mlops").mkdir()
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert config.find_home(deep) == (tmp_path / ".mlops").resolve()


def test_home_defaults_to_working_directory(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("MLOPS_HOME", raising=False)
    monkeypatch.delenv("MLOPS_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLOPS_BLOB_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    cfg = config.resolve()
    assert cfg.home == (tmp_path / ".mlops").resolve()
    assert cfg.tracking_uri == f"sqlite:///{(tmp_path / '.mlops' / 'mlops.db').resolve()}"
    assert cfg.blob_root == str((tmp_path / ".mlops" / "blobs").resolve())


def test_environment_overrides(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MLOPS_HOME", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("MLOPS_TRACKING_URI", "postgresql+psycopg://u@127.0.0.1/db")
    monkeypatch.setenv("MLOPS_BLOB_ROOT", "memory://blobs")
    cfg = config.resolve()
    assert cfg.tracking_uri == "postgresql+psycopg://u@127.0.0.1/db"
    assert cfg.blob_root == "memory://blobs"
    monkeypatch.delenv("MLOPS_TRACKING_URI")
    assert config.resolve().tracking_uri.endswith("elsewhere/mlops.db")


def test_store_created_on_first_use(mlops_home: Path):
    import jupyter_mlops as mlops

    assert not mlops_home.exists()
    with mlops.start_run("first"):
        pass
    assert (mlops_home / "mlops.db").exists()

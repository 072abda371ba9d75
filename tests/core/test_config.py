"""Settings come from arguments, then MLWRIGHT_* variables, then mlwright.toml, then defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlwright.core.config import Settings
from mlwright.core.errors import ConfigError
from mlwright.workspace import Workspace


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("MLWRIGHT_WORKSPACE", "MLWRIGHT_STORE_URI", "MLWRIGHT_ARTIFACTS_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_put_everything_in_dot_mlwright(tmp_path: Path) -> None:
    settings = Settings()
    assert settings.workspace == Path(".mlwright")
    assert settings.resolved_store_uri == f"sqlite:///{tmp_path / '.mlwright' / 'mlwright.db'}"
    assert settings.resolved_artifacts_uri == str(tmp_path / ".mlwright" / "artifacts")


def test_toml_overrides_defaults(tmp_path: Path) -> None:
    (tmp_path / "mlwright.toml").write_text('workspace = "from-toml"\ningest_memory_mb = 256\n')
    settings = Settings()
    assert settings.workspace == Path("from-toml")
    assert settings.ingest_memory_mb == 256


def test_environment_overrides_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mlwright.toml").write_text('workspace = "from-toml"\n')
    monkeypatch.setenv("MLWRIGHT_WORKSPACE", "from-env")
    assert Settings().workspace == Path("from-env")


def test_arguments_override_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mlwright.toml").write_text('workspace = "from-toml"\n')
    monkeypatch.setenv("MLWRIGHT_WORKSPACE", "from-env")
    ws = Workspace("from-arg")
    assert ws.path == tmp_path / "from-arg"


def test_store_uri_from_environment_reaches_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLWRIGHT_STORE_URI", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    with Workspace("ws") as ws:
        assert ws.datasets() == []
    assert (tmp_path / "elsewhere.db").exists()


def test_invalid_setting_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLWRIGHT_INGEST_MEMORY_MB", "12")
    with pytest.raises(ConfigError, match="ingest_memory_mb"):
        Workspace("ws")


def test_unknown_toml_key_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "mlwright.toml").write_text('worksapce = "typo"\n')
    with pytest.raises(ConfigError, match="worksapce"):
        Workspace()


def test_malformed_toml_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "mlwright.toml").write_text("workspace = \n")
    with pytest.raises(ConfigError, match=r"mlwright\.toml|settings"):
        Workspace()

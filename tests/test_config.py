import pytest

from directory import create_app
from directory.config import DEFAULT_SECRET_KEY, Config, ConfigError


def test_settings_come_from_signpost_environment_variables():
    config = Config.from_env({"SIGNPOST_DEFAULT_RADIUS_KM": "8", "SIGNPOST_DATABASE_URL": "sqlite:///x.db"})
    assert config.DEFAULT_RADIUS_KM == 8.0
    assert config.DATABASE_URL == "sqlite:///x.db"


def test_defaults_put_database_and_index_under_instance(tmp_path):
    config = Config.from_env({}).apply({"INSTANCE_DIR": str(tmp_path)}).finalise()
    assert config.DATABASE_URL == f"sqlite:///{tmp_path / 'signpost.db'}"
    assert config.INDEX_DIR == str(tmp_path / "index")


def test_a_malformed_number_names_the_variable():
    with pytest.raises(ConfigError, match="SIGNPOST_DEFAULT_RADIUS_KM"):
        Config.from_env({"SIGNPOST_DEFAULT_RADIUS_KM": "five"})


def test_radius_above_the_cap_is_refused():
    with pytest.raises(ConfigError, match="between 0 and 100"):
        Config.from_env({"SIGNPOST_DEFAULT_RADIUS_KM": "250"}).finalise()


def test_production_refuses_the_default_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SIGNPOST_SECRET_KEY"):
        create_app({"ENV": "production", "INSTANCE_DIR": str(tmp_path), "SECRET_KEY": DEFAULT_SECRET_KEY})


def test_production_refuses_the_default_base_url(tmp_path):
    with pytest.raises(ConfigError, match="SIGNPOST_BASE_URL"):
        create_app({"ENV": "production", "INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x" * 40})


def test_production_starts_with_a_real_secret_key(tmp_path):
    app = create_app(
        {"ENV": "production", "INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x" * 40, "BASE_URL": "https://sp.example"}
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_overrides_win_over_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SIGNPOST_DEFAULT_RADIUS_KM", "3")
    app = create_app({"ENV": "testing", "INSTANCE_DIR": str(tmp_path), "DEFAULT_RADIUS_KM": 7.5})
    assert app.config["SIGNPOST"].DEFAULT_RADIUS_KM == 7.5


def test_moderator_addresses_are_read_once_trimmed_and_each_named_once():
    config = Config.from_env(
        {"SIGNPOST_MODERATOR_EMAILS": " Lead@signpost.example , mods@signpost.example,,lead@signpost.example "}
    )
    assert config.moderator_addresses == ["lead@signpost.example", "mods@signpost.example"]
    assert Config().moderator_addresses == []

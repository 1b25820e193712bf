"""The application factory's configuration handling."""
from __future__ import annotations

from datetime import timedelta

import pytest

from config import (
    ConfigurationError,
    DevelopmentConfig,
    ProductionConfig,
    config_from_env,
    normalize_database_url,
)
from lsi_assembly.app import create_app


def test_production_without_secret_key_refuses_to_start():
    with pytest.raises(ConfigurationError, match="SECRET_KEY is not set"):
        create_app(config_from_env({"DATABASE_URL": "sqlite://"}))


#: A Fernet key for the production configurations below (32 bytes, url-safe base64).
DATA_KEY = "A" * 43 + "="


def test_production_without_data_keys_refuses_to_start():
    with pytest.raises(ConfigurationError, match="DATA_KEYS is not set"):
        create_app(config_from_env({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 40}))
    with pytest.raises(ConfigurationError, match="Key 2 of DATA_KEYS is not a Fernet key"):
        create_app(config_from_env({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 40,
                                    "DATA_KEYS": f"{DATA_KEY}, not-a-key"}))


def test_production_without_mail_server_refuses_to_start():
    base = {"DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 40, "DATA_KEYS": DATA_KEY}
    with pytest.raises(ConfigurationError, match="MAIL_SERVER is not set"):
        create_app(config_from_env(base))
    with pytest.raises(ConfigurationError, match="BASE_URL is not set"):
        create_app(config_from_env({**base, "MAIL_SERVER": "smtp.example.org"}))
    app = create_app(config_from_env({**base, "MAIL_SERVER": "smtp.example.org",
                                      "BASE_URL": "https://lsi.example.org"}))
    assert app.config["ENV_NAME"] == "production"
    assert app.config["DATA_KEYS"] == [DATA_KEY]


def test_development_derives_a_data_key_from_its_secret():
    config = config_from_env({"LSI_ENV": "development"})
    assert len(config.DATA_KEYS) == 1
    assert config_from_env({"LSI_ENV": "development", "DATA_KEYS": DATA_KEY}).DATA_KEYS == [DATA_KEY]


def test_production_is_the_default_environment():
    assert isinstance(config_from_env({}), ProductionConfig)


def test_development_has_a_fixed_key_and_no_mail_server():
    config = config_from_env({"LSI_ENV": "development"})
    assert isinstance(config, DevelopmentConfig)
    assert config.SECRET_KEY and config.MAIL_SERVER is None
    app = create_app(config)
    assert app.config["ENV_NAME"] == "development"


def test_unknown_environment_is_an_error():
    with pytest.raises(ConfigurationError, match="LSI_ENV must be one of"):
        config_from_env({"LSI_ENV": "staging"})


def test_settings_come_from_the_environment():
    config = config_from_env({
        "SECRET_KEY": "s3cret", "DATABASE_URL": "postgres://u:p@db:5432/lsi", "MAIL_SERVER": "smtp.example.org",
        "MAIL_PORT": "587", "MAIL_USE_TLS": "true", "MAIL_USERNAME": "user", "MAIL_PASSWORD": "pw",
        "MAIL_DEFAULT_SENDER": "LSI <lsi@example.org>", "BASE_URL": "https://assembly.example.org/",
        "EMAIL_CHECK_DELIVERABILITY": "yes", "MANAGE_LINK_MAX_AGE_DAYS": "30",
    })
    assert config.SECRET_KEY == "s3cret"
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u:p@db:5432/lsi"
    assert (config.MAIL_SERVER, config.MAIL_PORT, config.MAIL_USE_TLS) == ("smtp.example.org", 587, True)
    assert (config.MAIL_USERNAME, config.MAIL_PASSWORD) == ("user", "pw")
    assert config.MAIL_DEFAULT_SENDER == "LSI <lsi@example.org>"
    assert config.BASE_URL == "https://assembly.example.org"
    assert config.SESSION_COOKIE_SECURE is True
    assert config.EMAIL_CHECK_DELIVERABILITY is True
    assert config.MANAGE_LINK_MAX_AGE == timedelta(days=30)


def test_default_database_is_sqlite_under_instance():
    assert config_from_env({"LSI_ENV": "development"}).SQLALCHEMY_DATABASE_URI.endswith("/instance/lsi_assembly.db")


@pytest.mark.parametrize(("url", "expected"), [
    ("postgresql://h/db", "postgresql+psycopg://h/db"),
    ("postgres://h/db", "postgresql+psycopg://h/db"),
    ("postgresql+psycopg://h/db", "postgresql+psycopg://h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_url_uses_psycopg3(url, expected):
    assert normalize_database_url(url) == expected


def test_remember_days_set_the_remember_cookie_duration():
    assert config_from_env({"LSI_ENV": "development"}).REMEMBER_COOKIE_DURATION == timedelta(days=14)
    config = config_from_env({"LSI_ENV": "development", "REMEMBER_DAYS": "3", "RESET_RATE_LIMIT": "1 per minute"})
    assert config.REMEMBER_COOKIE_DURATION == timedelta(days=3) and config.RESET_RATE_LIMIT == "1 per minute"
    with pytest.raises(ConfigurationError, match="REMEMBER_DAYS must be between 1 and 365"):
        create_app(config_from_env({"LSI_ENV": "development", "REMEMBER_DAYS": "0"}))


def test_assembly_max_proxies_defaults_to_one_and_is_never_negative():
    assert config_from_env({"LSI_ENV": "development"}).ASSEMBLY_MAX_PROXIES == 1
    assert config_from_env({"LSI_ENV": "development", "ASSEMBLY_MAX_PROXIES": "2"}).ASSEMBLY_MAX_PROXIES == 2
    with pytest.raises(ConfigurationError, match="ASSEMBLY_MAX_PROXIES must be 0 or more"):
        config_from_env({"LSI_ENV": "development", "ASSEMBLY_MAX_PROXIES": "-1"}).validate()

"""Configuration classes, read from the environment when instantiated.

Select one with ``LSI_ENV`` (``development``, ``testing`` or ``production``, the default).
Every setting below can be overridden by an environment variable of the same name.
"""
from __future__ import annotations

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parent


def _flag(value: str | None, default: bool = False) -> bool:
    """Read a yes/no environment value."""
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalize_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _derived_data_key(secret: str) -> str:
    """A Fernet key derived from a development or test SECRET_KEY (never used in production)."""
    digest = hashlib.sha256(("lsi-assembly/data-key/" + secret).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


class ConfigurationError(RuntimeError):
    """Raised at start-up when a required setting is missing or wrong."""


class Config:
    """Settings shared by every environment (production defaults)."""

    ENV_NAME = "production"
    DEBUG = False
    TESTING = False
    DEFAULT_SECRET_KEY: str | None = None
    DEFAULT_QUEUE_URL = "redis://127.0.0.1:6379/0"
    DEFAULT_QUEUE_IMMEDIATE = False

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        env = dict(os.environ if environ is None else environ)
        self.SECRET_KEY = env.get("SECRET_KEY") or self.DEFAULT_SECRET_KEY
        default_db = "sqlite:///" + str(BASE_DIR / "instance" / "lsi_assembly.db")
        self.SQLALCHEMY_DATABASE_URI = normalize_database_url(env.get("DATABASE_URL") or default_db)
        self.SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
        if self.SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
            # An unreachable server fails in seconds (and /ready with it) instead of after TCP's minutes.
            self.SQLALCHEMY_ENGINE_OPTIONS["connect_args"] = {
                "connect_timeout": int(env.get("DATABASE_CONNECT_TIMEOUT") or 5)}
        #: Mail: with no MAIL_SERVER, messages are written to the log instead of sent.
        self.MAIL_SERVER = env.get("MAIL_SERVER") or None
        self.MAIL_PORT = int(env.get("MAIL_PORT") or 25)
        self.MAIL_USE_TLS = _flag(env.get("MAIL_USE_TLS"))
        self.MAIL_USERNAME = env.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD") or None
        self.MAIL_DEFAULT_SENDER = env.get("MAIL_DEFAULT_SENDER") or "LSI Assembly <assembly@localhost>"
        #: Seconds the client waits for each answer of the SMTP server.
        self.MAIL_TIMEOUT = float(env.get("MAIL_TIMEOUT") or 10)
        #: Seconds, in all, that sending after a request may take (what is left waits for the next sender).
        self.MAIL_REQUEST_DEADLINE = float(env.get("MAIL_REQUEST_DEADLINE") or 5)
        #: The relay takes addresses with non-ASCII characters before the @ (SMTPUTF8): forms accept them.
        self.MAIL_SMTPUTF8 = _flag(env.get("MAIL_SMTPUTF8"))
        #: Public address of the app, used to build links in e-mails (e.g. https://assembly.example.org).
        self.BASE_URL = (env.get("BASE_URL") or "").rstrip("/") or None
        #: Folder of pg_dump and pg_restore for ``flask backup``/``restore`` (default: found on PATH).
        self.PG_BINDIR = env.get("PG_BINDIR") or None
        #: Seconds /ready waits for the database to answer ``SELECT 1``.
        self.READY_DB_TIMEOUT = float(env.get("READY_DB_TIMEOUT") or 2)
        #: Where background jobs leave their files (badge PDFs) for a few hours; shared by all workers.
        self.JOBS_FOLDER = env.get("JOBS_FOLDER") or str(BASE_DIR / "instance" / "jobs")
        # The task queue (Huey, lsi_assembly/core/queue.py; docs/operations.md): mail, PDF jobs, periodic work.
        #: Where tasks wait: ``sqlite:///path`` (a file, no server: the default for ``make run``) or
        #: ``redis://host:port/db`` (production, several web hosts); /ready checks that it answers.
        self.QUEUE_URL = env.get("QUEUE_URL") or self.DEFAULT_QUEUE_URL
        #: The queue's name (two installations may share one Redis under different names).
        self.QUEUE_NAME = env.get("QUEUE_NAME") or "lsi-assembly"
        #: Run each task at once, in the process that queues it, instead of in ``flask worker`` (the tests).
        self.QUEUE_IMMEDIATE = _flag(env.get("QUEUE_IMMEDIATE"), default=self.DEFAULT_QUEUE_IMMEDIATE)
        #: Threads of ``flask --app wsgi worker`` running tasks at once.
        self.QUEUE_WORKERS = int(env.get("QUEUE_WORKERS") or 2)
        #: Seconds without a heartbeat after which a running job is shown failed (its worker is gone).
        self.JOB_STALE_SECONDS = float(env.get("JOB_STALE_SECONDS") or 30)
        #: Seconds before the first retry of a mail the relay did not take; doubled at each failure (6 h at most).
        self.MAIL_RETRY_SECONDS = float(env.get("MAIL_RETRY_SECONDS") or 60)
        #: email-validator's DNS deliverability check (off by default: no network look-up).
        self.EMAIL_CHECK_DELIVERABILITY = _flag(env.get("EMAIL_CHECK_DELIVERABILITY"))
        #: How long a personal registration link stays valid.
        self.MANAGE_LINK_MAX_AGE = timedelta(days=int(env.get("MANAGE_LINK_MAX_AGE_DAYS") or 90))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = bool(self.BASE_URL and self.BASE_URL.startswith("https://"))
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        #: Days a "keep me signed in" sign-in lasts (its cookie, and its session on the server).
        self.REMEMBER_DAYS = int(env.get("REMEMBER_DAYS") or 14)
        self.REMEMBER_COOKIE_DURATION = timedelta(days=self.REMEMBER_DAYS)
        self.MAX_CONTENT_LENGTH = 4 * 1024 * 1024
        #: Most fields in one form submission (url-encoded or multipart); more is a 413 before any form is
        #: built. The largest real form, the bulk action on a page of 50 registrations, sends about 55.
        self.MAX_FORM_PARTS = int(env.get("MAX_FORM_PARTS") or 500)
        #: Largest text field of a multipart form (bytes); an uploaded file is not counted here.
        self.MAX_FORM_MEMORY_SIZE = int(env.get("MAX_FORM_MEMORY_SIZE") or 500_000)
        #: Where uploaded files wait between an import's dry run and its confirmation.
        self.UPLOAD_FOLDER = env.get("UPLOAD_FOLDER") or str(BASE_DIR / "instance" / "uploads")
        self.WTF_CSRF_TIME_LIMIT = None  # a long form must not expire while someone fills it in
        # Abuse of the public registration and of sign-in: limits per client address (Flask-Limiter).
        self.RATELIMIT_ENABLED = _flag(env.get("RATELIMIT_ENABLED"), default=True)
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI") or "memory://"
        # A shared store (redis://) that stops answering must not stop the app: each process counts in
        # memory meanwhile (Flask-Limiter logs a warning) and goes back to the store once it answers again.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_SWALLOW_ERRORS = True
        self.RATELIMIT_STORAGE_OPTIONS = (
            {"socket_connect_timeout": 1, "socket_timeout": 1}
            if self.RATELIMIT_STORAGE_URI.startswith(("redis://", "rediss://")) else {})
        self.RATELIMIT_HEADERS_ENABLED = True
        self.PUBLIC_RATE_LIMIT = env.get("PUBLIC_RATE_LIMIT") or "10 per minute;100 per hour"
        self.LOGIN_RATE_LIMIT = env.get("LOGIN_RATE_LIMIT") or "10 per minute;60 per hour"
        self.RESET_RATE_LIMIT = env.get("RESET_RATE_LIMIT") or "5 per minute;20 per hour"
        self.REGISTER_RATE_LIMIT = env.get("REGISTER_RATE_LIMIT") or "10 per minute;100 per hour"
        #: Seconds below which a filled-in public form is taken for a program's.
        self.PUBLIC_MIN_SECONDS = float(env.get("PUBLIC_MIN_SECONDS") or 3)
        #: The same for the delegate registration form (longer: nobody fills it in under a few seconds).
        self.REGISTER_MIN_SECONDS = float(env.get("REGISTER_MIN_SECONDS") or 5)
        #: Mails the registration flow (confirm the address, the personal link again) sends to one
        #: address in an hour at most, whoever asks; organizers' messages are not limited.
        self.MAIL_PER_RECIPIENT_PER_HOUR = int(env.get("MAIL_PER_RECIPIENT_PER_HOUR") or 5)
        #: Hours a registration made on the form waits for its address to be confirmed; then it is deleted.
        self.REGISTRATION_CONFIRM_HOURS = int(env.get("REGISTRATION_CONFIRM_HOURS") or 48)
        #: Seconds a request waits for rows another one has locked (``core/locking.py``) before it
        #: answers "busy, please try again" (503) instead of waiting on (PostgreSQL's lock_timeout).
        self.LOCK_TIMEOUT_SECONDS = float(env.get("LOCK_TIMEOUT_SECONDS") or 5)
        #: The most proxies one member may hold at the General Assembly (the statutes' rule; 0: no proxies).
        self.ASSEMBLY_MAX_PROXIES = int(env.get("ASSEMBLY_MAX_PROXIES") or 1)
        #: Who signs the certificates of attendance, as printed on them, and their title (empty: none).
        self.CERTIFICATE_SIGNATORY = env.get("CERTIFICATE_SIGNATORY") or "Secretariat of La Strada International"
        self.CERTIFICATE_SIGNATORY_TITLE = env.get("CERTIFICATE_SIGNATORY_TITLE") or ""
        #: Look-ups of certificates on /verify per client address.
        self.VERIFY_RATE_LIMIT = env.get("VERIFY_RATE_LIMIT") or "30 per minute;300 per hour"
        #: Reverse proxies in front of the app whose X-Forwarded-For and -Proto are trusted (0: none).
        self.TRUSTED_PROXY_COUNT = int(env.get("TRUSTED_PROXY_COUNT") or 0)
        #: Fernet keys encrypting the sensitive free-text fields at rest, comma-separated: the first
        #: encrypts, all decrypt (core/crypto.py). Required in production; development and tests derive
        #: one from SECRET_KEY when it is unset.
        self.DATA_KEYS = [key.strip() for key in (env.get("DATA_KEYS") or "").split(",") if key.strip()]
        if not self.DATA_KEYS and self.SECRET_KEY and self.ENV_NAME != "production":
            self.DATA_KEYS = [_derived_data_key(self.SECRET_KEY)]
        self.BABEL_DEFAULT_LOCALE = "en"
        self.BABEL_DEFAULT_TIMEZONE = env.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Paris"
        self.LANGUAGES = ("en", "fr")
        self.BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "lsi_assembly" / "translations")

    def validate(self) -> None:
        """Refuse to start with settings that would be unsafe in this environment."""
        if not self.SECRET_KEY:
            raise ConfigurationError(
                "SECRET_KEY is not set. Set it in the environment (e.g. SECRET_KEY=$(python3 -c "
                "'import secrets; print(secrets.token_urlsafe(48))')), or set LSI_ENV=development "
                "for a local development server."
            )
        if not 1 <= self.REMEMBER_DAYS <= 365:
            raise ConfigurationError(f"REMEMBER_DAYS must be between 1 and 365, not {self.REMEMBER_DAYS}.")
        if not self.DATA_KEYS:
            raise ConfigurationError(
                "DATA_KEYS is not set. In production the sensitive notes are encrypted with it: set DATA_KEYS to "
                "a Fernet key (make one with: flask --app wsgi privacy new-key), or LSI_ENV=development.")
        for position, key in enumerate(self.DATA_KEYS, start=1):
            try:
                Fernet(key)
            except (ValueError, TypeError):
                raise ConfigurationError(
                    f"Key {position} of DATA_KEYS is not a Fernet key (32 url-safe base64-encoded bytes): make one "
                    "with: flask --app wsgi privacy new-key") from None
        if self.ASSEMBLY_MAX_PROXIES < 0:
            raise ConfigurationError(f"ASSEMBLY_MAX_PROXIES must be 0 or more, not {self.ASSEMBLY_MAX_PROXIES}.")


class ProductionConfig(Config):
    """Production: every secret comes from the environment, and mail goes to a real server."""

    def validate(self) -> None:
        """Also refuse to start without a mail server (mail would only be written to the log)."""
        super().validate()
        if not self.MAIL_SERVER:
            raise ConfigurationError(
                "MAIL_SERVER is not set. In production, e-mail (with people's personal links) must go to an "
                "SMTP server, not to the log. Set MAIL_SERVER (and MAIL_PORT, ...), or LSI_ENV=development."
            )
        if not self.BASE_URL:
            raise ConfigurationError(
                "BASE_URL is not set. In production, links in e-mails are built on it, never on the Host "
                "header of a request (which anyone can forge to send people's links to another site). "
                "Set BASE_URL (e.g. https://assembly.example.org), or LSI_ENV=development."
            )


class DevelopmentConfig(Config):
    """Local development: a fixed secret key and mail written to the console by default."""

    ENV_NAME = "development"
    DEFAULT_SECRET_KEY = "development-only-not-secret"
    DEFAULT_QUEUE_URL = "sqlite:///" + str(BASE_DIR / "instance" / "queue.db")


class TestConfig(Config):
    """Test runs: fast hashing, no mail server unless a test starts one."""

    ENV_NAME = "testing"
    TESTING = True
    DEFAULT_SECRET_KEY = "testing-only-not-secret"
    DEFAULT_QUEUE_URL = "sqlite:///" + str(BASE_DIR / "instance" / "queue-test.db")
    #: Tasks run synchronously, right after the commit that queues them: the suite sees mail at once.
    DEFAULT_QUEUE_IMMEDIATE = True

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        super().__init__(environ)
        self.SERVER_NAME = None
        self.MAIL_SERVER = None
        # Tests post forms at once; the tests of the minimum time set it themselves.
        self.PUBLIC_MIN_SECONDS = float((environ or {}).get("PUBLIC_MIN_SECONDS") or 0)
        self.REGISTER_MIN_SECONDS = float((environ or {}).get("REGISTER_MIN_SECONDS") or 0)


CONFIGS: dict[str, type[Config]] = {
    "production": ProductionConfig,
    "development": DevelopmentConfig,
    "testing": TestConfig,
}


def config_from_env(environ: dict[str, str] | None = None) -> Config:
    """Build the configuration named by LSI_ENV (production when unset)."""
    env = os.environ if environ is None else environ
    name = (env.get("LSI_ENV") or "production").strip().lower()
    if name not in CONFIGS:
        raise ConfigurationError(f"LSI_ENV must be one of {', '.join(sorted(CONFIGS))}, not {name!r}")
    return CONFIGS[name](dict(env))

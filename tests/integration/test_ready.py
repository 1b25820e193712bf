"""/ready: 200 only when the database and the task queue answer; 503 naming the failed part otherwise."""
from __future__ import annotations

import sqlite3

import pytest

import config
from lsi_assembly.app import create_app
from lsi_assembly.extensions import limiter
from tests.conftest import TEST_REDIS_URL, free_port


@pytest.fixture
def sqlite_queue(app, tmp_path):
    app.config["QUEUE_URL"] = "sqlite:///" + str(tmp_path / "queue.db")
    return app.config["QUEUE_URL"]


def test_ready_when_database_and_sqlite_queue_answer(client, sqlite_queue):
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "checks": {"database": "ok", "queue": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"


def test_ready_with_an_existing_sqlite_queue_file(app, client, tmp_path):
    path = tmp_path / "queue.db"
    sqlite3.connect(path).execute("CREATE TABLE task (id INTEGER)").connection.close()
    app.config["QUEUE_URL"] = f"sqlite:///{path}"
    assert client.get("/ready").status_code == 200
    path.write_bytes(b"this is not a database, it is a damaged file" * 100)
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "ok", "queue": "failed"}


def test_ready_when_the_sqlite_queue_folder_is_missing(app, client, tmp_path):
    app.config["QUEUE_URL"] = "sqlite:///" + str(tmp_path / "gone" / "queue.db")
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "ok", "queue": "failed"}


def test_ready_with_the_redis_queue(app, client, redis_db):
    app.config["QUEUE_URL"] = TEST_REDIS_URL
    assert client.get("/ready").status_code == 200


def test_redis_queue_down_is_503_without_its_url(app, client):
    port = free_port()  # nothing listens there
    app.config["QUEUE_URL"] = f"redis://:s3cret-password@127.0.0.1:{port}/0"
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "checks": {"database": "ok", "queue": "failed"}}
    text = response.get_data(as_text=True)
    assert "s3cret" not in text and str(port) not in text and "redis" not in text


def test_database_down_is_503_without_its_url(tmp_path):
    port = free_port()  # a closed port: no PostgreSQL answers there
    settings = config.TestConfig({"DATABASE_URL": f"postgresql://lsi:db-pass-word@127.0.0.1:{port}/assembly",
                         "QUEUE_URL": "sqlite:///" + str(tmp_path / "queue.db")})
    app = create_app(settings)
    response = app.test_client().get("/ready")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "checks": {"database": "failed", "queue": "ok"}}
    text = response.get_data(as_text=True)
    assert "db-pass-word" not in text and str(port) not in text
    # /health does not touch the database: the process itself is alive.
    assert app.test_client().get("/health").status_code == 200


def test_health_and_ready_are_never_rate_limited(make_app, tmp_path):
    app = make_app(RATELIMIT_DEFAULT="2 per minute")
    app.config["QUEUE_URL"] = "sqlite:///" + str(tmp_path / "queue.db")
    client = app.test_client()
    try:
        with app.app_context():
            for _ in range(5):
                assert client.get("/health").status_code == 200
                assert client.get("/ready").status_code == 200
            # The default limit is in force for other pages: the exemption is what lets these two through.
            statuses = [client.get("/privacy").status_code for _ in range(3)]
    finally:
        limiter.limit_manager.set_default_limits([])  # the limiter is one object shared by every test app
    assert statuses[-1] == 429


def test_settings_for_a_shared_deployment():
    """Defaults: the queue on the machine's Redis in production; short timeouts towards PostgreSQL and Redis."""
    settings = config.ProductionConfig({"DATABASE_URL": "postgresql://lsi@db.example.org/assembly",
                                        "RATELIMIT_STORAGE_URI": "redis://cache.example.org:6379/1"})
    assert settings.QUEUE_URL == "redis://127.0.0.1:6379/0"
    assert config.DevelopmentConfig({}).QUEUE_URL == "sqlite:///" + str(config.BASE_DIR / "instance" / "queue.db")
    assert settings.SQLALCHEMY_ENGINE_OPTIONS["connect_args"] == {"connect_timeout": 5}
    assert settings.RATELIMIT_STORAGE_OPTIONS == {"socket_connect_timeout": 1, "socket_timeout": 1}
    assert settings.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED and settings.RATELIMIT_SWALLOW_ERRORS
    local = config.DevelopmentConfig({"QUEUE_URL": "redis://127.0.0.1:6379/0"})
    assert local.QUEUE_URL == "redis://127.0.0.1:6379/0"
    assert "connect_args" not in local.SQLALCHEMY_ENGINE_OPTIONS  # SQLite
    assert local.RATELIMIT_STORAGE_OPTIONS == {}  # memory://


def test_pages_answer_503_try_again_while_the_database_does_not_answer(tmp_path):
    """PostgreSQL down or restarting: a page or a form sent gets "unavailable for a moment" (503, Retry-After),
    not a 500; nothing of the database's address is shown."""
    port = free_port()  # a closed port: no PostgreSQL answers there
    settings = config.TestConfig({"DATABASE_URL": f"postgresql://lsi:db-pass-word@127.0.0.1:{port}/assembly",
                                  "QUEUE_URL": "sqlite:///" + str(tmp_path / "queue.db")})
    settings.WTF_CSRF_ENABLED = False  # the form's token would come from a page that cannot be shown either
    client = create_app(settings).test_client()
    for response in (client.get("/register"), client.get("/public"), client.get("/programme"),
                     client.post("/register", data={"email": "someone@example.org"})):
        assert response.status_code == 503, response.request.path
        assert response.headers["Retry-After"] == "5"
        text = response.get_data(as_text=True)
        assert "Unavailable for a moment" in text and "nothing was saved" in text
        assert "db-pass-word" not in text and str(port) not in text
    french = client.get("/register", headers={"Accept-Language": "fr"})
    assert french.status_code == 503 and "Indisponible un instant" in french.get_data(as_text=True)


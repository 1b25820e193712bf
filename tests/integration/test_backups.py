"""`flask backup` and `flask restore`: make data, back up, restore into a fresh database, compare every
table row by row."""
from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

import config
from lsi_assembly.app import create_app
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant
from config import normalize_database_url
from lsi_assembly.events.models import Event
from tests.conftest import DEFAULT_POSTGRES_URL
from tests.factories import make_participant, make_user


@pytest.fixture
def fresh_database(database_url, tmp_path):
    """The URL of a new, empty database of the same kind: an SQLite file, or a new PostgreSQL database
    whose schema (search_path) is named differently from the backed-up one."""
    if database_url.startswith("sqlite"):
        yield "sqlite:///" + str(tmp_path / "restored.db")
        return
    name = f"lsi_restore_{secrets.token_hex(4)}"
    admin_url = make_url(database_url).set(query={}).render_as_string(hide_password=False)
    admin_url = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = normalize_database_url(DEFAULT_POSTGRES_URL).rsplit("/", 1)[0]
    yield f"{base}/{name}?options=-csearch_path%3Dlsi_restored_{secrets.token_hex(3)}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _app_on(url: str):
    return create_app(config.TestConfig({"DATABASE_URL": url}))


def _invoke_on(app, args: list[str]):
    """Run a command of ``app`` (its own context: the test's app context must not be the one used)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=args)


def _schema_of(url: str) -> str | None:
    options = make_url(url).query.get("options", "")
    return options.split("search_path=", 1)[1] if "search_path=" in options else None


def _snapshot(url: str) -> dict[str, list[tuple]]:
    """Every table of the database at ``url``, its rows sorted by primary key (or by every column)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine, schema=None)
        tables = {}
        with engine.connect() as connection:
            for name, table in metadata.tables.items():
                order = list(table.primary_key.columns) or list(table.columns)
                tables[name] = [tuple(row) for row in connection.execute(sa.select(table).order_by(*order))]
            if engine.dialect.name == "postgresql":
                tables["(sequences)"] = [tuple(row) for row in connection.execute(sa.text(
                    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema() "
                    "ORDER BY sequencename"))]
        return tables
    finally:
        engine.dispose()


@pytest.fixture
def data(app, runner):
    """The demo Assembly, plus an account and a participant with encrypted notes, committed."""
    result = runner.invoke(args=["seed-demo", "--participants", "40"])
    assert result.exit_code == 0, result.output
    event = db.session.scalar(sa.select(Participant.event_id).limit(1))
    make_participant(db.session.get(Event, event), email="zoé@example.org", given_name="Zoé",
                     dietary_notes="Sans gluten ; allergie = arachides")
    make_user("backup-check@example.org")
    db.session.commit()
    return app


def test_backup_and_restore_reproduce_every_table(data, runner, database_url, fresh_database, tmp_path):
    backup_file = tmp_path / "assembly.backup"
    result = runner.invoke(args=["backup", "--out", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert f"Backup written to {backup_file}" in result.output
    assert backup_file.stat().st_mode & 0o077 == 0  # personal data: the owner only

    restored_app = _app_on(fresh_database)
    result = _invoke_on(restored_app, ["restore", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output

    before, after = _snapshot(database_url), _snapshot(fresh_database)
    assert sorted(after) == sorted(before)
    assert "alembic_version" in after and Participant.__tablename__ in after
    for table in before:
        assert after[table] == before[table], table
    assert sum(1 for rows in before.values() if rows) >= 10  # the comparison covered real data
    if _schema_of(fresh_database):
        # Restored under the fresh URL's own schema, not the backed-up one.
        engine = sa.create_engine(fresh_database, poolclass=sa.pool.NullPool)
        with engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT current_schema()")) == _schema_of(fresh_database)
            participants = sa.table(Participant.__tablename__)
            restored = connection.scalar(sa.select(sa.func.count()).select_from(participants))
            assert restored == len(before[Participant.__tablename__])
        engine.dispose()

    # The restored database is the app's: it reads the encrypted notes back with the same keys.
    with restored_app.app_context():
        zoe = db.session.scalar(sa.select(Participant).where(Participant.given_name == "Zoé"))
        assert zoe.dietary_notes == "Sans gluten ; allergie = arachides"
        db.session.remove()
        db.engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty(data, runner, database_url, tmp_path):
    backup_file = tmp_path / "assembly.backup"
    assert runner.invoke(args=["backup", "--out", str(backup_file)]).exit_code == 0
    before = _snapshot(database_url)
    result = runner.invoke(args=["restore", str(backup_file)])
    assert result.exit_code != 0
    assert "is not empty" in result.output and "Nothing was changed." in result.output
    assert _snapshot(database_url) == before


def test_backup_never_overwrites_a_file(app, runner, tmp_path):
    existing = tmp_path / "old.backup"
    existing.write_bytes(b"yesterday's backup")
    result = runner.invoke(args=["backup", "--out", str(existing)])
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert existing.read_bytes() == b"yesterday's backup"


def test_restore_refuses_a_file_that_is_not_a_backup(database_url, fresh_database, tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a backup")
    result = _invoke_on(_app_on(fresh_database), ["restore", str(bogus)])
    assert result.exit_code != 0
    assert "is not" in result.output and "backup" in result.output and "Nothing was changed." in result.output
    assert "Traceback" not in result.output


@pytest.mark.only_on("sqlite")
def test_backup_script_writes_a_dated_backup_and_deletes_old_ones(data, database_url, tmp_path):
    """deploy/lsi-assembly-backup.sh, as the timer runs it: a new backup, copies past BACKUP_KEEP_DAYS gone."""
    root = Path(__file__).resolve().parents[2]
    backups = tmp_path / "backups"
    backups.mkdir()
    old, recent = backups / "assembly-20200101T000000Z.dump", backups / "assembly-20991231T000000Z.dump"
    old.write_bytes(b"old")
    recent.write_bytes(b"recent")
    os.utime(old, (time.time() - 20 * 86400,) * 2)
    env = {**os.environ, "APP_DIR": str(root), "VENV": sys.prefix, "BACKUP_DIR": str(backups),
           "BACKUP_KEEP_DAYS": "14", "LSI_ENV": "testing", "DATABASE_URL": database_url,
           "PYTHONPATH": str(root)}
    env.pop("BACKUP_OFFSITE", None)
    result = subprocess.run([str(root / "deploy" / "lsi-assembly-backup.sh")], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    made = sorted(set(backups.iterdir()) - {recent})
    assert len(made) == 1 and re.fullmatch(r"assembly-\d{8}T\d{6}Z\.dump", made[0].name)
    assert made[0].read_bytes().startswith(b"SQLite format 3\x00")
    assert not old.exists() and recent.exists()


@pytest.mark.only_on("postgresql")
def test_a_one_schema_backup_is_not_restored_over_the_public_schema(data, runner, fresh_database, tmp_path):
    backup_file = tmp_path / "assembly.backup"
    assert runner.invoke(args=["backup", "--out", str(backup_file)]).exit_code == 0
    without_schema = fresh_database.split("?", 1)[0]
    result = _invoke_on(_app_on(without_schema), ["restore", str(backup_file)])
    assert result.exit_code != 0
    assert "options=-csearch_path%3D" in result.output and "Nothing was changed." in result.output
    assert _snapshot(without_schema) == {"(sequences)": []}

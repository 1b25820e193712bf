"""Make a backup file of the app's database and restore one into an empty database.

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore``, the connection given to them through libpq's
environment variables (a password never appears on a command line). A URL whose ``options`` set a
``search_path`` (one schema per app, as the tests do) dumps only that schema, and a restore may put it
under another schema's name. SQLite: the online backup API (a consistent copy while the app runs) and a
plain copy of that file to restore.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class BackupError(RuntimeError):
    """A backup or a restore that cannot be done; the message says why and what to do. Nothing changed."""


@dataclass(frozen=True)
class PostgresTarget:
    """Where libpq connects, and the one schema the app uses (``public`` unless the URL sets another)."""

    environ: dict[str, str]
    schema: str
    explicit_schema: bool
    database: str


def postgres_target(url: str | URL) -> PostgresTarget:
    """Read a PostgreSQL SQLAlchemy URL into libpq environment variables and the app's schema."""
    parsed = make_url(url)
    environ = {"PGDATABASE": parsed.database or "", "PGHOST": parsed.host or "",
               "PGPORT": str(parsed.port or ""), "PGUSER": parsed.username or "",
               "PGPASSWORD": parsed.password or ""}
    query = dict(parsed.query)
    for key, variable in (("sslmode", "PGSSLMODE"), ("connect_timeout", "PGCONNECT_TIMEOUT"),
                          ("sslrootcert", "PGSSLROOTCERT")):
        if key in query:
            environ[variable] = str(query[key])
    schema, explicit = "public", False
    options = unquote(str(query.get("options", "")))
    found = re.search(r"-c\s*search_path\s*=\s*([^\s,]+)", options)
    if found:
        schema, explicit = found.group(1).strip('"'), True
    if not _SCHEMA_NAME.match(schema):
        raise BackupError(f"The schema name {schema!r} in DATABASE_URL is not a plain identifier.")
    return PostgresTarget({k: v for k, v in environ.items() if v}, schema, explicit, parsed.database or "")


def sqlite_path(url: str | URL) -> Path:
    """The file of an SQLite URL (an in-memory database has none)."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("DATABASE_URL names an in-memory SQLite database: there is no file to back up "
                          "or restore.")
    return Path(database)


def backup(url: str, out: Path, bindir: str | None = None) -> None:
    """Write a backup of the database at ``url`` to ``out`` (a new file, readable by its owner only)."""
    if out.exists():
        raise BackupError(f"{out} already exists: choose a new file name (backups are never overwritten).")
    if not out.parent.is_dir():
        raise BackupError(f"The folder {out.parent} does not exist.")
    partial = out.with_name(out.name + ".partial")
    try:
        if make_url(url).get_backend_name() == "sqlite":
            _backup_sqlite(sqlite_path(url), partial)
        elif make_url(url).get_backend_name() == "postgresql":
            _backup_postgres(postgres_target(url), partial, bindir)
        else:
            raise BackupError(f"Backups of {make_url(url).get_backend_name()} databases are not supported.")
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def restore(url: str, backup_file: Path, bindir: str | None = None) -> None:
    """Restore ``backup_file`` into the database at ``url``, which must be empty (no table at all)."""
    if not backup_file.is_file():
        raise BackupError(f"{backup_file} is not a file.")
    with backup_file.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{backup_file} is not an SQLite backup, and DATABASE_URL is an SQLite "
                              "database.")
        _restore_sqlite(backup_file, sqlite_path(url))
    elif backend == "postgresql":
        if not head.startswith(PG_CUSTOM_MAGIC):
            raise BackupError(f"{backup_file} is not a PostgreSQL backup (pg_dump custom format), and "
                              "DATABASE_URL is a PostgreSQL database.")
        _restore_postgres(backup_file, postgres_target(url), url, bindir)
    else:
        raise BackupError(f"Restoring into {backend} databases is not supported.")


# SQLite -----------------------------------------------------------------------------------------------

def _backup_sqlite(source: Path, out: Path) -> None:
    if not source.is_file():
        raise BackupError(f"The database file {source} does not exist.")
    old_mask = os.umask(0o077)  # the copy holds personal data: its owner only
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        dst = sqlite3.connect(out)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
    finally:
        os.umask(old_mask)


def _sqlite_tables(path: Path) -> list[str]:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    finally:
        connection.close()


def _restore_sqlite(backup_file: Path, target: Path) -> None:
    try:
        problems = sqlite3.connect(f"{backup_file.resolve().as_uri()}?mode=ro", uri=True)
        try:
            verdict = problems.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            problems.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{backup_file} cannot be read as an SQLite database ({error}).") from None
    if verdict != "ok":
        raise BackupError(f"{backup_file} is damaged (SQLite integrity check: {verdict}).")
    if target.exists() and target.stat().st_size and _sqlite_tables(target):
        raise BackupError(f"The database {target} is not empty (it has tables). Restore only into an empty "
                          "database: point DATABASE_URL at a new file and run the restore again.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=target.name + ".", delete=False) as temporary:
        pass
    try:
        shutil.copyfile(backup_file, temporary.name)
        os.chmod(temporary.name, 0o600)
        # The empty database's journal files must not be applied to the restored one.
        for suffix in ("-wal", "-shm", "-journal"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        os.replace(temporary.name, target)
    finally:
        Path(temporary.name).unlink(missing_ok=True)


# PostgreSQL -------------------------------------------------------------------------------------------

def _program(name: str, bindir: str | None) -> str:
    path = shutil.which(name, path=bindir) if bindir else shutil.which(name)
    if path is None:
        where = f" in {bindir}" if bindir else ""
        raise BackupError(f"{name} was not found{where}: install the PostgreSQL client of the server's major "
                          "version (Debian: apt install postgresql-client-15), or set PG_BINDIR.")
    return path


def _run(command: list[str], target: PostgresTarget) -> subprocess.CompletedProcess:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    result = subprocess.run(command, env={**environ, **target.environ}, capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip() or result.returncode}")
    return result


def _backup_postgres(target: PostgresTarget, out: Path, bindir: str | None) -> None:
    command = [_program("pg_dump", bindir), "--format=custom", "--no-owner", "--no-acl", f"--file={out}"]
    if target.explicit_schema:
        command.append(f"--schema={target.schema}")
    old_mask = os.umask(0o077)
    try:
        _run(command, target)
    finally:
        os.umask(old_mask)


def _dumped_schemas(backup_file: Path, target: PostgresTarget, bindir: str | None) -> set[str]:
    """The schemas a backup creates (none for a dump of ``public``, which every database has)."""
    listing = _run([_program("pg_restore", bindir), "--list", str(backup_file)], target).stdout
    return {match.group(1) for match in re.finditer(r"^\d+; \d+ \d+ SCHEMA - (\S+) ", listing, re.MULTILINE)}


def _restore_postgres(backup_file: Path, target: PostgresTarget, url: str, bindir: str | None) -> None:
    dumped = _dumped_schemas(backup_file, target, bindir)
    if len(dumped) > 1:
        raise BackupError(f"{backup_file} holds several schemas ({', '.join(sorted(dumped))}); this restore "
                          "takes a backup made by `flask backup`, which holds one.")
    source_schema = next(iter(dumped), "public")
    if dumped and not target.explicit_schema:
        # Never drop and replace the database's own public schema (its owner and grants would change).
        raise BackupError(f"{backup_file} holds the schema {source_schema}: add "
                          f"options=-csearch_path%3D{source_schema} to DATABASE_URL's query (or another schema "
                          "name, which it is restored under) and run the restore again.")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            _check_empty(connection, target)
            if source_schema != target.schema and _schema_exists(connection, source_schema):
                raise BackupError(
                    f"The backup's schema {source_schema} already exists in the database {target.database}: "
                    f"restore into another database, or into a URL whose search_path is {source_schema}.")
            if dumped and _schema_exists(connection, target.schema):
                # Empty (checked above): the backup creates its schema itself.
                connection.execute(sa.text(f'DROP SCHEMA "{target.schema}"'))
        try:
            _run([_program("pg_restore", bindir), "--no-owner", "--no-acl", "--exit-on-error",
                  "--single-transaction",
                  f"--dbname={target.environ.get('PGDATABASE', '')}", str(backup_file)], target)
        except BackupError:
            if dumped:  # put back the empty schema dropped above (pg_restore rolled its own work back)
                with engine.begin() as connection:
                    connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{target.schema}"'))
            raise
        if source_schema != target.schema:
            with engine.begin() as connection:
                connection.execute(sa.text(f'ALTER SCHEMA "{source_schema}" RENAME TO "{target.schema}"'))
    finally:
        engine.dispose()


def _schema_exists(connection: sa.Connection, schema: str) -> bool:
    return bool(connection.scalar(sa.text("SELECT count(*) FROM pg_namespace WHERE nspname = :schema"),
                                  {"schema": schema}))


def _check_empty(connection: sa.Connection, target: PostgresTarget) -> None:
    relations = connection.scalar(sa.text(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = :schema AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"),
        {"schema": target.schema})
    if relations:
        raise BackupError(
            f"The schema {target.schema} of the database {target.database} is not empty ({relations} tables, "
            "views or sequences). Restore only into an empty database: create a new one (createdb), point "
            "DATABASE_URL at it and run the restore again.")

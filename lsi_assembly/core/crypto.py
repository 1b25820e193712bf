"""Encryption at rest of the sensitive free-text fields (health-related notes, desk notes, passport data).

A column typed ``EncryptedText`` holds a Fernet token (AES-128-CBC with an HMAC-SHA256, from the
``cryptography`` package), never the text: a database dump or a backup holds no health data in clear.
The keys come from ``DATA_KEYS`` (comma-separated Fernet keys): the first encrypts, every one
decrypts, so that a new key can be put first and the old one kept until ``flask --app wsgi privacy
rotate-keys`` has re-encrypted every value with the new one (``rotate_keys``).

An empty text is stored as NULL (so "has a note" stays ``IS NOT NULL`` in SQL). Tokens differ at each
encryption of the same text: an encrypted column cannot be searched or compared in SQL, only read.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app

_EXTENSION = "lsi_crypto"


def parse_keys(value: str | None) -> list[str]:
    """Split a DATA_KEYS value into its keys (blank entries ignored)."""
    return [key.strip() for key in (value or "").split(",") if key.strip()]


def new_key() -> str:
    """Return a fresh random Fernet key."""
    return Fernet.generate_key().decode()


def init_app(app: Flask) -> None:
    """Build the app's cipher from ``DATA_KEYS`` (the configuration has checked them)."""
    keys = list(app.config["DATA_KEYS"])
    app.extensions[_EXTENSION] = MultiFernet([Fernet(key) for key in keys])


def _cipher() -> MultiFernet:
    return current_app.extensions[_EXTENSION]


def encrypt(text: str | None) -> str | None:
    """Encrypt a text with the first key (None and "" give None)."""
    if text is None or text == "":
        return None
    return _cipher().encrypt(text.encode("utf-8")).decode("ascii")


class UnreadableValue(RuntimeError):
    """A stored value that none of the keys decrypts (a key was removed from DATA_KEYS too early)."""


def decrypt(token: str | None) -> str | None:
    """Decrypt a stored token with whichever key made it."""
    if token is None or token == "":
        return None
    try:
        return _cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as error:
        raise UnreadableValue(
            "an encrypted value cannot be decrypted with any key of DATA_KEYS (was a key removed before "
            "flask --app wsgi privacy rotate-keys re-encrypted the data?)") from error


def reencrypt(token: str | None) -> str | None:
    """Re-encrypt a stored token with the first key (``MultiFernet.rotate``)."""
    if token is None or token == "":
        return None
    try:
        return _cipher().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise UnreadableValue("an encrypted value cannot be decrypted with any key of DATA_KEYS") from error


class EncryptedText(sa.types.TypeDecorator):
    """A free text stored encrypted with the app's keys and read back in clear."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect):  # noqa: D102
        return encrypt(value)

    def process_result_value(self, value: str | None, dialect):  # noqa: D102
        return decrypt(value)


#: Every encrypted column, as (table name, column name): filled by ``encrypted_columns`` from the models.
def encrypted_columns(metadata: sa.MetaData) -> list[tuple[sa.Table, sa.Column]]:
    """List the columns of the metadata's tables typed ``EncryptedText``."""
    return [(table, column) for table in metadata.sorted_tables for column in table.columns
            if isinstance(column.type, EncryptedText)]


def rotate_keys(connection: sa.Connection, metadata: sa.MetaData, batch: int = 500,
                progress: Callable[[str, int], Any] | None = None) -> dict[str, int]:
    """Re-encrypt every encrypted value with the first key; return how many values per ``table.column``.

    Reads and writes the raw tokens (not through ``EncryptedText``), a batch of rows at a time in primary
    key order, in the caller's transaction: a failure part-way (a value no key decrypts) raises
    ``UnreadableValue`` naming the table, column and row, and the caller rolls back. ``progress(label,
    total)`` gives a context manager with ``update(n)`` (a progress bar).
    """
    counts: dict[str, int] = {}
    for table, column in encrypted_columns(metadata):
        key = list(table.primary_key.columns)[0]
        raw = sa.type_coerce(column, sa.Text)
        total = connection.execute(sa.select(sa.func.count()).select_from(table).where(column.is_not(None))).scalar()
        name = f"{table.name}.{column.name}"
        bar = progress(name, total) if progress and total else nullcontext(None)
        done, last = 0, None
        with bar as shown:
            while True:
                query = sa.select(key, raw.label("token")).where(column.is_not(None)).order_by(key).limit(batch)
                if last is not None:
                    query = query.where(key > last)
                rows = connection.execute(query).all()
                if not rows:
                    break
                for row in rows:
                    try:
                        token = reencrypt(row.token)
                    except UnreadableValue:
                        raise UnreadableValue(f"{name} of row {row[0]} cannot be decrypted with any key of "
                                              "DATA_KEYS.") from None
                    connection.execute(sa.update(table).where(key == row[0]).values(
                        {column.name: sa.type_coerce(token, sa.Text)}))
                done += len(rows)
                last = rows[-1][0]
                if shown is not None:
                    shown.update(len(rows))
        counts[name] = done
    return counts

"""Locking rows before a decision: the one way to do it, in one order, with a time limit.

A decision that counts rows (the places of a delegate quota, the free seats of a workshop run, the
seats of the public event) is made by one transaction at a time: it first calls ``lock(Model, *ids)``,
which holds the rows until the transaction ends, and reads what it counts only after that.

- On PostgreSQL, a row lock: ``SELECT ... ORDER BY id FOR NO KEY UPDATE``, the lock an UPDATE of the
  row would take. It does not hold up the insertion of rows that refer to the locked one (a new
  registration of a locked event), only other ``lock`` calls and writes of the same rows.
- On SQLite, which has no row locks, the database's write lock (a write that changes nothing),
  held until the transaction ends.

**The lock order.** Every transaction locks in this order, each kind by ascending id, and never asks
for an earlier kind while it holds a later one (a lock it already holds may be asked for again), so
two transactions cannot wait for each other:

1. ``events``: everything that changes a participant's status or days, or the workshop seats;
2. ``public_events``: the public event's seats and waiting list;
3. ``organizations``: an organization's delegate quota;
4. ``participants``: one registration (its status as it is now, its badge codes).

``lock_all`` sorts several kinds into that order; under ``TESTING`` a ``lock`` out of order fails
loudly (an AssertionError), elsewhere it is logged. (The sign-in failure counters of
``auth.services`` lock their own row by key, alone in their transaction: they are in no decision
that takes these locks.)

**The time limit.** A lock waited for longer than ``LOCK_TIMEOUT_SECONDS`` (PostgreSQL's
``lock_timeout``, set for the transaction; SQLite's busy timeout), a deadlock or a serialization
failure raises ``Busy``: the person gets a 503 page "busy, please try again" with a Retry-After
header, never a 500, and nothing is saved. ``is_busy`` tells such a database error from others (a
lock can also be waited for by a later write of the transaction, which ``lock`` does not see).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app

from lsi_assembly.extensions import db

log = logging.getLogger(__name__)

#: The tables in the order they are locked (see the module's docstring).
LOCK_ORDER = ("events", "public_events", "organizations", "participants")
#: PostgreSQL's codes for "could not get the lock in time", "deadlock", "could not serialize".
BUSY_SQLSTATES = frozenset({"55P03", "40P01", "40001"})
_HELD = "lsi_assembly.locks_held"
_KEPT = "lsi_assembly.locks_kept"
_TIMEOUT_SET = "lock_timeout set"


class Busy(Exception):
    """The rows needed are locked by someone else for longer than LOCK_TIMEOUT_SECONDS: try again."""


def is_busy(error: BaseException) -> bool:
    """Tell whether a database error means "locked by someone else, try again" (not a fault)."""
    if isinstance(error, Busy):
        return True
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) in BUSY_SQLSTATES:
        return True
    # SQLite: its busy timeout passed while another connection held the write lock.
    return type(original).__module__.startswith("sqlite3") and "database is locked" in str(original)


#: PostgreSQL's "connection exception" class, and the server shutting down or starting up.
UNAVAILABLE_SQLSTATES = ("57P01", "57P02", "57P03")


def is_unavailable(error: BaseException) -> bool:
    """Tell whether a database error means "the database is not answering" (restarting, down, the
    connection cut): nothing was saved and trying again in a few seconds is the answer, not a 500."""
    if getattr(error, "connection_invalidated", False):
        return True
    original = getattr(error, "orig", None)
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate.startswith("08") or sqlstate in UNAVAILABLE_SQLSTATES
    # psycopg: the server refused or dropped the connection before any SQLSTATE (e.g. nothing listening).
    return type(original).__module__.startswith("psycopg") and type(original).__name__ == "OperationalError"


def _rank(model) -> int:
    try:
        return LOCK_ORDER.index(model.__table__.name)
    except ValueError:
        raise ValueError(f"{model.__table__.name} is not in the lock order (core/locking.py): add it there") from None


def in_lock_order(requests: Iterable[tuple[type, Iterable[int]]]) -> list[tuple[type, list[int]]]:
    """Sort lock requests (model, ids) into the lock order: kinds by LOCK_ORDER, ids ascending, once each."""
    merged: dict[type, set[int]] = {}
    for model, ids in requests:
        merged.setdefault(model, set()).update(i for i in ids if i is not None)
    return [(model, sorted(merged[model])) for model in sorted(merged, key=_rank) if merged[model]]


def lock_all(*requests: tuple[type, Iterable[int]]) -> dict[type, list[int]]:
    """Lock several kinds of rows, e.g. ``lock_all((Event, [1]), (Participant, ids))``, in the lock order.

    Returns the ids found for each model asked for (none: an empty list).
    """
    found: dict[type, list[int]] = {model: [] for model, _ids in requests}
    for model, ids in in_lock_order(requests):
        found[model] = lock(model, *ids)
    return found


def lock(model, *ids: int) -> list[int]:
    """Lock the rows of ``model`` with these ids until the transaction ends; return the ids found, ascending.

    Pending changes are not flushed first: a row is written only after its lock (the lock order).
    Rows already locked by this transaction outside a savepoint are not asked for again (nor is
    ``lock_timeout`` set twice): the lock is held until the transaction ends.
    Raises ``Busy`` when the rows stay locked by someone else longer than LOCK_TIMEOUT_SECONDS.
    """
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return []
    table = model.__table__
    (key,) = table.primary_key.columns
    with db.session.no_autoflush:
        connection = db.session.connection()
        _check_order(model, wanted)
        kept, in_savepoint = _kept()
        if set(wanted) <= kept.get(table.name, set()):
            return wanted  # locked (and found) earlier in this transaction, outside any savepoint
        try:
            if connection.dialect.name == "postgresql":
                if not kept.get(_TIMEOUT_SET):
                    timeout_ms = int(current_app.config["LOCK_TIMEOUT_SECONDS"] * 1000)
                    connection.execute(sa.select(sa.func.set_config("lock_timeout", f"{timeout_ms}ms", True)))
                found = connection.execute(sa.select(key).where(key.in_(wanted)).order_by(key)
                                           .with_for_update(key_share=True)).scalars().all()
            else:
                # SQLite: a write that matches no row still takes the database's write lock.
                connection.execute(sa.update(table).where(sa.false()).values({key.name: key}))
                found = connection.execute(sa.select(key).where(key.in_(wanted)).order_by(key)).scalars().all()
        except sa.exc.DBAPIError as error:
            if is_busy(error):
                raise Busy(f"{table.name} {wanted} stayed locked") from error
            raise
        if not in_savepoint:
            kept.setdefault(table.name, set()).update(found)
            kept[_TIMEOUT_SET] = True
    return list(found)


def _kept() -> tuple[dict, bool]:
    """What this transaction locked outside any savepoint (table name -> ids; whether ``lock_timeout``
    is set), so that each is asked for once; and whether a savepoint is open now.

    A lock taken (or ``lock_timeout`` set) inside a savepoint ends if the savepoint is rolled back
    (PostgreSQL), so it is not remembered; one taken before the savepoint is held until the
    transaction ends, so asking for it again inside the savepoint is skipped too.
    """
    session = db.session()
    transaction = session.get_transaction()
    state = session.info.get(_KEPT)
    if state is None or state[0] is not transaction:
        state = (transaction, {})
        session.info[_KEPT] = state
    return state[1], session.in_nested_transaction()


def _check_order(model, ids: list[int]) -> None:
    """Keep the lock order: no earlier kind asked for after a later one, unless already held."""
    transaction = db.session().get_transaction()
    state = db.session.info.get(_HELD)
    if state is None or state[0] is not transaction:
        state = (transaction, {}, -1)
    _transaction, held, highest = state
    rank = _rank(model)
    table = model.__table__.name
    if rank < highest and not set(ids) <= held.get(table, set()):
        message = f"lock order broken: {table} {ids} asked for after {LOCK_ORDER[highest]} (core/locking.py)"
        if current_app.config.get("TESTING"):
            raise AssertionError(message)
        log.warning(message)
    held.setdefault(table, set()).update(ids)
    db.session.info[_HELD] = (transaction, held, max(highest, rank))

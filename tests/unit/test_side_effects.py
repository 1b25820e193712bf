"""Side effects stay visible: no ORM session hook but the audit log's, no commit inside a service.

What follows a change (seats, waiting lists, mail) is called from the service that makes it or
subscribed to a named signal; a transaction is committed once, by the unit of work at its edge
(a view, a command, a background job), never by a service or a model.
"""
from __future__ import annotations

import re
from pathlib import Path

import config
import lsi_assembly
from lsi_assembly.app import create_app
from lsi_assembly.extensions import db
from lsi_assembly.registration.signals import participants_changed

PACKAGE = Path(__file__).resolve().parents[2] / "lsi_assembly"
#: The one ORM session hook allowed: the audit log (see core/audit.py).
AUDIT_HOOK = ("lsi_assembly.core.audit", "_record")


def _listeners(dispatch) -> dict[str, list]:
    found = {}
    for name in dispatch._event_names:
        try:
            listeners = list(getattr(dispatch, name))
        except TypeError:  # not a listener collection
            continue
        if listeners:
            found[name] = listeners
    return found


def test_the_audit_log_is_the_only_orm_session_hook_and_no_mapper_has_one():
    assert Path(lsi_assembly.__file__).parent == PACKAGE  # the code of this checkout, whatever is installed
    app = create_app(config.TestConfig({"DATABASE_URL": "sqlite://"}))
    with app.app_context():
        session_hooks = {(name, fn.__module__, fn.__qualname__)
                         for name, listeners in _listeners(db.session().dispatch).items() for fn in listeners}
        assert session_hooks == {("after_flush", *AUDIT_HOOK)}
        mapper_hooks = {(mapper.class_.__name__, name) for mapper in db.Model.registry.mappers
                        for name in _listeners(mapper.dispatch)}
        assert mapper_hooks == set()


def test_no_source_file_registers_an_orm_hook_outside_the_audit_log():
    """``listens_for`` only in core/audit.py (the session hook) and core/database.py (an Engine's
    "connect", which sets SQLite's pragmas on each new connection: not an ORM hook)."""
    allowed = {PACKAGE / "core" / "audit.py", PACKAGE / "core" / "database.py"}
    offenders = [f"{path.relative_to(PACKAGE)}:{number}"
                 for path in sorted(PACKAGE.rglob("*.py")) if path not in allowed
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if re.search(r"listens_for\(|event\.listen\(", line)]
    assert offenders == []


def test_no_service_or_model_commits_or_rolls_back_its_callers_transaction():
    """Services flush; a savepoint (``begin_nested``) is where one must survive a constraint error."""
    names = {"services.py", "models.py", "printing.py", "transfer.py", "fields.py", "queries.py", "signals.py",
             "assignment.py", "seats.py", "render.py", "tables.py", "links.py", "locking.py"}
    checked = [path for path in sorted(PACKAGE.rglob("*.py")) if path.name in names]
    assert len(checked) > 20
    offenders = [f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
                 for path in checked
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if re.search(r"\.(commit|rollback)\(\)", line) and not line.lstrip().startswith("#")]
    assert offenders == []


def test_the_workshop_seats_follow_participants_through_a_named_signal():
    import lsi_assembly.workshops.seats as seats

    assert participants_changed.name == "participants-changed"
    assert seats.seats_follow_participants in participants_changed.receivers_for(object())


def test_the_voting_cards_follow_participants_through_the_same_signal():
    import lsi_assembly.assembly.services as assembly

    assert assembly.cards_follow_participants in participants_changed.receivers_for(object())

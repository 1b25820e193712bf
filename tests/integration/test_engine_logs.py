"""A failing write never puts a person's data in an error's text or in the log."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import IntegrityError

from lsi_assembly.core.database import utcnow
from lsi_assembly.extensions import db
from lsi_assembly.registration.links import new_access_key
from lsi_assembly.registration.models import Participant
from tests.factories import make_event, make_participant


def test_a_failing_insert_hides_its_bound_values(app, caplog):
    # From the start, so that every connection of the test logs its statements.
    with caplog.at_level(logging.DEBUG, logger="sqlalchemy.engine"):
        event = make_event()
        make_participant(event, email="taken@example.org")
        db.session.add(Participant(
            event_id=event.id, given_name="Zofia", family_name="Secretname-Kwiatkowska", email="taken@example.org",
            country="PL", access_key=new_access_key(), privacy_accepted_at=utcnow(),
            dietary_notes="severe peanut allergy, carries an EpiPen"))
        with pytest.raises(IntegrityError) as raised:
            db.session.flush()
        db.session.rollback()

    assert "INSERT INTO participants" in caplog.text  # the statement itself was logged, its values were not
    for secret in ("Secretname", "peanut", "Zofia"):
        assert secret not in str(raised.value)
        assert secret not in caplog.text
    assert "hidden" in str(raised.value)

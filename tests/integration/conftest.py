"""Fixtures shared by the integration tests."""
from __future__ import annotations

from datetime import time

import pytest

from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Status
from lsi_assembly.workshops.models import Preference, Room, TimeSlot, Workshop, WorkshopRun
from tests.factories import make_event, make_organization, make_participant


@pytest.fixture
def seating(app):
    """Day 1 has one slot with Alpha (2 seats) and Beta (10 seats) in parallel; day 2 has Gamma."""
    event = make_event()
    org = make_organization(event, quota=10)
    main, side = Room(event_id=event.id, name="Main", capacity=2), Room(event_id=event.id, name="Side", capacity=10)
    day1 = TimeSlot(event_id=event.id, day_id=event.days[0].id, starts_at=time(10), ends_at=time(11))
    day2 = TimeSlot(event_id=event.id, day_id=event.days[1].id, starts_at=time(10), ends_at=time(11))
    alpha, beta, gamma = (Workshop(event_id=event.id, title=t) for t in ("Alpha", "Beta", "Gamma"))
    db.session.add_all([main, side, day1, day2, alpha, beta, gamma])
    db.session.flush()
    runs = {"alpha": WorkshopRun(workshop_id=alpha.id, slot_id=day1.id, room_id=main.id, capacity=2),
            "beta": WorkshopRun(workshop_id=beta.id, slot_id=day1.id, room_id=side.id, capacity=10),
            "gamma": WorkshopRun(workshop_id=gamma.id, slot_id=day2.id, room_id=main.id, capacity=2)}
    db.session.add_all(runs.values())
    db.session.flush()
    people = []
    for i in range(4):
        person = make_participant(event, email=f"p{i}@example.org", status=Status.CONFIRMED,
                                  organization_id=org.id, given_name=f"P{i}")
        person.days = [event.days[0], event.days[1]]
        people.append(person)
        for rank, workshop in enumerate((alpha, gamma, beta), start=1):
            db.session.add(Preference(participant_id=person.id, workshop_id=workshop.id, rank=rank))
    waiting = make_participant(event, email="w@example.org", status=Status.PENDING)
    db.session.commit()
    return event, runs, people, waiting

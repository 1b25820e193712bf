"""Seats between assignment runs: moved by hand, pinned, freed by cancellations, given to late registrants."""
from __future__ import annotations

import threading
from datetime import time

import sqlalchemy as sa

from lsi_assembly.auth.models import Role
from lsi_assembly.core import locking
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.mail import OutboxMessage
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant, Status
from lsi_assembly.registration.services import apply_action, change_days, change_status
from lsi_assembly.workshops import assignment_views
from lsi_assembly.workshops import seats as seats_module
from lsi_assembly.workshops.assignment import lock_seats, run_assignment
from lsi_assembly.workshops.models import Preference, Room, TimeSlot, Workshop, WorkshopAssignment, WorkshopRun
from tests.conftest import body
from tests.factories import (
    confirm_at_once,
    csrf_token,
    make_event,
    make_organization,
    make_participant,
    register_at_once,
    registration_form,
    sign_in,
)


def seats_of(participant) -> dict[str, bool]:
    """The titles of a participant's runs, with whether each seat is pinned."""
    return {run.workshop.title: pinned for run, pinned in db.session.execute(
        sa.select(WorkshopRun, WorkshopAssignment.pinned).join(WorkshopAssignment)
        .where(WorkshopAssignment.participant_id == participant.id))}


def taken(run) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(WorkshopAssignment.run_id == run.id))


def seat(participant, run, pinned=False) -> None:
    db.session.add(WorkshopAssignment(participant_id=participant.id, run_id=run.id, pinned=pinned))


def seats_form(client, participant, choices: dict, **extra) -> dict:
    path = f"/manage/programme/participants/{participant.id}/seats"
    data = {"csrf_token": csrf_token(client, path), **extra}
    for run_field, value in choices.items():
        data[run_field] = "" if value is None else str(value)
    return data


def test_an_organizer_moves_a_participant_and_the_next_run_keeps_the_move(client, seating):
    event, runs, people, waiting = seating
    person = people[0]
    seat(person, runs["beta"])
    seat(person, runs["gamma"])
    db.session.commit()
    sign_in(client, Role.ORGANIZER)
    path = f"/manage/programme/participants/{person.id}/seats"
    page = client.get(path).get_data(as_text=True)
    assert "Alpha – Main (0 of 2 seats taken)" in page and "Beta – Side (1 of 10 seats taken)" in page

    slot1, slot2 = runs["alpha"].slot_id, runs["gamma"].slot_id
    response = client.post(path, data=seats_form(client, person, {
        f"run_{slot1}": runs["alpha"].id, f"run_{slot2}": runs["gamma"].id}))
    assert response.status_code == 302
    assert seats_of(person) == {"Alpha": True, "Gamma": False}  # the changed seat is pinned, the other kept as it was

    run_assignment(event)  # everyone wants Alpha; the pin keeps the moved person there
    db.session.commit()
    assert seats_of(person)["Alpha"] is True
    assert taken(runs["alpha"]) == 2


def test_a_seat_can_be_released_for_the_next_run(client, seating):
    event, runs, people, waiting = seating
    person = people[0]
    seat(person, runs["alpha"], pinned=True)
    db.session.commit()
    sign_in(client, Role.ORGANIZER)
    slot1 = runs["alpha"].slot_id
    data = seats_form(client, person, {f"run_{slot1}": runs["alpha"].id})  # "keep" left unticked
    assert client.post(f"/manage/programme/participants/{person.id}/seats", data=data).status_code == 302
    assert seats_of(person) == {"Alpha": False}


def test_a_full_run_and_a_workshop_twice_are_refused_and_nothing_changes(client, seating):
    event, runs, people, waiting = seating
    slot1, slot2 = runs["alpha"].slot_id, runs["gamma"].slot_id
    beta_again = WorkshopRun(workshop_id=runs["beta"].workshop_id, slot_id=slot2, room_id=runs["beta"].room_id,
                             capacity=5)
    db.session.add(beta_again)
    seat(people[1], runs["alpha"])
    seat(people[2], runs["alpha"])
    seat(people[0], runs["gamma"])
    db.session.commit()
    sign_in(client, Role.ORGANIZER)
    path = f"/manage/programme/participants/{people[0].id}/seats"

    full = client.post(path, data=seats_form(client, people[0], {
        f"run_{slot1}": runs["alpha"].id, f"run_{slot2}": runs["gamma"].id}))
    assert full.status_code == 422
    html = full.get_data(as_text=True)
    assert "This run is full" in html and 'aria-invalid="true"' in html and "There is a problem" in html

    twice = client.post(path, data=seats_form(client, people[0], {
        f"run_{slot1}": runs["beta"].id, f"run_{slot2}": beta_again.id}))
    assert twice.status_code == 422
    assert "This workshop is already chosen in another time slot" in twice.get_data(as_text=True)
    db.session.expire_all()
    assert seats_of(people[0]) == {"Gamma": False}
    assert taken(runs["alpha"]) == 2


def test_a_run_of_another_slot_is_not_a_choice(client, seating):
    event, runs, people, waiting = seating
    db.session.commit()
    sign_in(client, Role.ORGANIZER)
    slot1 = runs["alpha"].slot_id
    response = client.post(f"/manage/programme/participants/{people[0].id}/seats",
                           data=seats_form(client, people[0], {f"run_{slot1}": runs["gamma"].id}))
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(as_text=True)
    assert seats_of(people[0]) == {}


def test_only_confirmed_participants_get_seats_by_hand(client, seating):
    event, runs, people, waiting = seating
    sign_in(client, Role.ORGANIZER)
    path = f"/manage/programme/participants/{waiting.id}/seats"
    page = client.get(path)
    assert "Only confirmed participants have workshop seats" in page.get_data(as_text=True)
    client.post(path, data={"csrf_token": csrf_token(client, "/manage/programme/"),
                            f"run_{runs['alpha'].slot_id}": runs["alpha"].id})
    assert seats_of(waiting) == {}


def test_going_over_the_organization_cap_by_hand_is_allowed_with_a_warning(client, seating):
    event, runs, people, waiting = seating
    event.workshop_organization_cap = 1
    seat(people[1], runs["beta"])
    db.session.commit()
    sign_in(client, Role.ORGANIZER)
    path = f"/manage/programme/participants/{people[0].id}/seats"
    page = client.post(path, data=seats_form(client, people[0], {f"run_{runs['beta'].slot_id}": runs["beta"].id}),
                       follow_redirects=True).get_data(as_text=True)
    assert "The seats are saved" in page and "More people of this organization than the limit of 1" in page
    assert seats_of(people[0]) == {"Beta": True}


def test_a_move_after_publishing_mails_the_person_when_asked(client, seating, mailbox):
    event, runs, people, waiting = seating
    seat(people[0], runs["beta"])
    event.assignment_published_at = utcnow()
    db.session.commit()
    sign_in(client, Role.ORGANIZER)
    path = f"/manage/programme/participants/{people[0].id}/seats"
    assert '<input checked id="notify"' in client.get(path).get_data(as_text=True)
    client.post(path, data=seats_form(client, people[0], {f"run_{runs['alpha'].slot_id}": runs["alpha"].id},
                                      notify="y"))
    message = mailbox.wait_for(1)[0]
    assert message["Subject"] == "Your workshops at LSI General Assembly 2027 have changed"
    assert "Alpha (Main)" in body(message)


def test_cancelling_frees_every_seat_even_pinned_ones(client, seating):
    event, runs, people, waiting = seating
    seat(people[0], runs["alpha"], pinned=True)
    seat(people[0], runs["gamma"])
    db.session.commit()
    sign_in(client, Role.ORGANIZER)
    path = f"/manage/registrations/{people[0].id}/cancel"
    assert client.post(path, data={"csrf_token": csrf_token(client, "/manage/programme/")}).status_code == 302
    assert seats_of(people[0]) == {}


def test_after_publishing_a_late_registrant_gets_the_seats_a_cancellation_freed(client, seating, mailbox):
    event, runs, people, waiting = seating
    run_assignment(event)
    event.assignment_published_at = utcnow()
    db.session.commit()
    in_alpha = next(p for p in people if "Alpha" in seats_of(p))
    others = {p.id: seats_of(p) for p in people if p is not in_alpha}
    waiting.days = [event.days[0], event.days[1]]
    db.session.add(Preference(participant_id=waiting.id, workshop_id=runs["alpha"].workshop_id, rank=1))
    db.session.commit()

    sign_in(client, Role.ORGANIZER)
    cancel = f"/manage/registrations/{in_alpha.id}/cancel"
    client.post(cancel, data={"csrf_token": csrf_token(client, "/manage/programme/")})
    db.session.expire_all()
    assert seats_of(in_alpha) == {} and taken(runs["alpha"]) == 1
    assert taken(runs["gamma"]) == 2  # a freed Gamma seat went to someone who had none on day 2
    # Nobody was moved: everyone kept their seats (and at most gained one).
    assert all(set(others[p.id]) <= set(seats_of(p)) for p in people if p is not in_alpha)

    approve = f"/manage/registrations/{waiting.id}/approve"
    client.post(approve, data={"csrf_token": csrf_token(client, "/manage/programme/")})
    db.session.expire_all()
    assert seats_of(waiting) == {"Alpha": False}  # their first choice; day 2's only workshop is full
    assert taken(runs["alpha"]) == 2
    mails = [m for m in mailbox.wait_for(2) if m["To"] == waiting.email]
    schedule = next(m for m in mails if m["Subject"].startswith("Your workshops"))
    assert schedule["Subject"] == "Your workshops at LSI General Assembly 2027"  # their first schedule
    assert "Alpha (Main)" in body(schedule)


def test_after_publishing_dropping_a_day_frees_its_seat_for_someone_without_one(app, seating, monkeypatch):
    """Here the change comes from a command (no request): links in e-mails are built from BASE_URL."""
    monkeypatch.setitem(app.config, "BASE_URL", "https://assembly.example.org")
    event, runs, people, waiting = seating
    run_assignment(event)
    event.assignment_published_at = utcnow()
    db.session.commit()
    in_gamma = [p for p in people if "Gamma" in seats_of(p)]
    without = [p for p in people if "Gamma" not in seats_of(p)]
    assert len(in_gamma) == 2 and len(without) == 2
    change_days(in_gamma[0], [event.days[0]], by="organizer")
    db.session.commit()
    assert "Gamma" not in seats_of(in_gamma[0])
    assert sum("Gamma" in seats_of(p) for p in without) == 1
    newcomer = next(p for p in without if "Gamma" in seats_of(p))
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == newcomer.email))
    assert message.subject.endswith("have changed") and "Gamma (Main)" in message.body_text
    assert "https://assembly.example.org/registration/" in message.body_text  # sent by `flask mail send`


def test_before_publishing_nobody_is_seated_behind_the_organizers_back(client, seating, mailbox):
    event, runs, people, waiting = seating
    change_status(waiting, Status.CONFIRMED, by="organizer", reason="approve", tell=False)
    db.session.commit()
    assert seats_of(waiting) == {}
    assert mailbox.messages == []


def test_giving_out_free_seats_by_hand_moves_nobody(client, seating, mailbox):
    event, runs, people, waiting = seating
    seat(people[0], runs["alpha"])
    seat(people[0], runs["gamma"])
    seat(people[1], runs["beta"])
    db.session.commit()
    sign_in(client, Role.ORGANIZER)
    token = csrf_token(client, "/manage/programme/assignment")
    page = client.post("/manage/programme/assignment/fill", data={"csrf_token": token}, follow_redirects=True)
    # Day 1: the last Alpha seat and a Beta seat for the two without one; day 2: the one Gamma seat left.
    assert "3 free seats were given out" in page.get_data(as_text=True)
    assert seats_of(people[0]) == {"Alpha": False, "Gamma": False}
    assert "Beta" in seats_of(people[1])
    assert {"Alpha", "Beta"} == {title for p in people[2:] for title in seats_of(p) if title != "Gamma"}
    assert taken(runs["gamma"]) == 2 and taken(runs["alpha"]) == 2
    assert mailbox.messages == []  # not published: nobody is told yet


def test_rosters_list_the_people_of_each_run(client, seating):
    event, runs, people, waiting = seating
    people[0].given_name, people[0].family_name = "Zoë", "Ångström"
    people[1].given_name, people[1].family_name = "Ana", "Bălan"
    seat(people[0], runs["alpha"])
    seat(people[1], runs["alpha"])
    db.session.get(Workshop, runs["alpha"].workshop_id).facilitators = "Mirela Popescu"
    db.session.commit()
    sign_in(client, Role.ORGANIZER)
    html = client.get(f"/manage/programme/runs/{runs['alpha'].id}/roster").get_data(as_text=True)
    assert "2 of 2 seats taken" in html and "Facilitators: Mirela Popescu" in html
    assert html.index("Zoë Ångström") < html.index("Ana Bălan")  # by family name, Å sorted as A
    assert "Present" in html
    every = client.get("/manage/programme/rosters").get_data(as_text=True)
    assert all(title in every for title in ("Alpha", "Beta", "Gamma"))
    assert "Nobody is seated in this run yet" in every


def test_a_run_people_were_told_about_cannot_be_removed(client, seating):
    event, runs, people, waiting = seating
    seat(people[0], runs["alpha"])
    event.assignment_published_at = utcnow()
    db.session.commit()
    sign_in(client, Role.ORGANIZER)
    path = f"/manage/programme/runs/{runs['alpha'].id}/delete"
    page = client.post(path, data={"csrf_token": csrf_token(client, "/manage/programme/")}, follow_redirects=True)
    assert "move them to other runs first" in page.get_data(as_text=True)
    assert db.session.get(WorkshopRun, runs["alpha"].id) is not None


def test_racing_late_registrants_never_overfill_a_run(app):
    """Eight people confirm their registration at once for a published programme with two free seats: two get them."""
    event = make_event(slug="late", requires_approval=False)
    organization = make_organization(event, quota=50)
    room = Room(event_id=event.id, name="Only", capacity=3)
    slot = TimeSlot(event_id=event.id, day_id=event.days[0].id, starts_at=time(9), ends_at=time(10))
    workshop = Workshop(event_id=event.id, title="Solo")
    db.session.add_all([room, slot, workshop])
    db.session.flush()
    run = WorkshopRun(workshop_id=workshop.id, slot_id=slot.id, room_id=room.id, capacity=3)
    db.session.add(run)
    early = make_participant(event, status=Status.CONFIRMED, organization_id=organization.id)
    db.session.flush()
    seat(early, run)
    event.assignment_published_at = utcnow()
    db.session.commit()

    # Each from an organization of their own, so that no quota lock lines them up: only the seat lock does.
    forms = [registration_form(event, make_organization(event, quota=5, name=f"Late {index}"),
                               email=f"late{index}@example.org") for index in range(8)]
    assert register_at_once(app, forms) == [302] * 8
    late = list(db.session.scalars(sa.select(Participant).where(Participant.status == Status.UNCONFIRMED)))
    assert len(late) == 8 and taken(run) == 1  # nobody is seated before confirming the address
    assert confirm_at_once(app, late) == [302] * 8  # the place, and the seat, are decided now
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Participant)
                             .where(Participant.status == Status.CONFIRMED)) == 9
    assert taken(run) == 3


def _wait_until_waiting_for_a_lock(backend_pid: int | None) -> None:
    """On PostgreSQL, return once that connection waits for a lock (at most 10 s); elsewhere at once."""
    if backend_pid is None:
        return
    tick = threading.Event()
    with db.engine.connect() as connection:
        for _ in range(1000):
            if connection.execute(sa.text("SELECT count(*) FROM pg_locks WHERE pid = :pid AND NOT granted"),
                                  {"pid": backend_pid}).scalar():
                return
            connection.rollback()
            tick.wait(0.01)


def test_a_cancellation_waits_for_a_seat_change_instead_of_deadlocking(app, seating, monkeypatch):
    """An organizer holds the seat lock and seats a person while that person cancels (both databases).

    Cancelling rewrites the person's row (a new personal-link key: the strongest row lock on
    PostgreSQL); giving them a seat needs a share lock on that row. Taken in the other order the two
    deadlock; the cancellation therefore takes the event's lock first and waits its turn. The
    organizer seats the person only once the cancellation asks for its first lock (and, on
    PostgreSQL, waits for it).
    """
    event, runs, people, waiting = seating
    event.assignment_published_at = utcnow()
    db.session.commit()
    app.config["BASE_URL"] = "https://assembly.example.org"
    person_id, event_id, run_id = people[0].id, event.id, runs["beta"].id
    locked, asking = threading.Event(), threading.Event()
    canceller_pid: list[int | None] = []
    errors: dict[str, BaseException] = {}
    real_lock = locking.lock

    def lock_and_say(model, *ids):
        if threading.current_thread().name == "canceller" and not asking.is_set():
            connection = db.session.connection()
            canceller_pid.append(connection.execute(sa.text("SELECT pg_backend_pid()")).scalar()
                                 if connection.dialect.name == "postgresql" else None)
            asking.set()
        return real_lock(model, *ids)

    monkeypatch.setattr(locking, "lock", lock_and_say)

    def organizer() -> None:
        with app.app_context():
            try:
                lock_seats(db.session.get(Event, event_id))
                locked.set()
                assert asking.wait(10), "the cancellation never asked for a lock"
                _wait_until_waiting_for_a_lock(canceller_pid[0])
                db.session.add(WorkshopAssignment(participant_id=person_id, run_id=run_id, pinned=True))
                db.session.commit()
            except BaseException as error:
                errors["organizer"] = error

    def canceller() -> None:
        with app.app_context():
            locked.wait(10)
            try:
                apply_action("cancel", [db.session.get(Participant, person_id)])
                db.session.commit()
            except BaseException as error:
                errors["canceller"] = error

    threads = [threading.Thread(target=organizer, name="organizer"), threading.Thread(target=canceller, name="canceller")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    db.session.expire_all()
    assert db.session.get(Participant, person_id).status == Status.CANCELLED
    assert seats_of(people[0]) == {}  # the seat given just before the cancellation is freed by it


def test_when_the_solver_fails_free_seats_are_given_first_come_first_served(client, seating, monkeypatch):
    event, runs, people, waiting = seating
    run_assignment(event)
    event.assignment_published_at = utcnow()
    db.session.commit()
    real_solve = seats_module.solve

    def failing_optimum(instance, method="optimal", **options):
        if method == "optimal":
            raise RuntimeError("no integer solution within 5 s")
        return real_solve(instance, method=method, **options)

    monkeypatch.setattr(seats_module, "solve", failing_optimum)
    in_alpha = next(p for p in people if "Alpha" in seats_of(p))
    waiting.days = [event.days[0]]
    db.session.commit()
    sign_in(client, Role.ORGANIZER)
    token = csrf_token(client, "/manage/programme/")
    assert client.post(f"/manage/registrations/{in_alpha.id}/cancel", data={"csrf_token": token}).status_code == 302
    assert client.post(f"/manage/registrations/{waiting.id}/approve", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Participant, in_alpha.id).status == Status.CANCELLED
    assert set(seats_of(waiting)) <= {"Alpha", "Beta"} and len(seats_of(waiting)) == 1


def test_the_seat_page_reads_the_status_under_the_lock(client, seating, app, monkeypatch):
    """A cancellation commits while the seat page waits for the lock: no seat for the cancelled person."""
    event, runs, people, waiting = seating
    monkeypatch.setitem(app.config, "BASE_URL", "https://assembly.example.org")
    person_id = people[0].id
    sign_in(client, Role.ORGANIZER)
    path = f"/manage/programme/participants/{person_id}/seats"
    data = {"csrf_token": csrf_token(client, path), f"run_{runs['beta'].slot_id}": str(runs["beta"].id)}
    real_lock = assignment_views.lock_seats

    def cancelled_meanwhile(locked_event) -> None:
        def cancel() -> None:
            with app.app_context():
                apply_action("cancel", [db.session.get(Participant, person_id)])
                db.session.commit()
        thread = threading.Thread(target=cancel)
        thread.start()
        thread.join(30)
        real_lock(locked_event)

    monkeypatch.setattr(assignment_views, "lock_seats", cancelled_meanwhile)
    client.post(path, data=data)
    db.session.expire_all()
    assert seats_of(people[0]) == {}


def test_releasing_a_pin_is_saved_and_said(client, seating):
    event, runs, people, waiting = seating
    seat(people[0], runs["alpha"], pinned=True)
    db.session.commit()
    sign_in(client, Role.ORGANIZER)
    path = f"/manage/programme/participants/{people[0].id}/seats"
    page = client.post(path, data=seats_form(client, people[0], {f"run_{runs['alpha'].slot_id}": runs["alpha"].id}),
                       follow_redirects=True).get_data(as_text=True)
    assert "The seats are saved." in page and seats_of(people[0]) == {"Alpha": False}

"""The organizers' registrations pages: search, filters, actions, bulk, edit, history."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from lsi_assembly.auth.models import Role
from lsi_assembly.core.audit import AuditEntry
from lsi_assembly.extensions import db
from lsi_assembly.registration import staff_views
from lsi_assembly.registration.models import Category, Participant, Status
from tests.conftest import body
from tests.factories import (
    csrf_token,
    make_event,
    make_organization,
    make_participant,
    post_form,
    sign_in,
)


@pytest.fixture
def event():
    return make_event()


@pytest.fixture
def organizer(client, event):
    sign_in(client, Role.ORGANIZER)
    return client


def _search(client, q: str, **filters) -> str:
    """Search the way the page does: POST the filter form, follow it to the list."""
    response = post_form(client, "/manage/registrations/", {"q": q, **filters}, follow_redirects=True)
    assert "jose" not in response.request.url.lower()  # search words never go into the address
    return response.get_data(as_text=True)


def _names(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/manage/registrations/\d+">([^<]+)</a>', html)


def test_search_ignores_accents_and_case(organizer, event):
    make_participant(event, given_name="José", family_name="García", email="jg@example.org")
    make_participant(event, given_name="Ølé", family_name="Søndergård", email="os@example.org")
    make_participant(event, given_name="Иван", family_name="Иванов", email="ii@example.org")
    make_participant(event, given_name="Anna", family_name="Nowak", email="an@example.org")

    def search(q):
        return _names(_search(organizer, q))

    assert search("jose") == ["García, José"]
    assert search("GARCIA") == ["García, José"]
    assert search("ole") == ["Søndergård, Ølé"]
    assert search("sondergard") == ["Søndergård, Ølé"]
    assert search("иван") == ["Иванов, Иван"]
    assert search("an@example") == ["Nowak, Anna"]
    assert search("100%_") == []


def test_search_finds_by_organization(organizer, event):
    org = make_organization(event, name="Comité Contre l'Esclavage Moderne")
    make_participant(event, organization_id=org.id, family_name="Dupont", email="d@example.org")
    make_participant(event, family_name="Other", email="o@example.org")
    html = _search(organizer, "comite contre")
    assert _names(html) == ["Dupont, Anna"]


def test_filters_and_sorting(organizer, event):
    org = make_organization(event)
    make_participant(event, family_name="Alpha", email="a@example.org", status=Status.CONFIRMED, country="FR",
                     organization_id=org.id, dietary=["vegan"])
    make_participant(event, family_name="Beta", email="b@example.org", status=Status.PENDING, country="PL",
                     category=Category.PRESS, accessibility_needs="Step-free access")
    gamma = make_participant(event, family_name="Gamma", email="g@example.org", status=Status.WAITLISTED,
                             country="PL", dietary_notes="No nuts")
    gamma.days = [event.days[2]]
    db.session.commit()

    def names(**args):
        return _names(organizer.get("/manage/registrations/", query_string=args).get_data(as_text=True))

    assert names() == ["Alpha, Anna", "Beta, Anna", "Gamma, Anna"]
    assert names(sort="-name") == ["Gamma, Anna", "Beta, Anna", "Alpha, Anna"]
    assert names(status="pending") == ["Beta, Anna"]
    assert names(category="press") == ["Beta, Anna"]
    assert names(country="pl") == ["Beta, Anna", "Gamma, Anna"]
    assert names(organization=str(org.id)) == ["Alpha, Anna"]
    assert names(day=str(event.days[0].id)) == ["Alpha, Anna", "Beta, Anna"]
    assert names(dietary="1") == ["Alpha, Anna", "Gamma, Anna"]
    assert names(accessibility="1") == ["Beta, Anna"]
    assert names(sort="nonsense", organization="x' OR 1=1", day="-3") == ["Alpha, Anna", "Beta, Anna", "Gamma, Anna"]


def test_pagination(organizer, event):
    for i in range(55):
        make_participant(event, family_name=f"Person{i:02d}", email=f"p{i}@example.org")
    first = organizer.get("/manage/registrations/").get_data(as_text=True)
    second = organizer.get("/manage/registrations/?page=2").get_data(as_text=True)
    assert len(_names(first)) == 50 and len(_names(second)) == 5
    assert "55 registrations found." in first
    assert organizer.get("/manage/registrations/?page=99").status_code == 200


@pytest.mark.parametrize(("action", "before", "after", "subject"), [
    ("approve", Status.PENDING, Status.CONFIRMED, "Your place at LSI General Assembly 2027 is confirmed"),
    ("admit", Status.WAITLISTED, Status.CONFIRMED, "Your place at LSI General Assembly 2027 is confirmed"),
    ("reject", Status.PENDING, Status.CANCELLED, "Your registration for LSI General Assembly 2027"),
    ("cancel", Status.CONFIRMED, Status.CANCELLED, "Your registration for LSI General Assembly 2027 is cancelled"),
])
def test_each_action_changes_the_status_and_mails_the_person(organizer, event, mailbox, action, before, after,
                                                             subject):
    person = make_participant(event, status=before, email="person@example.org")
    token = csrf_token(organizer, f"/manage/registrations/{person.id}/edit")
    response = organizer.post(f"/manage/registrations/{person.id}/{action}", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.status == after
    [message] = mailbox.wait_for(1)
    assert message["To"] == "person@example.org" and message["Subject"] == subject
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.entity_id == person.id,
                                                          AuditEntry.action == "changed"))
    assert entry.actor == "organizer@example.org" and entry.changes["status"] == [before, after]


def test_action_that_does_not_apply_changes_nothing(organizer, event, mailbox):
    person = make_participant(event, status=Status.CONFIRMED)
    token = csrf_token(organizer, f"/manage/registrations/{person.id}/edit")
    page = organizer.post(f"/manage/registrations/{person.id}/approve", data={"csrf_token": token},
                          follow_redirects=True)
    assert "left as it was" in page.get_data(as_text=True)
    db.session.refresh(person)
    assert person.status == Status.CONFIRMED and mailbox.messages == []


def test_organizer_cancel_promotes_the_waiting_list(organizer, event, mailbox):
    org = make_organization(event, quota=1)
    holder = make_participant(event, organization_id=org.id, status=Status.CONFIRMED, email="h@example.org")
    waiting = make_participant(event, organization_id=org.id, status=Status.WAITLISTED, email="w@example.org")
    token = csrf_token(organizer, f"/manage/registrations/{holder.id}/edit")
    page = organizer.post(f"/manage/registrations/{holder.id}/cancel", data={"csrf_token": token},
                          follow_redirects=True)
    assert "moved off the waiting list" in page.get_data(as_text=True)
    db.session.refresh(waiting)
    assert waiting.status == Status.PENDING
    assert {m["To"] for m in mailbox.wait_for(2)} == {"h@example.org", "w@example.org"}


def test_admitting_beyond_the_quota_warns(organizer, event, mailbox):
    org = make_organization(event, quota=1, name="Full House")
    make_participant(event, organization_id=org.id, status=Status.CONFIRMED, email="h@example.org")
    waiting = make_participant(event, organization_id=org.id, status=Status.WAITLISTED, email="w@example.org")
    token = csrf_token(organizer, f"/manage/registrations/{waiting.id}/edit")
    page = organizer.post(f"/manage/registrations/{waiting.id}/admit", data={"csrf_token": token},
                          follow_redirects=True)
    assert "Full House now has more delegates than its quota." in page.get_data(as_text=True)


def test_bulk_approve_a_selection(organizer, event, mailbox):
    people = [make_participant(event, email=f"p{i}@example.org", status=Status.PENDING) for i in range(3)]
    confirmed = make_participant(event, email="c@example.org", status=Status.CONFIRMED)
    token = csrf_token(organizer, f"/manage/registrations/{people[0].id}/edit")
    response = organizer.post("/manage/registrations/bulk", data={
        "csrf_token": token, "action": "approve", "ids": [str(p.id) for p in people[:2]] + [str(confirmed.id)],
        "next": "/manage/registrations/?status=pending"}, follow_redirects=False)
    assert response.headers["Location"] == "/manage/registrations/?status=pending"
    db.session.expire_all()
    assert [db.session.get(Participant, p.id).status for p in people] == ["confirmed", "confirmed", "pending"]
    assert len(mailbox.wait_for(2)) == 2
    page = organizer.get("/manage/registrations/?status=pending").get_data(as_text=True)
    assert "2 registrations approved." in page and "1 registration was left as it was" in page


def test_bulk_without_selection_or_with_unknown_action_changes_nothing(organizer, event):
    person = make_participant(event, status=Status.PENDING)
    token = csrf_token(organizer, f"/manage/registrations/{person.id}/edit")
    organizer.post("/manage/registrations/bulk", data={"csrf_token": token, "action": "approve"})
    organizer.post("/manage/registrations/bulk", data={"csrf_token": token, "action": "explode",
                                                       "ids": [str(person.id)]})
    organizer.post("/manage/registrations/bulk", data={"csrf_token": token, "action": "approve", "ids": ["x"]})
    db.session.refresh(person)
    assert person.status == Status.PENDING


def test_staff_edit_changes_details_and_records_history(organizer, event):
    org = make_organization(event)
    person = make_participant(event, email="old@example.org", organization_id=org.id)
    make_participant(event, email="taken@example.org")
    form = {"given_name": "Anna", "family_name": "Nowak-Kowalska", "email": "taken@example.org", "country": "PL",
            "category": "observer", "organization_id": str(org.id), "days": [str(event.days[1].id)]}
    taken = post_form(organizer, f"/manage/registrations/{person.id}/edit", form)
    assert taken.status_code == 422 and "Another registration already uses" in taken.get_data(as_text=True)

    response = post_form(organizer, f"/manage/registrations/{person.id}/edit", {**form, "email": "New@Example.org"})
    assert response.status_code == 302
    db.session.refresh(person)
    assert (person.family_name, person.email, person.category) == ("Nowak-Kowalska", "new@example.org", "observer")
    assert [d.date.isoformat() for d in person.days] == ["2027-06-25"]
    detail = organizer.get(f"/manage/registrations/{person.id}").get_data(as_text=True)
    assert "<del>Nowak</del> → <ins>Nowak-Kowalska</ins>" in detail
    assert "organizer@example.org" in detail


def test_registrations_of_another_event_are_not_found(organizer, event):
    other = make_event(slug="ga-2020", name="Old Assembly")
    old = make_participant(other, email="x@example.org")
    # The app serves the event whose days come last; make the old one end earlier.
    for day in other.days:
        day.date = day.date.replace(year=2020)
    db.session.commit()
    assert organizer.get(f"/manage/registrations/{old.id}").status_code == 404


def test_search_words_match_in_any_order(organizer, event):
    make_participant(event, given_name="José", family_name="García-Fernández", email="jg@example.org")
    make_participant(event, given_name="Josefa", family_name="García", email="jf@example.org")
    def search(query):
        return _names(_search(organizer, query))

    for query in ("jose fernandez", "García-Fernández, José", "FERNANDEZ", "fernandez garcia"):
        assert search(query) == ["García-Fernández, José"], query
    # Words match anywhere in a name, so "jose" also finds "Josefa".
    assert search("garcia jose") == ["García, Josefa", "García-Fernández, José"]


def test_reject_and_cancel_ask_for_confirmation_first(organizer, event, mailbox):
    person = make_participant(event, status=Status.PENDING, email="p@example.org")
    detail = organizer.get(f"/manage/registrations/{person.id}").get_data(as_text=True)
    assert f'href="/manage/registrations/{person.id}/reject"' in detail
    confirm = organizer.get(f"/manage/registrations/{person.id}/reject")
    assert confirm.status_code == 200 and "will be told by e-mail" in confirm.get_data(as_text=True)
    db.session.refresh(person)
    assert person.status == Status.PENDING and mailbox.messages == []


def test_search_stays_for_sorting_and_export_until_cleared(organizer, event):
    make_participant(event, given_name="José", family_name="García", email="jg@example.org")
    make_participant(event, given_name="Anna", family_name="Nowak", email="an@example.org")
    _search(organizer, "garcia", status="pending")
    assert _names(organizer.get("/manage/registrations/?sort=-name").get_data(as_text=True)) == ["García, José"]
    export = organizer.get("/manage/registrations/export.csv").get_data().decode("utf-8-sig")
    assert "jg@example.org" in export and "an@example.org" not in export
    organizer.get("/manage/registrations/?clear=1")
    assert len(_names(organizer.get("/manage/registrations/").get_data(as_text=True))) == 2


def test_sorting_ignores_case_and_puts_empty_organizations_last(organizer, event):
    org = make_organization(event, name="beta ngo")
    make_participant(event, family_name="adams", email="a@example.org", organization_id=org.id)
    make_participant(event, family_name="Zola", email="z@example.org", category="guest")
    make_participant(event, family_name="Brown", email="b@example.org", organization_id=org.id)
    assert _names(organizer.get("/manage/registrations/").get_data(as_text=True)) == [
        "adams, Anna", "Brown, Anna", "Zola, Anna"]
    by_org = _names(organizer.get("/manage/registrations/?sort=organization").get_data(as_text=True))
    assert by_org[-1] == "Zola, Anna"
    by_org_desc = _names(organizer.get("/manage/registrations/?sort=-organization").get_data(as_text=True))
    assert by_org_desc[-1] == "Zola, Anna"


@pytest.mark.parametrize("query", ["organization=%C2%B2", "day=%C2%B2", "page=99999999999999999999", "page=-1",
                                   "status=%00", "country=P%00", "sort=%00"])
def test_odd_query_arguments_never_fail(organizer, event, query):
    make_participant(event)
    assert organizer.get(f"/manage/registrations/?{query}").status_code == 200
    assert organizer.get(f"/manage/registrations/export.csv?{query}").status_code == 200


def test_moving_a_delegate_to_a_full_organization_waitlists_and_refills_the_old_one(organizer, event, mailbox):
    alpha = make_organization(event, name="Alpha", quota=1)
    beta = make_organization(event, name="Beta", quota=1)
    mover = make_participant(event, organization_id=alpha.id, status=Status.CONFIRMED, email="m@example.org")
    waiting = make_participant(event, organization_id=alpha.id, status=Status.WAITLISTED, email="w@example.org")
    make_participant(event, organization_id=beta.id, status=Status.CONFIRMED, email="b@example.org")
    page = post_form(organizer, f"/manage/registrations/{mover.id}/edit", {
        "given_name": "Anna", "family_name": "Nowak", "email": "m@example.org", "country": "PL",
        "category": "delegate", "organization_id": str(beta.id), "days": [str(event.days[0].id)]},
        follow_redirects=True).get_data(as_text=True)
    assert "quota is full: Anna Nowak is now on its waiting list" in page
    db.session.expire_all()
    assert db.session.get(Participant, mover.id).status == Status.WAITLISTED
    assert db.session.get(Participant, waiting.id).status == Status.PENDING


def test_changing_the_email_revokes_the_old_link_and_mails_the_new_address(organizer, event, mailbox):
    person = make_participant(event, email="old@example.org", category="observer", organization_name="X")
    old_key = person.access_key
    post_form(organizer, f"/manage/registrations/{person.id}/edit", {
        "given_name": "Anna", "family_name": "Nowak", "email": "new@example.org", "country": "PL",
        "category": "observer", "organization_id": "0", "organization_name": "X",
        "days": [str(event.days[0].id)]})
    db.session.refresh(person)
    assert person.access_key != old_key
    [message] = mailbox.wait_for(1)
    assert message["To"] == "new@example.org" and "/registration/" in body(message)


def test_an_inactive_organization_keeps_its_waiting_list(organizer, event, mailbox):
    org = make_organization(event, quota=1, is_active=False)
    holder = make_participant(event, organization_id=org.id, status=Status.CONFIRMED, email="h@example.org")
    waiting = make_participant(event, organization_id=org.id, status=Status.WAITLISTED, email="w@example.org")
    token = csrf_token(organizer, f"/manage/registrations/{holder.id}/edit")
    organizer.post(f"/manage/registrations/{holder.id}/cancel", data={"csrf_token": token})
    db.session.refresh(waiting)
    assert waiting.status == Status.WAITLISTED


def test_sensitive_notes_are_not_kept_in_the_history(organizer, event):
    person = make_participant(event, accessibility_needs="Wheelchair user", dietary_notes="coeliac",
                              category="observer", organization_name="X")
    post_form(organizer, f"/manage/registrations/{person.id}/edit", {
        "given_name": "Anna", "family_name": "Nowak", "email": person.email, "country": "PL",
        "category": "observer", "organization_id": "0", "organization_name": "X",
        "days": [str(event.days[0].id)], "accessibility_needs": "Hearing loop"})
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_id == person.id)).all()
    logged = repr([e.changes for e in entries])
    assert "Wheelchair" not in logged and "Hearing loop" not in logged and "coeliac" not in logged
    assert any(e.changes.get("accessibility_needs") == ["(changed)", "(changed)"] for e in entries)


def test_names_sort_as_a_reader_expects_across_alphabets(organizer, event):
    for i, (given, family) in enumerate([("Åsa", "Ødegaard"), ("Ondřej", "Šťastný"), ("X", "Zola"),
                                         ("Geert", "de Vries"), ("Lilia", "Bondarenko"), ("Anna", "Älvsjö")]):
        make_participant(event, given_name=given, family_name=family, email=f"s{i}@example.org")
    names = _names(organizer.get("/manage/registrations/").get_data(as_text=True))
    assert names == ["Älvsjö, Anna", "Bondarenko, Lilia", "de Vries, Geert", "Ødegaard, Åsa", "Šťastný, Ondřej",
                     "Zola, X"]


def test_detail_offers_the_safe_action_first_and_names_records_in_its_history(organizer, event):
    organization = make_organization(event, name="ACCEM Madrid", country="ES")
    person = make_participant(event, status=Status.PENDING, organization_id=organization.id, country="UA")
    html = organizer.get(f"/manage/registrations/{person.id}").get_data(as_text=True)
    actions = html[html.index('<div class="actions">'):html.index("</div>", html.index('<div class="actions">'))]
    # Approving (a filled button) comes first; rejecting and cancelling come last, as links to a confirmation page.
    assert actions.index(">Approve</button>") < actions.index(">Edit</a>") < actions.index("Reject")
    assert actions.index("Reject") < actions.index("Cancel the registration")
    assert f'href="/manage/registrations/{person.id}/cancel"' in actions
    assert 'class="button button-secondary button-destructive"' in actions
    confirm = organizer.get(f"/manage/registrations/{person.id}/cancel")
    assert confirm.status_code == 200 and "Back without changing anything" in confirm.get_data(as_text=True)
    db.session.refresh(person)
    assert person.status == Status.PENDING
    history = html[html.index("<h2>History</h2>"):]
    assert "Organization: <ins>ACCEM Madrid</ins>" in history
    assert "Event: <ins>LSI General Assembly 2027</ins>" in history
    assert "Country: <ins>Ukraine</ins>" in history
    assert f"<ins>{organization.id}</ins>" not in history


def test_bulk_action_chosen_below_the_table_applies_to_the_ticked_registrations(organizer, event, mailbox):
    people = [make_participant(event, email=f"p{i}@example.org", status=Status.PENDING) for i in range(2)]
    token = csrf_token(organizer, "/manage/registrations/")
    organizer.post("/manage/registrations/bulk", data={
        "csrf_token": token, "action-top": "reject", "action-bottom": "approve", "apply": "bottom",
        "ids": [str(people[0].id)]})
    db.session.expire_all()
    assert [db.session.get(Participant, p.id).status for p in people] == ["confirmed", "pending"]


def test_select_all_matching_applies_to_every_page_and_refuses_a_changed_list(organizer, event, mailbox, monkeypatch):
    monkeypatch.setattr(staff_views, "PER_PAGE", 2)
    pending = [make_participant(event, email=f"p{i}@example.org", status=Status.PENDING) for i in range(3)]
    confirmed = make_participant(event, email="c@example.org", status=Status.CONFIRMED)

    html = organizer.get("/manage/registrations/?status=pending").get_data(as_text=True)
    assert "Select all 3 matching" in html and "Select all on this page" in html
    assert html.count('name="action-top"') == 1 and html.count('name="action-bottom"') == 1
    html = organizer.get("/manage/registrations/?status=pending&select=all").get_data(as_text=True)
    assert "All 3 registrations matching this list are selected, on every page." in html
    assert '<input type="hidden" name="matching" value="3">' in html
    assert html.count("checked>") >= 2  # the boxes of the page are ticked

    token = csrf_token(organizer, "/manage/registrations/")
    # The list changed (one more matches than when selected): nothing is done.
    make_participant(event, email="late@example.org", status=Status.PENDING)
    refused = organizer.post("/manage/registrations/bulk", data={
        "csrf_token": token, "all_matching": "1", "matching": "3", "status": "pending", "action-top": "approve",
        "apply": "top"}, follow_redirects=True)
    assert "The list changed since you selected all of it" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).where(Participant.status == Status.CONFIRMED)) == 1

    organizer.post("/manage/registrations/bulk", data={
        "csrf_token": token, "all_matching": "1", "matching": "4", "status": "pending", "action-top": "approve",
        "apply": "top"})
    db.session.expire_all()
    statuses = set(db.session.scalars(sa.select(Participant.status).where(Participant.id != confirmed.id)))
    assert statuses == {Status.CONFIRMED} and len(pending) == 3

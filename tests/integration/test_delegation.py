"""A member's delegation: the focal point's signed link, its page (registrations, waiting list, mandate,
proxy), the organizers' pages and e-mails, and the proxy form as a PDF, all through the app."""
from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import current_app
from pypdf import PdfReader

from lsi_assembly.assembly import services
from lsi_assembly.assembly.delegation import delegation_link, send_delegation_link
from lsi_assembly.assembly.models import Mandate, Proxy
from lsi_assembly.core.audit import AuditEntry
from lsi_assembly.core.mail import OutboxMessage
from lsi_assembly.core.tokens import DELEGATION_LINK, REGISTRATION_LINK, sign
from lsi_assembly.events.models import EventDay
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.organizations.services import apply_member_import, plan_member_import
from lsi_assembly.registration.models import Category, Status
from tests.conftest import body, count
from tests.factories import csrf_token, links_in, make_event, make_organization, make_participant, post_form, sign_in

STAFF = "/manage/assembly/delegations"


@pytest.fixture
def ga(app):
    """Three full members and an associate. Polska (quota 3, a focal point) has two confirmed delegates,
    one awaiting confirmation, two on the waiting list and an observer; Samilia and Éire one confirmed
    delegate each; a statutory session on the second day."""
    event = make_event()
    polska = make_organization(event, name="La Strada Polska", quota=3, contact_name="Irena Focal",
                               contact_email="focal@lastrada.example.org")
    samilia = make_organization(event, name="Fondation Samilia", contact_name="Sami Point",
                                contact_email="point@samilia.example.org")
    eire = make_organization(event, name="ALC Éire", votes=2)
    associate = make_organization(event, name="Partner Network", membership="associate",
                                  contact_email="partner@example.org")
    people = dict(
        voter=make_participant(event, organization_id=polska.id, status=Status.CONFIRMED, given_name="Ola",
                               family_name="Voter", email="ola@example.org"),
        alternate=make_participant(event, organization_id=polska.id, status=Status.CONFIRMED, given_name="Piotr",
                                   family_name="Alternate", email="piotr@example.org"),
        pending=make_participant(event, organization_id=polska.id, status=Status.PENDING, given_name="Ewa",
                                 family_name="Pending", email="ewa@example.org"),
        second=make_participant(event, organization_id=polska.id, status=Status.WAITLISTED, given_name="Zofia",
                                family_name="Second", email="zofia@example.org",
                                status_changed_at=datetime(2027, 1, 2, tzinfo=UTC)),
        first=make_participant(event, organization_id=polska.id, status=Status.WAITLISTED, given_name="Adam",
                               family_name="First", email="adam@example.org",
                               status_changed_at=datetime(2027, 1, 1, tzinfo=UTC)),
        observer=make_participant(event, organization_id=polska.id, status=Status.CONFIRMED,
                                  category=Category.OBSERVER, given_name="Olga", family_name="Observer",
                                  email="olga@example.org", job_title="Secret job title"),
        samilia_delegate=make_participant(event, organization_id=samilia.id, status=Status.CONFIRMED,
                                          given_name="Sandrine", family_name="Outsider", email="sandrine@example.org"),
        eire_delegate=make_participant(event, organization_id=eire.id, status=Status.CONFIRMED,
                                       given_name="Aoife", family_name="Murphy", email="aoife@example.org"),
    )
    session = services.add_session(event, "Statutory session 1", date(2027, 6, 25), starts_at=time(9, 30))
    db.session.commit()
    return SimpleNamespace(event=event, polska=polska, samilia=samilia, eire=eire, associate=associate,
                           session=session, **people)


def snapshot() -> dict:
    """The mandates, proxies and the audit log, to show that a refusal changed nothing."""
    db.session.expire_all()
    return {model.__tablename__: sorted(tuple(str(v) for v in row) for row in db.session.execute(
        sa.select(*model.__table__.columns)).all()) for model in (Mandate, Proxy, AuditEntry)}


def link_path(organization: Organization) -> str:
    """Give the organization a delegation link (as the organizers' button does) and return its path."""
    with current_app.test_request_context():
        assert send_delegation_link(organization)
        db.session.commit()
        return urlsplit(delegation_link(organization)).path


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


# The link


def test_the_e_mailed_link_opens_the_page_and_a_new_link_replaces_it(app, client, ga, mailbox):
    sign_in(client)
    response = client.post(f"{STAFF}/{ga.polska.id}/send-link",
                           data={"csrf_token": csrf_token(client, f"{STAFF}/{ga.polska.id}")})
    assert response.status_code == 302
    [message] = mailbox.wait_for(1)
    assert message["To"] == "focal@lastrada.example.org"
    assert "La Strada Polska" in body(message) and "Irena Focal" in body(message)
    [first] = [urlsplit(url).path for url in links_in(body(message)) if "/delegation/" in url]
    assert "polska" not in first.lower() and "focal" not in first.lower()  # nothing personal in the URL
    db.session.expire_all()
    assert db.session.get(Organization, ga.polska.id).delegation_link_sent_at is not None
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity_type == "organization", AuditEntry.entity_id == ga.polska.id)
        .order_by(AuditEntry.id.desc())).first()
    assert "delegation_link_sent_at" in entry.changes and "delegation_key" in entry.changes
    assert entry.actor == "organizer@example.org"

    visitor = app.test_client()
    page = visitor.get(first)
    assert page.status_code == 200 and "La Strada Polska" in page_text(page)
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"

    # Sending again: the new link works, the old one no longer does.
    client.post(f"{STAFF}/{ga.polska.id}/send-link", data={"csrf_token": csrf_token(client, f"{STAFF}/{ga.polska.id}")})
    mailbox.wait_for(2)
    [second] = [urlsplit(url).path for url in links_in(body(mailbox.messages[1])) if "/delegation/" in url]
    assert second != first
    assert visitor.get(second).status_code == 200
    old = visitor.get(first)
    assert old.status_code == 404 and "This delegation link does not work" in page_text(old)
    assert "La Strada Polska" not in page_text(old)
    assert visitor.post(first + "/mandate", data={}).status_code in (400, 404)


def test_forged_and_foreign_tokens_are_a_plain_404(client, ga):
    path = link_path(ga.polska)
    token = path.rsplit("/", 1)[1]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    other_key = sign(DELEGATION_LINK, [ga.polska.id, "not-the-key"])
    unknown = sign(DELEGATION_LINK, [999999, ga.polska.delegation_key])
    wrong_purpose = sign(REGISTRATION_LINK, [ga.polska.id, ga.polska.delegation_key])
    junk = sign(DELEGATION_LINK, {"id": ga.polska.id})
    huge = sign(DELEGATION_LINK, [2**40, "x"])
    tokens = (forged, other_key, unknown, wrong_purpose, junk, huge, "not-a-token")
    pages = [client.get(f"/delegation/{t}") for t in tokens]
    assert [p.status_code for p in pages] == [404] * 7
    # The same page whether the organization exists or not (but for the token in the language switch).
    assert len({page_text(p).replace(t, "") for p, t in zip(pages, tokens, strict=True)}) == 1
    assert "This delegation link does not work" in page_text(pages[0])
    assert client.get(path + "/proxy.pdf").status_code == 200
    assert client.get(f"/delegation/{forged}/proxy.pdf").status_code == 404


# What the page shows


def test_the_page_shows_the_members_people_and_nothing_of_others(client, ga):
    text = page_text(client.get(link_path(ga.polska)))
    for name in ("Ola Voter", "Piotr Alternate", "Ewa Pending", "Olga Observer"):
        assert name in text
    assert "Places taken: 3 of 3" in text and "free: 0" in text and "waiting list: 2" in text
    waiting = text[text.index("Waiting list</h3>"):]
    assert waiting.index("Adam First") < waiting.index("Zofia Second")  # in order
    assert "Sandrine Outsider" not in text and "Aoife Murphy" not in text  # other members' people
    assert "@example.org" not in text and "Secret job title" not in text  # no contact details
    assert "Mandate: who votes" in text and "Give the proxy" in text
    # The voting delegate's choices: the confirmed delegates only.
    mandate_form = text[text.index('id="mandate"'):text.index('id="proxy"')]
    assert "Ola Voter" in mandate_form and "Ewa Pending" not in mandate_form and "Olga Observer" not in mandate_form


def test_the_invitation_link_is_on_the_page_when_there_is_one(client, ga):
    from lsi_assembly.organizations.services import renew_invitation
    path = link_path(ga.polska)
    assert "There is no invitation link" in page_text(client.get(path))
    renew_invitation(ga.polska)
    db.session.commit()
    assert f"/register?invite={ga.polska.invite_token}" in page_text(client.get(path))


def test_an_associate_member_has_no_vote_no_mandate_no_proxy(client, ga):
    path = link_path(ga.associate)
    text = page_text(client.get(path))
    assert "is not a full member: it has no vote" in text
    assert 'action="' + path + '/mandate"' not in text and "Give the proxy" not in text
    assert client.get(path + "/proxy.pdf").status_code == 404


def test_the_page_in_french(client, ga):
    text = page_text(client.get(link_path(ga.polska), headers={"Accept-Language": "fr"}))
    assert "Délégation de La Strada Polska" in text and "Mandat : qui vote" in text


# Mandates


def test_the_focal_point_names_and_withdraws_the_mandate(client, ga):
    path = link_path(ga.polska)
    token = csrf_token(client, path)
    response = client.post(path + "/mandate", data={"csrf_token": token, "voter_id": ga.voter.id,
                                                    "alternate_id": ga.alternate.id})
    assert response.status_code == 302 and response.headers["Location"].endswith("#mandate")
    mandate = db.session.scalar(sa.select(Mandate).where(Mandate.organization_id == ga.polska.id))
    assert (mandate.voter_id, mandate.alternate_id) == (ga.voter.id, ga.alternate.id)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.entity_type == "mandate"))
    assert entry.actor == "focal point"
    text = page_text(client.get(path))
    assert "The mandate is saved." in text and "Voting delegate: <strong>Ola Voter</strong>" in text
    response = client.post(path + "/mandate/remove", data={"csrf_token": token})
    assert response.status_code == 302
    assert count(Mandate) == 0


@pytest.mark.parametrize("who, alternate, message, field", [
    ("pending", None, "Ewa Pending is not a confirmed delegate of La Strada Polska.", "voter_id"),
    ("voter", "pending", "Ewa Pending is not a confirmed delegate of La Strada Polska.", "alternate_id"),
    ("voter", "voter", "The voting delegate and the alternate must be two different people.", "alternate_id"),
    ("samilia_delegate", None, "Please choose one of the confirmed delegates.", "voter_id"),
    (None, None, "Please choose the voting delegate.", "voter_id"),
])
def test_a_refused_mandate_says_why_and_changes_nothing(client, ga, who, alternate, message, field):
    path = link_path(ga.polska)
    before = snapshot()
    data = {"csrf_token": csrf_token(client, path), "voter_id": getattr(ga, who).id if who else "",
            "alternate_id": getattr(ga, alternate).id if alternate else ""}
    response = client.post(path + "/mandate", data=data)
    assert response.status_code == 422
    text = page_text(response)
    assert message in text and 'class="field-error"' in text
    # The reason is on the field it is about, tied to it for screen readers.
    assert re.search(rf'<p class="field-error" id="{field}-error"> <span>{re.escape(message)}</span>', text), text
    assert "Sandrine Outsider" not in text  # another member's person is never named
    assert snapshot() == before


def test_garbage_ids_are_refused_without_an_error(client, ga):
    path = link_path(ga.polska)
    before = snapshot()
    for value in ("abc", str(2**40), "-1", "1e3"):
        response = client.post(path + "/mandate", data={"csrf_token": csrf_token(client, path), "voter_id": value})
        assert response.status_code == 422, value
        response = client.post(path + "/proxy", data={"csrf_token": csrf_token(client, path), "holder_id": value})
        assert response.status_code == 422, value
    assert snapshot() == before


def test_organizers_name_the_mandate_on_their_page(client, ga):
    sign_in(client)
    url = f"{STAFF}/{ga.polska.id}"
    response = client.post(url + "/mandate", data={"csrf_token": csrf_token(client, url), "voter_id": ga.alternate.id})
    assert response.status_code == 302
    mandate = db.session.scalar(sa.select(Mandate).where(Mandate.organization_id == ga.polska.id))
    assert (mandate.voter_id, mandate.alternate_id) == (ga.alternate.id, None)
    assert db.session.scalar(sa.select(AuditEntry.actor).where(AuditEntry.entity_type == "mandate")) \
        == "organizer@example.org"
    before = snapshot()
    response = client.post(url + "/mandate", data={"csrf_token": csrf_token(client, url), "voter_id": ga.pending.id})
    assert response.status_code == 422 and "is not a confirmed delegate" in page_text(response)
    assert snapshot() == before


# Proxies


def test_a_proxy_is_given_and_revoked_through_the_focal_points_page(client, ga):
    path = link_path(ga.polska)
    text = page_text(client.get(path))
    holders = text[text.index('id="holder_id"'):text.index("</select>", text.index('id="holder_id"'))]
    assert "Fondation Samilia" in holders and "ALC Éire" in holders
    assert "Partner Network" not in holders and "La Strada Polska" not in holders
    response = client.post(path + "/proxy", data={"csrf_token": csrf_token(client, path),
                                                  "holder_id": ga.samilia.id})
    assert response.status_code == 302
    proxy = db.session.scalar(sa.select(Proxy))
    assert (proxy.giver_id, proxy.holder_id, proxy.revoked_at) == (ga.polska.id, ga.samilia.id, None)
    text = page_text(client.get(path))
    assert "La Strada Polska has given its proxy to Fondation Samilia." in text
    # The holder's page says it holds it.
    assert "Fondation Samilia holds the proxy of La Strada Polska." in page_text(client.get(link_path(ga.samilia)))
    response = client.post(path + "/proxy/revoke", data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Proxy, proxy.id).revoked_at is not None
    assert "The proxy is revoked" in page_text(client.get(path))


def test_proxy_refusals_say_why_and_change_nothing(app, client, ga):
    app.config["ASSEMBLY_MAX_PROXIES"] = 2
    services.give_proxy(ga.event, ga.samilia, ga.eire)
    db.session.commit()
    path = link_path(ga.polska)
    older = make_event(slug="other", name="Other")
    older.days = [EventDay(date=date(2025, 6, 24))]  # an older event: this one stays the current one
    other = make_organization(older, name="Elsewhere")
    before = snapshot()
    for holder, message in ((ga.samilia, "Fondation Samilia has given its own proxy, so it cannot hold one."),
                            (ga.associate, "Partner Network is not a full member: only full members hold a proxy."),
                            (ga.polska, "A member cannot give its proxy to itself.")):
        response = client.post(path + "/proxy", data={"csrf_token": csrf_token(client, path), "holder_id": holder.id})
        assert response.status_code == 422 and message in page_text(response), holder.name
    # The holder that gave its own is not offered.
    text = page_text(client.get(path))
    holders = text[text.index('id="holder_id"'):text.index("</select>", text.index('id="holder_id"'))]
    assert "Fondation Samilia" not in holders
    # A member of another event is not found.
    response = client.post(path + "/proxy", data={"csrf_token": csrf_token(client, path), "holder_id": other.id})
    assert response.status_code == 422 and "Please choose one of the members listed." in page_text(response)
    assert snapshot() == before


def test_a_proxy_cannot_be_revoked_once_the_session_started(client, ga, monkeypatch):
    path = link_path(ga.polska)
    services.give_proxy(ga.event, ga.polska, ga.eire)
    db.session.commit()
    monkeypatch.setattr(services, "utcnow", lambda: datetime(2027, 6, 25, 12, tzinfo=UTC))
    text = page_text(client.get(path))
    assert "can no longer be revoked" in text and "Revoke the proxy" not in text
    before = snapshot()
    response = client.post(path + "/proxy/revoke", data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    assert "A proxy can no longer be revoked: the session has started." in page_text(client.get(path))
    assert snapshot() == before


def test_organizers_give_and_revoke_a_proxy_on_their_page(client, ga):
    sign_in(client)
    url = f"{STAFF}/{ga.eire.id}"
    response = client.post(url + "/proxy", data={"csrf_token": csrf_token(client, url), "holder_id": ga.polska.id})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Proxy.holder_id).where(Proxy.giver_id == ga.eire.id)) == ga.polska.id
    response = client.post(url + "/proxy/revoke", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Proxy.revoked_at).where(Proxy.giver_id == ga.eire.id)) is not None
    # Nothing to revoke: the reason, nothing changed.
    before = snapshot()
    client.post(url + "/proxy/revoke", data={"csrf_token": csrf_token(client, url)})
    assert "ALC Éire has no proxy to revoke." in page_text(client.get(url))
    assert snapshot() == before


def test_posts_without_the_csrf_token_are_refused(client, ga):
    path = link_path(ga.polska)
    sign_in(client)
    before = snapshot()
    for url, data in ((path + "/mandate", {"voter_id": ga.voter.id}), (path + "/proxy", {"holder_id": ga.eire.id}),
                      (path + "/mandate/remove", {}), (path + "/proxy/revoke", {})):
        assert client.post(url, data=data).status_code == 400, url
    for url in (f"{STAFF}/{ga.polska.id}/mandate", f"{STAFF}/{ga.polska.id}/send-link", f"{STAFF}/send-all"):
        assert client.post(url, data={"voter_id": ga.voter.id}).status_code == 400, url
    assert snapshot() == before
    assert count(OutboxMessage) == 1  # the link_path one only


# The organizers' pages and e-mails


def test_the_organizers_table_marks_what_is_missing(client, ga):
    services.set_mandate(ga.event, ga.polska, ga.voter, ga.alternate)
    services.give_proxy(ga.event, ga.samilia, ga.polska)
    db.session.commit()
    sign_in(client)
    response = client.get(STAFF + "/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = re.findall(r"<tr.*?</tr>", html, re.S)[1:]
    polska, samilia, eire, partner = (next(r for r in rows if f">{name}</a>" in r) for name in (
        "La Strada Polska", "Fondation Samilia", "ALC Éire", "Partner Network"))
    assert 'class="missing"' in eire and "missing" in eire
    assert 'class="missing"' not in polska and "Ola Voter" in polska and "Fondation Samilia" in polska
    assert 'class="missing"' not in samilia and "proxy given" in samilia
    assert 'class="missing"' not in partner
    assert "1 full member has neither a voting delegate nor a proxy given." in page_text(response)
    assert "2 / 3" in polska and "never" in polska


def test_the_link_goes_to_every_full_members_focal_point(app, client, ga, mailbox):
    # Polska's focal point registered in French: the e-mail is in French.
    make_participant(ga.event, organization_id=ga.polska.id, status=Status.CONFIRMED, email="focal@lastrada.example.org",
                     given_name="Irena", family_name="Focal", locale="fr")
    sign_in(client)
    response = client.post(STAFF + "/send-all", data={"csrf_token": csrf_token(client, STAFF + "/")},
                           follow_redirects=True)
    assert "Delegation links sent: 2; skipped (no contact e-mail address): 1." in page_text(response)
    messages = mailbox.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["focal@lastrada.example.org", "point@samilia.example.org"]
    [french] = mailbox.to("focal@lastrada.example.org")
    assert "procuration" in body(french).lower() and "La Strada Polska" in body(french)
    [english] = mailbox.to("point@samilia.example.org")
    assert "proxy" in english["Subject"] and "Sami Point" in body(english)
    assert not mailbox.to("partner@example.org")  # an associate member is not sent one
    db.session.expire_all()
    assert db.session.get(Organization, ga.eire.id).delegation_link_sent_at is None
    assert db.session.get(Organization, ga.samilia.id).delegation_link_sent_at is not None
    for message in messages:
        [link] = [urlsplit(u).path for u in links_in(body(message)) if "/delegation/" in u]
        assert app.test_client().get(link).status_code == 200


def test_sending_without_a_contact_address_says_so(client, ga):
    sign_in(client)
    url = f"{STAFF}/{ga.eire.id}"
    response = client.post(url + "/send-link", data={"csrf_token": csrf_token(client, url)}, follow_redirects=True)
    assert "ALC Éire has no contact e-mail address" in page_text(response)
    assert count(OutboxMessage) == 0


def test_another_events_organization_is_a_404_for_organizers(client, ga):
    other = make_organization(make_event(slug="old", name="Old"), name="Elsewhere")
    sign_in(client)
    # The current event is the one whose days come last: both have the same days, so the newest.
    assert client.get(f"{STAFF}/{other.id}").status_code == 200
    assert client.get(f"{STAFF}/{ga.polska.id}").status_code == 404
    assert client.post(f"{STAFF}/{ga.polska.id}/send-link",
                       data={"csrf_token": csrf_token(client, f"{STAFF}/{other.id}")}).status_code == 404


# The proxy form


def test_the_proxy_form_names_both_members_in_english_and_french(client, ga):
    services.give_proxy(ga.event, ga.polska, ga.eire)
    db.session.commit()
    path = link_path(ga.polska)
    response = client.get(path + "/proxy.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Proxy for the General Assembly of La Strada International" in text
    assert "La Strada Polska" in text and "ALC Éire" in text
    assert "Statutory session 1" in text and "Friday, 25 June 2027" in text
    assert "Signature" in text and "Stamp of the organization" in text
    french = pdf_text(client.get(path + "/proxy.pdf?lang=fr").data)
    assert "Procuration pour l'Assemblée générale de La Strada International" in french
    assert "vendredi 25 juin 2027" in french and "ALC Éire" in french
    sign_in(client)
    staff = pdf_text(client.get(f"{STAFF}/{ga.polska.id}/proxy.pdf?lang=en").data)
    assert "ALC Éire" in staff and "La Strada Polska" in staff


def test_the_proxy_form_is_in_the_viewers_language_when_none_is_asked_for(client, ga):
    path = link_path(ga.polska)
    text = pdf_text(client.get(path + "/proxy.pdf", headers={"Accept-Language": "fr"}).data)
    assert "Procuration pour l'Assemblée générale" in text and "Cachet de l'organisation" in text


def test_without_a_proxy_the_form_leaves_the_holder_blank(client, ga):
    text = pdf_text(client.get(link_path(ga.samilia) + "/proxy.pdf").data)
    assert "Fondation Samilia" in text
    for other in ("La Strada Polska", "ALC Éire", "Partner Network"):
        assert other not in text
    assert "……" in text


# Revoking the link


def test_organizers_revoke_the_link_without_sending_a_new_one(app, client, ga):
    path = link_path(ga.polska)
    assert count(OutboxMessage) == 1
    sign_in(client)
    page = client.get(f"{STAFF}/{ga.polska.id}").get_data(as_text=True)
    assert f'action="{STAFF}/{ga.polska.id}/revoke-link"' in page
    response = client.post(f"{STAFF}/{ga.polska.id}/revoke-link",
                           data={"csrf_token": csrf_token(client, f"{STAFF}/{ga.polska.id}")}, follow_redirects=True)
    assert "The delegation link no longer works; no new link was sent." in page_text(response)
    assert app.test_client().get(path).status_code == 404
    db.session.expire_all()
    polska = db.session.get(Organization, ga.polska.id)
    assert polska.delegation_key is None and polska.delegation_link_sent_at is None
    assert count(OutboxMessage) == 1  # nothing sent
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity_type == "organization", AuditEntry.entity_id == ga.polska.id)
        .order_by(AuditEntry.id.desc())).first()
    assert "delegation_key" in entry.changes and entry.actor == "organizer@example.org"
    assert polska.delegation_key is None and "revoke-link" not in client.get(
        f"{STAFF}/{ga.polska.id}").get_data(as_text=True)
    # Again: nothing to revoke; without the CSRF token: refused.
    again = client.post(f"{STAFF}/{ga.polska.id}/revoke-link",
                        data={"csrf_token": csrf_token(client, f"{STAFF}/{ga.polska.id}")}, follow_redirects=True)
    assert "La Strada Polska has no delegation link to revoke." in page_text(again)
    assert client.post(f"{STAFF}/{ga.samilia.id}/revoke-link").status_code == 400


def test_a_new_contact_address_revokes_the_link(app, client, ga):
    path = link_path(ga.polska)
    samilia = link_path(ga.samilia)
    sign_in(client)
    # The edit form: the same address keeps the link, a new one revokes it.
    fields = {"name": "La Strada Polska", "country": "PL", "delegate_quota": "3", "is_active": "y",
              "contact_name": "Irena Focal", "membership": "full", "votes": "1"}
    post_form(client, f"/manage/organizations/{ga.polska.id}", {**fields, "contact_email": "focal@lastrada.example.org"})
    assert app.test_client().get(path).status_code == 200
    post_form(client, f"/manage/organizations/{ga.polska.id}", {**fields, "contact_email": "new@lastrada.example.org"})
    assert app.test_client().get(path).status_code == 404
    db.session.expire_all()
    assert db.session.get(Organization, ga.polska.id).delegation_link_sent_at is None
    # The member list import: a new address revokes, the same keeps.
    plan = plan_member_import(ga.event, (
        "name,country,contact_name,contact_email\n"
        "Fondation Samilia,FR,Sami Point,someone.else@samilia.example.org\n").encode())
    apply_member_import(ga.event, plan)
    db.session.commit()
    assert app.test_client().get(samilia).status_code == 404


def test_a_link_of_an_inactive_member_or_of_another_event_does_not_open(app, ga):
    path = link_path(ga.polska)
    ga.polska.is_active = False
    db.session.commit()
    assert app.test_client().get(path).status_code == 404
    ga.polska.is_active = True
    db.session.commit()
    assert app.test_client().get(path).status_code == 200
    newer = make_event(slug="ga-2029")
    newer.days = [EventDay(date=date(2029, 6, 24))]
    db.session.commit()
    assert app.test_client().get(path).status_code == 404

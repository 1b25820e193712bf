"""Voting cards read back from real PDFs (text, page size, QR codes decoded), void cards refused at the door,
reprints after a change of mandate, proxy, votes or membership, printing from the organizers' page, in French."""
from __future__ import annotations

import io
import re
import subprocess
import time
from datetime import date, time as clock
from pathlib import Path
from types import SimpleNamespace

import pdfplumber
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from lsi_assembly.assembly import services
from lsi_assembly.assembly.models import VotingCard
from lsi_assembly.auth.models import Role
from lsi_assembly.badges.services import CODE_LENGTH
from lsi_assembly.core.jobs import Job
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.organizations.services import update_organization
from lsi_assembly.registration.models import Category, Participant, Status
from lsi_assembly.registration.services import change_status, edit_registration, participant_changes
from tests.factories import (
    csrf_token,
    make_event,
    make_organization,
    make_participant,
    post_form,
    run_at_once,
    sign_in,
)

PT_PER_MM = 72 / 25.4
CODE = re.compile(rf"[0-9A-HJKMNP-TV-Z]{{{CODE_LENGTH}}}")


@pytest.fixture
def ga(app):
    """Three full members (ALC Éire with 3 votes, its proxy given to La Strada Polska) and their voting delegates."""
    event = make_event()
    polska = make_organization(event, name="La Strada Polska", votes=1)
    samilia = make_organization(event, name="Fondation Samilia", votes=1)
    eire = make_organization(event, name="ALC Éire", votes=3)
    people = {}
    for key, org in (("a", polska), ("b", samilia), ("d", eire)):
        for role, given in (("voter", "Voter"), ("alternate", "Alternate")):
            people[f"{key}_{role}"] = make_participant(
                event, organization_id=org.id, status=Status.CONFIRMED, given_name=f"{key.upper()}-{given}",
                family_name="Kowalska", email=f"{key}.{role}@example.org")
        services.set_mandate(event, org, people[f"{key}_voter"], people[f"{key}_alternate"])
    services.give_proxy(event, eire, polska)
    session = services.add_session(event, "Statutory session 1", date(2027, 6, 25), starts_at=clock(9, 30))
    db.session.commit()
    return SimpleNamespace(event=event, polska=polska, samilia=samilia, eire=eire, session=session, **people)


def print_cards(runner, tmp_path: Path, *args, name: str = "cards.pdf") -> Path:
    out = tmp_path / name
    result = runner.invoke(args=["assembly", "cards", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return out


def pages_text(pdf: Path) -> list[str]:
    with pdfplumber.open(pdf) as document:
        return [page.extract_text() for page in document.pages]


def qr_codes(pdf: Path, page: int, dpi: int = 150) -> list[str]:
    """Render one page like a plain office scan and decode every QR code on it."""
    png = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", str(pdf)],
                         capture_output=True, check=True).stdout
    return [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def valid_codes(ga) -> dict[tuple[int, int], str]:
    """{(holder id, member id): code} of the valid cards."""
    db.session.expire_all()
    return {(c.participant_id, c.organization_id): c.code for c in services.valid_voting_cards(ga.event)}


def enter(runner, ga, code: str):
    return runner.invoke(args=["assembly", "enter", str(ga.session.id), code])


def test_one_card_per_vote_held_read_back_from_the_a6_pdf(runner, tmp_path, ga):
    pdf = print_cards(runner, tmp_path)
    reader = PdfReader(pdf)
    assert len(reader.pages) == 3  # La Strada Polska's delegate: 2 cards (its own, ALC Éire's); Samilia's: 1
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width), 1), round(float(box.height), 1)) == (297.6, 419.5)  # A6 in points

    codes = valid_codes(ga)
    assert sorted(codes) == sorted([(ga.a_voter.id, ga.polska.id), (ga.a_voter.id, ga.eire.id),
                                    (ga.b_voter.id, ga.samilia.id)])
    texts = pages_text(pdf)
    # In the holders' order (family, given name), a delegate's own member's card first.
    own, proxy, samilia = texts
    assert "VOTING CARD" in own and "LSI General Assembly 2027" in own
    assert "General Assembly · 24–26 June 2027" in own
    assert "La Strada Polska" in own and "1 vote\n" in own + "\n" and "Held by A-Voter Kowalska" in own
    assert "Voting delegate of La Strada Polska" in own and "By proxy" not in own
    assert codes[(ga.a_voter.id, ga.polska.id)] in own
    assert "ALC Éire" in proxy and "3 votes" in proxy and "Held by A-Voter Kowalska" in proxy
    assert "Voting delegate of La Strada Polska" in proxy and "By proxy of ALC Éire" in proxy
    assert codes[(ga.a_voter.id, ga.eire.id)] in proxy
    assert "Fondation Samilia" in samilia and "Held by B-Voter Kowalska" in samilia
    assert not any("D-Voter" in text for text in texts)  # ALC Éire's own delegate holds no card now

    # The QR code carries the card's code and nothing else.
    expected = [codes[(ga.a_voter.id, ga.polska.id)], codes[(ga.a_voter.id, ga.eire.id)],
                codes[(ga.b_voter.id, ga.samilia.id)]]
    decoded = [qr_codes(pdf, page) for page in (1, 2, 3)]
    assert decoded == [[code] for code in expected]
    assert all(CODE.fullmatch(code) for code in expected)
    # Every valid card is recorded as printed.
    assert all(card.printed_at is not None for card in services.valid_voting_cards(ga.event))


def test_four_cards_on_an_a4_sheet_with_crop_marks_on_the_cuts(runner, tmp_path, ga):
    pdf = print_cards(runner, tmp_path, "--sheet", "a4")
    reader = PdfReader(pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / PT_PER_MM), round(float(box.height) / PT_PER_MM)) == (210, 297)
    assert sorted(qr_codes(pdf, 1)) == sorted(valid_codes(ga).values())
    with pdfplumber.open(pdf) as document:
        page = document.pages[0]
        # Each card lies in its quarter: La Strada Polska's own card top left, Samilia's bottom left.
        words = {w["text"]: (w["x0"] / PT_PER_MM, w["top"] / PT_PER_MM) for w in page.extract_words()}
        assert words["Samilia"][0] < 105 and words["Samilia"][1] > 148.5
        assert words["Éire"][0] > 105 and words["Éire"][1] < 148.5
        # Crop marks: thin lines on the cuts between the cards (x = 105 mm, y = 148.5 mm).
        drawn = page.rects + page.lines
        vertical = [r for r in drawn if abs(r["x0"] / PT_PER_MM - 105) < 0.5 and r["height"] > 4 * PT_PER_MM]
        horizontal = [r for r in drawn if abs(r["top"] / PT_PER_MM - 148.5) < 0.5 and r["width"] > 4 * PT_PER_MM]
        assert len(vertical) >= 3 and len(horizontal) >= 3


def test_a_changed_mandate_voids_the_cards_the_door_refuses_them_and_only_the_new_ones_are_reprinted(
        runner, tmp_path, client, ga):
    print_cards(runner, tmp_path)
    old = valid_codes(ga)
    result = runner.invoke(args=["assembly", "mandate", "La Strada Polska", "--voter", "a.alternate@example.org"])
    assert result.exit_code == 0, result.output
    new = valid_codes(ga)
    assert sorted(new) == sorted([(ga.a_alternate.id, ga.polska.id), (ga.a_alternate.id, ga.eire.id),
                                  (ga.b_voter.id, ga.samilia.id)])
    assert new[(ga.b_voter.id, ga.samilia.id)] == old[(ga.b_voter.id, ga.samilia.id)]  # unchanged, still valid

    refused = enter(runner, ga, old[(ga.a_voter.id, ga.polska.id)])
    assert refused.exit_code == 2 and "This voting card is void" in refused.stderr
    assert services.inside(ga.session) == set()
    accepted = enter(runner, ga, new[(ga.a_alternate.id, ga.polska.id)].lower())
    assert accepted.exit_code == 0, accepted.output
    assert services.inside(ga.session) == {ga.a_alternate.id}

    # The organizers' page: two cards not printed yet, the two void printed ones to take back.
    sign_in(client, Role.ORGANIZER)
    page = client.get("/manage/assembly/cards/").get_data(as_text=True)
    take_back = page.split('id="void-title"')[1]
    assert take_back.count("A-Voter Kowalska") == 2 and "A-Alternate" not in take_back
    assert page.split('id="valid-title"')[1].split('id="void-title"')[0].count("not printed yet") == 2

    pdf = print_cards(runner, tmp_path, "--not-printed", name="reprint.pdf")
    texts = pages_text(pdf)
    assert len(texts) == 2 and all("Held by A-Alternate Kowalska" in text for text in texts)
    assert sorted(code for page in (1, 2) for code in qr_codes(pdf, page)) == sorted(
        [new[(ga.a_alternate.id, ga.polska.id)], new[(ga.a_alternate.id, ga.eire.id)]])
    page = client.get("/manage/assembly/cards/").get_data(as_text=True)
    assert 'id="void-title"' not in page  # the new cards are printed: nothing left to take back

    nothing = runner.invoke(args=["assembly", "cards", "--out", str(tmp_path / "none.pdf"), "--not-printed"])
    assert nothing.exit_code == 1 and "nothing to print" in nothing.output
    assert not (tmp_path / "none.pdf").exists()


def test_a_card_whose_holder_is_no_longer_the_voting_delegate_is_refused_at_the_door(runner, ga):
    old = valid_codes(ga)
    # Changed behind the services' back (no signal): the card is still marked valid, the door refuses it.
    ga.a_voter.category = Category.OBSERVER
    db.session.commit()
    refused = enter(runner, ga, old[(ga.a_voter.id, ga.polska.id)])
    assert refused.exit_code == 2 and "This voting card is no longer valid" in refused.stderr
    assert services.inside(ga.session) == set()
    # Its badge still lets the person in (as an observer, without the vote).
    assert enter(runner, ga, old[(ga.b_voter.id, ga.samilia.id)]).exit_code == 0


def test_cards_follow_a_holder_who_is_cancelled_or_moves_organization(runner, ga):
    old = valid_codes(ga)
    with participant_changes():
        change_status(ga.a_voter, Status.CANCELLED, by="organizer", reason="cancelled")
    db.session.commit()
    # Polska's voting delegate is cancelled: its card and the Éire proxy's card are void at once.
    assert sorted(valid_codes(ga)) == [(ga.b_voter.id, ga.samilia.id)]
    assert "This voting card is void" in enter(runner, ga, old[(ga.a_voter.id, ga.eire.id)]).stderr
    # Samilia's voting delegate moves to Polska: Samilia's card is void too.
    edit_registration(ga.b_voter, {}, organization_id=ga.polska.id, organization_name=None,
                      days=list(ga.b_voter.days))
    db.session.commit()
    assert valid_codes(ga) == {}
    assert "This voting card is void" in enter(runner, ga, old[(ga.b_voter.id, ga.samilia.id)]).stderr


def test_a_change_of_someone_without_a_card_leaves_the_cards_alone(ga):
    before = valid_codes(ga)
    cards = db.session.scalar(sa.select(sa.func.count()).select_from(VotingCard))
    outsider = make_participant(ga.event, organization_id=ga.samilia.id, status=Status.CONFIRMED,
                                email="new@example.org")
    with participant_changes():
        change_status(outsider, Status.CANCELLED, by="organizer", reason="cancelled")
    db.session.commit()
    assert valid_codes(ga) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VotingCard)) == cards


def test_editing_an_organizations_votes_voids_and_reissues_its_card(runner, client, ga):
    old = valid_codes(ga)
    sign_in(client, Role.ORGANIZER)
    response = post_form(client, f"/manage/organizations/{ga.eire.id}", {
        "name": "ALC Éire", "country": "IE", "delegate_quota": "2", "membership": "full", "votes": "5",
        "is_active": "y"})
    assert response.status_code == 302
    new = valid_codes(ga)
    assert new[(ga.a_voter.id, ga.eire.id)] != old[(ga.a_voter.id, ga.eire.id)]
    assert {k: v for k, v in new.items() if k[1] != ga.eire.id} == {k: v for k, v in old.items() if k[1] != ga.eire.id}
    card = db.session.scalar(sa.select(VotingCard).where(VotingCard.code == new[(ga.a_voter.id, ga.eire.id)]))
    assert card.votes == 5 and card.printed_at is None
    assert enter(runner, ga, old[(ga.a_voter.id, ga.eire.id)]).exit_code == 2

    # Saving the form without changing votes or membership keeps the cards.
    post_form(client, f"/manage/organizations/{ga.eire.id}", {
        "name": "ALC Éire", "country": "IE", "delegate_quota": "3", "membership": "full", "votes": "5",
        "is_active": "y"})
    assert valid_codes(ga) == new


def test_importing_the_member_list_voids_the_cards_of_changed_members(runner, tmp_path, ga):
    old = valid_codes(ga)
    members = tmp_path / "members.csv"
    members.write_text("name,country,membership,votes\nFondation Samilia,FR,associate,\nLa Strada Polska,PL,,\n",
                       encoding="utf-8")
    result = runner.invoke(args=["organizations", "import", str(members)])
    assert result.exit_code == 0, result.output
    new = valid_codes(ga)
    assert (ga.b_voter.id, ga.samilia.id) not in new  # no longer a full member: no card
    assert new == {k: v for k, v in old.items() if k[1] != ga.samilia.id}
    refused = enter(runner, ga, old[(ga.b_voter.id, ga.samilia.id)])
    assert refused.exit_code == 2 and "This voting card is void" in refused.stderr


def test_votes_edited_while_the_holders_mandate_changes_end_on_one_right_card(app, ga):
    """Real threads: the votes of ALC Éire change while La Strada Polska (holding its proxy) names another
    voting delegate; whichever goes first, the card carries the new votes and names the new holder."""
    event_id, eire_id, polska_id, alternate_id = ga.event.id, ga.eire.id, ga.polska.id, ga.a_alternate.id

    def edit_votes(votes: int):
        def action(ready):
            with app.app_context():
                organization = db.session.get(Organization, eire_id)
                ready()
                update_organization(organization, {"votes": votes})
                db.session.commit()
        return action

    def change_mandate(voter_id: int):
        def action(ready):
            with app.app_context():
                event = db.session.get(type(ga.event), event_id)
                member = services.find_organization(event, polska_id)
                voter = db.session.get(Participant, voter_id)
                ready()
                services.set_mandate(event, member, voter, None)
                db.session.commit()
        return action

    for votes, voter_id in ((5, alternate_id), (2, ga.a_voter.id), (4, alternate_id)):
        run_at_once([edit_votes(votes), change_mandate(voter_id)])
        db.session.expire_all()
        valid = services.valid_voting_cards(ga.event)
        assert len({card.organization_id for card in valid}) == len(valid) == 3
        eire = next(card for card in valid if card.organization_id == eire_id)
        assert (eire.participant_id, eire.votes) == (voter_id, votes)


def test_long_names_fit_on_the_card(runner, tmp_path, ga):
    ga.polska.name = "Stichting Tegen Vrouwenhandel en Uitbuiting van Mensen in Nederland, België en Luxemburg"
    ga.a_voter.given_name = "Maximilian-Alexander Konstantin"
    ga.a_voter.family_name = "Freiherr von und zu Liechtenstein-Habsburg-Lothringen"
    db.session.commit()
    pdf = print_cards(runner, tmp_path, "--sheet", "a6")
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            for char in page.chars:  # nothing outside the card's padding (6 mm)
                assert 5.5 <= char["x0"] / PT_PER_MM and char["x1"] / PT_PER_MM <= 105 - 5.5, char["text"]
        text = document.pages[0].extract_text()
    flat = " ".join(text.split())
    assert "Stichting Tegen Vrouwenhandel en Uitbuiting van Mensen in Nederland, België en Luxemburg" in flat
    assert "Liechtenstein-Habsburg-Lothringen" in flat


def test_printing_from_the_organizers_page_in_the_background_in_french(client, ga):
    client.set_cookie("lsi_lang", "fr")  # before the first request: the language is chosen once per test
    sign_in(client, Role.ORGANIZER)
    page = client.get("/manage/assembly/cards/").get_data(as_text=True)
    assert "Cartons de vote" in page and "Imprimer tous les cartons valides" in page
    token = csrf_token(client, "/manage/assembly/cards/")
    response = client.post("/manage/assembly/cards/print", data={"csrf_token": token, "sheet": "a6",
                                                                 "print_all": "y"})
    assert response.status_code == 302 and "/manage/jobs/" in response.headers["Location"]
    status = response.headers["Location"]
    for _ in range(300):
        html = client.get(status).get_data(as_text=True)
        if "Télécharger" in html or "échoué" in html:
            break
        assert "<progress" in html and "cartons de vote" in html
        time.sleep(0.1)
    assert "3 cartons de vote" in html
    download = client.get(status + "/download")
    assert download.headers["Content-Type"] == "application/pdf"
    texts = [page.extract_text() for page in pdfplumber.open(io.BytesIO(download.data)).pages]
    assert len(texts) == 3
    own, proxy, _samilia = texts
    assert "CARTON DE VOTE" in own and "Assemblée générale · 24–26 juin 2027" in own and "1 voix" in own
    assert "Détenu par A-Voter Kowalska" in own and "Délégué·e votant·e de La Strada Polska" in own
    assert "3 voix" in proxy and "Par procuration de ALC Éire" in proxy
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VotingCard).where(
        VotingCard.printed_at.is_not(None))) == 3

    again = client.post("/manage/assembly/cards/print", data={"csrf_token": token, "sheet": "a4",
                                                              "print_new": "y"}, follow_redirects=True)
    assert "Tous les cartons de vote valides sont déjà imprimés" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1  # no empty run started


def test_a_bad_paper_choice_is_refused_on_the_page(client, ga):
    sign_in(client, Role.ORGANIZER)
    token = csrf_token(client, "/manage/assembly/cards/")
    response = client.post("/manage/assembly/cards/print", data={"csrf_token": token, "sheet": "a5",
                                                                 "print_all": "y"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'<p class="field-error" id="sheet-error">\s*<span>Not a valid choice', html), html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VotingCard).where(
        VotingCard.printed_at.is_not(None))) == 0

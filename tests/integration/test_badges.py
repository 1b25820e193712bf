"""Badges read back from real PDFs: page size, positions, every name intact, nothing overflowing, QR codes
that decode to an opaque code which checks the right person in; the print log; printing from the web."""
from __future__ import annotations

import csv
import io
import re
import subprocess
import threading
import time
from pathlib import Path

import pdfplumber
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from lsi_assembly.auth.models import Role
from lsi_assembly.badges.layout import PRESETS, badge_boxes, fit_text, name_size
from lsi_assembly.badges.models import BadgeCode, BadgePrint
from lsi_assembly.badges.render import PARALLEL_FROM, print_badges
from lsi_assembly.badges.services import (
    CODE_LENGTH,
    BadgeFilter,
    badges_for,
    normalize_code,
    record_prints,
    reissue,
    valid_code,
)
from lsi_assembly.checkin.models import CheckIn
from lsi_assembly.core.jobs import Job
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant, Status
from tests.factories import csrf_token, make_event, make_organization, make_participant, sign_in

NAMES = Path(__file__).resolve().parents[1] / "data" / "names-europe.csv"
PT_PER_MM = 72 / 25.4
TOLERANCE_MM = 0.5


def hard_people(event, organization) -> list[Participant]:
    """Confirmed participants with the shared test names, plus two very long compound names."""
    with NAMES.open(encoding="utf-8") as rows:
        names = [(row["given_name"], row["family_name"], row["country"]) for row in csv.DictReader(rows)]
    names += [("Maximilian-Alexander", "Freiherr von und zu Liechtenstein-Habsburg-Lothringen", "AT"),
              ("Αλεξάνδρα-Παναγιώτα", "Παπαδημητροπούλου-Χατζηγεωργίου", "GR")]
    people = []
    for index, (given, family, country) in enumerate(names):
        people.append(make_participant(event, given_name=given, family_name=family, country=country,
                                       email=f"person{index}@example.org", status=Status.CONFIRMED,
                                       organization_id=organization.id, languages=["English"],
                                       photo_consent=index % 3 != 0))
    return people


def render(runner, tmp_path, *args) -> Path:
    out = tmp_path / "badges.pdf"
    result = runner.invoke(args=["badges", "render", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return out


def in_print_order(people) -> list[Participant]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Participant).where(Participant.id.in_([p.id for p in people]))
                                   .order_by(Participant.sort_name, Participant.id)))


def page_text(pdf: Path, page: int = 0) -> str:
    with pdfplumber.open(pdf) as document:
        return document.pages[page].extract_text()


def chars_centred_in(page, left: float, top: float, right: float, bottom: float):
    """The part of a page whose characters have their centre in a box given in mm.

    (A glyph's box is taller than the line: by the font's ascent and descent; its centre is not.)
    """
    def inside(obj) -> bool:
        if obj.get("object_type") != "char":
            return False
        x, y = (obj["x0"] + obj["x1"]) / 2 / PT_PER_MM, (obj["top"] + obj["bottom"]) / 2 / PT_PER_MM
        return left <= x <= right and top <= y <= bottom
    return page.filter(inside)


def test_weasyprint_uses_harfbuzz_to_subset_fonts():
    """Without libharfbuzz-subset0 a reprint takes ~200 ms instead of ~25 (docs/benchmarks.md)."""
    from weasyprint.text import ffi
    assert ffi.harfbuzz_subset is not None


@pytest.mark.parametrize("preset_name", ["insert-90x54", "a6", "card-86x54"])
def test_every_name_prints_whole_in_its_place_and_nothing_overflows(runner, tmp_path, preset_name):
    event = make_event()
    organization = make_organization(event, name="La Strada International – Україна", quota=100)
    people = hard_people(event, organization)
    preset = PRESETS[preset_name]
    pdf = render(runner, tmp_path, "--preset", preset_name)

    reader = PdfReader(pdf)
    sheets = -(-len(people) // preset.per_page)
    assert len(reader.pages) == sheets
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(preset.page_width * PT_PER_MM, abs=0.5)
    assert float(box.height) == pytest.approx(preset.page_height * PT_PER_MM, abs=0.5)

    boxes = badge_boxes(preset.badge_width, preset.badge_height)
    ordered = in_print_order(people)
    with pdfplumber.open(pdf) as document:
        for sheet, page in enumerate(document.pages):
            on_sheet = ordered[sheet * preset.per_page:(sheet + 1) * preset.per_page]
            # The category bands are where the badges are: within half a millimetre of the layout.
            bands = sorted(((r["x0"] / PT_PER_MM, r["top"] / PT_PER_MM) for r in page.rects
                            if r["height"] / PT_PER_MM < boxes.band.height + 0.5
                            and r["width"] / PT_PER_MM > preset.badge_width - 0.5), key=lambda p: (p[1], p[0]))
            expected = [(b.x, b.y) for b in preset.positions()[:len(on_sheet)]]
            assert len(bands) == len(expected)
            for (x, y), (ex, ey) in zip(bands, expected, strict=True):
                assert abs(x - ex) <= TOLERANCE_MM and abs(y - ey) <= TOLERANCE_MM
            for person, at in zip(on_sheet, preset.positions(), strict=False):
                name_box = boxes.name
                region = chars_centred_in(page, at.x + name_box.x, at.y + name_box.y, at.x + name_box.right,
                                          at.y + name_box.bottom)
                fitted = fit_text(person.badge_name, name_box, name_size(name_box), min_pt=12, bold=True)
                assert region.extract_text().split("\n") == list(fitted.lines), person.badge_name
            # Every character lies inside its own badge (its advance width across, its line vertically:
            # the glyph box adds the font's ascent and descent, about 0.08 em each way), and off the QR code.
            for char in page.chars:
                x0, x1 = char["x0"] / PT_PER_MM, char["x1"] / PT_PER_MM
                slack = 0.1 * char["size"] / PT_PER_MM
                top, bottom = char["top"] / PT_PER_MM + slack, char["bottom"] / PT_PER_MM - slack
                centre = ((x0 + x1) / 2, (top + bottom) / 2)
                badge = next(b for b in preset.positions()
                             if b.x <= centre[0] <= b.right and b.y <= centre[1] <= b.bottom)
                assert badge.x - 0.2 <= x0 and x1 <= badge.right + 0.2, char["text"]
                assert badge.y - 0.2 <= top and bottom <= badge.bottom + 0.2, char["text"]
                qr = boxes.qr
                assert (x1 <= badge.x + qr.x + 0.2 or x0 >= badge.x + qr.right - 0.2
                        or bottom <= badge.y + qr.y + 0.2 or top >= badge.y + qr.bottom - 0.2), char["text"]


def test_the_badge_shows_what_the_person_asked_for(runner, tmp_path):
    event = make_event()
    organization = make_organization(event, name="CCEM", quota=10)
    hidden = make_participant(event, given_name="Ngozi", family_name="Okonkwo", email="n@example.org",
                              status=Status.CONFIRMED, organization_id=organization.id, badge_hide_organization=True,
                              photo_consent=True, languages=["English", "Igbo"])
    nickname = make_participant(event, given_name="Aikaterini", family_name="Georgiou", name_on_badge="Katerina",
                                email="k@example.org", status=Status.CONFIRMED, organization_id=organization.id,
                                photo_consent=False, category="press")
    make_participant(event, given_name="Pending", family_name="Person", email="p@example.org", status=Status.PENDING)
    pdf = render(runner, tmp_path, "--preset", "a6")
    with pdfplumber.open(pdf) as document:
        badges = [" ".join(chars_centred_in(document.pages[0], b.x, b.y, b.right, b.bottom).extract_text().split())
                  for b in PRESETS["a6"].positions()]
    ngozi = next(text for text in badges if "Ngozi Okonkwo" in text)
    katerina = next(text for text in badges if "Katerina" in text)
    assert "CCEM" not in ngozi and "CCEM" in katerina  # she asked to leave her organization off
    assert "Aikaterini Georgiou" in katerina  # the full name under a badge name
    assert "NO PHOTOS, PLEASE" in katerina and "NO PHOTOS, PLEASE" not in ngozi
    assert "PRESS" in katerina and "DELEGATE" in ngozi  # the category in words, not colour alone
    assert "speaks English, Igbo" in ngozi
    assert not any("Pending" in text for text in badges)  # only confirmed participants get badges
    assert hidden.id and nickname.id


def qr_codes(pdf: Path, page: int, dpi: int = 150) -> list[str]:
    """Render one page like a plain office scan and decode every QR code on it."""
    png = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", str(pdf)],
                         capture_output=True, check=True).stdout
    return [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_qr_codes_decode_to_opaque_codes_that_check_the_right_person_in(app, runner, tmp_path, client):
    event = make_event()
    organization = make_organization(event, quota=100)
    people = hard_people(event, organization)
    pdf = render(runner, tmp_path, "--preset", "insert-90x54")
    decoded = [code for page in range(1, len(PdfReader(pdf).pages) + 1) for code in qr_codes(pdf, page)]
    codes = {c.participant_id: c.code for c in db.session.scalars(sa.select(BadgeCode))}
    assert sorted(decoded) == sorted(codes[p.id] for p in people)  # every badge's code, each once
    ordered = in_print_order(people)
    for text in decoded:
        assert re.fullmatch(rf"[0-9A-HJKMNP-TV-Z]{{{CODE_LENGTH}}}", text)  # 130 random bits, nothing else
        assert not any(word.casefold() in text.casefold() for p in people for word in (p.given_name, p.family_name)
                       if len(word) > 3)

    sign_in(client, Role.DESK)
    target = ordered[3]
    token = csrf_token(client, "/desk/")
    client.post("/desk/settings", data={"csrf_token": token, "desk": "Desk 1", "day_id": event.days[0].id,
                                        "preset": "card-86x54"})
    page = client.post("/desk/", data={"csrf_token": token, "q": codes[target.id].lower()}, follow_redirects=True)
    assert page.status_code == 200
    check_ins = list(db.session.scalars(sa.select(CheckIn)))
    assert [c.participant_id for c in check_ins] == [target.id]


def test_every_print_is_logged_and_the_filters_pick_what_is_left_or_changed(runner, tmp_path):
    event = make_event()
    organization = make_organization(event, quota=10)
    people = [make_participant(event, email=f"p{i}@example.org", family_name=f"Family{i}", status=Status.CONFIRMED,
                               organization_id=organization.id) for i in range(3)]
    render(runner, tmp_path, "--participant", str(people[0].id))
    prints = list(db.session.scalars(sa.select(BadgePrint)))
    assert [(p.participant_id, p.actor, p.preset) for p in prints] == [(people[0].id, "command line", "a6")]

    result = runner.invoke(args=["badges", "render", "--out", str(tmp_path / "rest.pdf"), "--not-printed"])
    assert result.exit_code == 0 and "2 badges written" in result.output

    result = runner.invoke(args=["badges", "render", "--out", str(tmp_path / "none.pdf"), "--changed"])
    assert result.exit_code != 0 and "nothing to print" in result.output
    people[1].name_on_badge = "Bibi"
    db.session.commit()
    result = runner.invoke(args=["badges", "render", "--out", str(tmp_path / "changed.pdf"), "--changed"])
    assert result.exit_code == 0 and "1 badges written" in result.output
    assert "Bibi" in page_text(tmp_path / "changed.pdf")


def test_a_reissued_badge_stops_checking_anyone_in(app, runner, tmp_path, client):
    event = make_event()
    person = make_participant(event, email="lost@example.org", status=Status.CONFIRMED)
    render(runner, tmp_path)
    old = db.session.scalar(sa.select(BadgeCode.code))
    sign_in(client, Role.DESK)
    token = csrf_token(client, "/desk/")
    client.post(f"/desk/participants/{person.id}/reissue", data={"csrf_token": token, "confirm": "y"})
    new = db.session.scalar(sa.select(BadgeCode.code).where(BadgeCode.revoked_at.is_(None)))
    assert new != old and normalize_code(new) == new
    page = client.post("/desk/", data={"csrf_token": token, "q": old}).get_data(as_text=True)
    assert "This badge was replaced by a new one" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 0


def test_bad_command_line_choices_say_what_is_wrong(runner, tmp_path):
    event = make_event()
    make_participant(event, status=Status.CONFIRMED)
    out = str(tmp_path / "x.pdf")
    for args, message in ((["--preset", "poster"], "unknown preset 'poster'"),
                          (["--day", "1999-01-01"], "1999-01-01 is not a day of the event"),
                          (["--organization", "Nobody"], "no organization 'Nobody'")):
        result = runner.invoke(args=["badges", "render", "--out", out, *args])
        assert result.exit_code != 0 and message in result.output
    assert not Path(out).exists()


def test_printing_from_the_web_runs_in_the_background_with_progress(client, tmp_path):
    event = make_event()
    organization = make_organization(event, quota=50)
    for i in range(12):
        make_participant(event, email=f"web{i}@example.org", status=Status.CONFIRMED, organization_id=organization.id)
    sign_in(client, Role.ORGANIZER)
    token = csrf_token(client, "/manage/badges/")
    response = client.post("/manage/badges/print", data={"csrf_token": token, "preset": "insert-90x54",
                                                         "crop_marks": "y", "back": "y"})
    assert response.status_code == 302 and "/manage/jobs/" in response.headers["Location"]
    status = response.headers["Location"]
    for _ in range(300):
        page = client.get(status).get_data(as_text=True)
        if "Download the PDF" in page or "failed" in page:
            break
        assert '<meta http-equiv="refresh" content="2">' in page and "<progress" in page
        time.sleep(0.1)
    assert "Done: 12 badges." in page
    download = client.get(status + "/download")
    assert download.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(download.data))
    assert len(reader.pages) == 4  # two sheets of ten, each followed by its back
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BadgePrint)) == 12


def test_a_custom_badge_size_is_checked_and_used(client, runner, tmp_path):
    event = make_event()
    make_participant(event, status=Status.CONFIRMED)
    sign_in(client, Role.ORGANIZER)
    token = csrf_token(client, "/manage/badges/")
    too_big = {"csrf_token": token, "name": "pouch-100x70", "badge_width": "120", "badge_height": "70",
               "page_width": "210", "page_height": "297", "columns": "2", "rows": "4"}
    refused = client.post("/manage/badges/presets", data=too_big)
    assert refused.status_code == 422 and "do not fit on the page" in refused.get_data(as_text=True)
    client.post("/manage/badges/presets", data={**too_big, "badge_width": "100"})
    pdf = render(runner, tmp_path, "--preset", "pouch-100x70")
    box = PdfReader(pdf).pages[0].mediabox
    assert float(box.width) == pytest.approx(210 * PT_PER_MM, abs=0.5)


def test_markup_in_a_name_is_printed_as_text(runner, tmp_path):
    event = make_event()
    make_participant(event, given_name="<b>Bold</b>", family_name="&amp; Co", email="x@example.org",
                     status=Status.CONFIRMED)
    text = page_text(render(runner, tmp_path))
    assert "<b>Bold</b>" in text and "&amp; Co" in text


def base_fonts(pdf: bytes) -> set[str]:
    fonts = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return fonts


def test_every_print_run_uses_the_shipped_font_whatever_thread_prints_it(app):
    """Each print run (a job, a desk request) may run in a new thread: each must embed the shipped font."""
    event = make_event()
    make_participant(event, status=Status.CONFIRMED)
    fonts, errors = [], []

    def print_run() -> None:
        with app.test_request_context():
            try:
                contents = badges_for(event, BadgeFilter(), "en")
                fonts.append(base_fonts(print_badges(contents, PRESETS["a6"], with_back=False, crop_marks=False,
                                                     info=None, parallel=False)))
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.rollback()

    for _ in range(3):
        thread = threading.Thread(target=print_run)
        thread.start()
        thread.join(60)
    assert not errors, errors
    assert len(fonts) == 3 and all(f == {"Badge-Sans", "Badge-Sans-Bold"} for f in fonts), fonts


def test_backs_lie_behind_their_fronts_on_the_turned_sheet(runner, tmp_path):
    event = make_event(badge_info="Wi-Fi: LSI-Assembly")
    for index in range(3):
        make_participant(event, email=f"back{index}@example.org", family_name=f"Back{index}", status=Status.CONFIRMED)
    pdf = render(runner, tmp_path, "--preset", "insert-90x54", "--back")
    preset = PRESETS["insert-90x54"]
    with pdfplumber.open(pdf) as document:
        assert len(document.pages) == 2
        back = document.pages[1]
        filled = [bool(chars_centred_in(back, b.x, b.y, b.right, b.bottom).chars) for b in preset.positions()]
    # Fronts fill positions 0, 1, 2 (row 1: left, right; row 2: left). Turned over the long edge the
    # columns swap: the backs are at row 1 right, row 1 left, row 2 right.
    assert filled[:4] == [True, True, False, True] and not any(filled[4:])


def test_the_changed_filter_does_not_depend_on_the_language_of_the_run(app):
    event = make_event()
    make_participant(event, country="DE", status=Status.CONFIRMED)
    with app.test_request_context():
        record_prints(badges_for(event, BadgeFilter(), "fr"), "a6", "test", None)  # "Allemagne"
        assert badges_for(event, BadgeFilter(changed=True), "en") == []  # "Germany": not a change


def test_an_empty_changed_run_starts_no_job(client, runner, tmp_path):
    event = make_event()
    make_participant(event, status=Status.CONFIRMED)
    render(runner, tmp_path)
    sign_in(client, Role.ORGANIZER)
    token = csrf_token(client, "/manage/badges/")
    page = client.post("/manage/badges/print", data={"csrf_token": token, "preset": "a6", "changed": "y"},
                       follow_redirects=True).get_data(as_text=True)
    assert "No badge changed since it was printed" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_two_reissues_at_once_leave_one_valid_code(app):
    event = make_event()
    person = make_participant(event, status=Status.CONFIRMED)
    valid_code(person)
    db.session.commit()
    person_id = person.id
    barrier = threading.Barrier(2)
    errors = []

    def reissue_now() -> None:
        with app.app_context():
            try:
                participant = db.session.get(Participant, person_id)
                barrier.wait(timeout=30)
                reissue(participant)
                db.session.commit()
            except BaseException as error:
                errors.append(error)

    threads = [threading.Thread(target=reissue_now) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    db.session.expire_all()
    codes = list(db.session.scalars(sa.select(BadgeCode).where(BadgeCode.participant_id == person_id)))
    assert len(codes) == 3 and sum(code.revoked_at is None for code in codes) == 1


def test_names_in_scripts_the_font_lacks_are_pointed_out_to_the_organizers(client):
    event = make_event()
    make_participant(event, given_name="Wei", family_name="王", status=Status.CONFIRMED)
    make_participant(event, given_name="Anna", family_name="Nowak", email="anna@example.org", status=Status.CONFIRMED)
    sign_in(client, Role.ORGANIZER)
    page = client.get("/manage/badges/").get_data(as_text=True)
    section = page.split("Letters the badge font cannot print")[1].split("</section>")[0]
    assert "Wei 王" in section and "Anna Nowak" not in section


def test_a_large_run_printed_by_two_processes_is_joined_in_order(runner, tmp_path):
    event = make_event()
    organization = make_organization(event, quota=500)
    people = [make_participant(event, email=f"many{i:03d}@example.org", given_name=f"Given{i:03d}",
                               family_name=f"Family{i:03d}", status=Status.CONFIRMED, organization_id=organization.id)
              for i in range(PARALLEL_FROM + 10)]
    pdf = render(runner, tmp_path, "--preset", "insert-90x54")
    reader = PdfReader(pdf)
    assert len(reader.pages) == -(-len(people) // 10)
    assert "Given000 Family000" in reader.pages[0].extract_text()  # one line: it fits the card's wide name box
    assert f"Given{len(people) - 1:03d}" in reader.pages[-1].extract_text()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BadgePrint)) == len(people)

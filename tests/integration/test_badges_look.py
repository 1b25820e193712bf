"""Issue 15: badges that look like the event's (name, logo, one name size, Latin line, marker), the logo
upload and the preview, and sign-in sheets by family name with rows tall enough to sign."""
from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image

from lsi_assembly.auth.models import Role
from lsi_assembly.badges.layout import PRESETS, badge_boxes, name_size
from lsi_assembly.badges.logo import LogoRefused, check_logo
from lsi_assembly.core.search import latin_letters, needs_latin_line
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Status
from tests.factories import csrf_token, make_event, make_organization, make_participant, sign_in

PT_PER_MM = 72 / 25.4
SHORT = [("Anna", "Nowak"), ("Ola", "Berg"), ("Ivo", "Kralj"), ("Edona", "Krasniqi")]


def render(runner, tmp_path, preset) -> Path:
    out = tmp_path / f"{preset}.pdf"
    result = runner.invoke(args=["badges", "render", "--out", str(out), "--preset", preset])
    assert result.exit_code == 0, result.output
    return out


def badge_texts(pdf: Path, preset) -> list[str]:
    texts = []
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            for box in preset.positions():
                region = page.crop((box.x * PT_PER_MM, box.y * PT_PER_MM, min(box.right * PT_PER_MM, page.width),
                                    min(box.bottom * PT_PER_MM, page.height)))
                text = " ".join((region.extract_text() or "").split())
                if text:
                    texts.append(text)
    return texts


def people(event, extra=()):
    organization = make_organization(event, name="CCEM", quota=50)
    made = []
    for index, (given, family) in enumerate([*SHORT, *extra]):
        made.append(make_participant(event, given_name=given, family_name=family, email=f"p{index}@example.org",
                                     status=Status.CONFIRMED, organization_id=organization.id,
                                     photo_consent=False, languages=["English"]))
    return made


@pytest.mark.parametrize("preset_name", sorted(PRESETS))
def test_every_badge_shows_the_event_one_name_size_and_an_unclipped_marker(runner, tmp_path, preset_name):
    event = make_event()
    people(event, [("Марија", "Стојановска"), ("Γεώργιος", "Παπαδόπουλος")])
    preset = PRESETS[preset_name]
    pdf = render(runner, tmp_path, preset_name)
    texts = badge_texts(pdf, preset)
    assert len(texts) == 6
    assert all(event.name in " ".join(t.split()) for t in texts)  # the event's name on every badge
    cyrillic = next(t for t in texts if "Марија" in t)
    greek = next(t for t in texts if "Γεώργιος" in t)
    assert "Marija Stojanovska" in cyrillic and "Georgios Papadopoulos" in greek
    assert not any("Anna Nowak" in t and "Latin" in t for t in texts)
    boxes = badge_boxes(preset.badge_width, preset.badge_height)
    size = name_size(boxes.name)
    with pdfplumber.open(pdf) as document:
        page = document.pages[0]
        short = {f"{given} {family}" for given, family in SHORT}
        seen = 0
        for at in preset.positions():
            name = boxes.name
            region = page.crop(((at.x + name.x) * PT_PER_MM, (at.y + name.y) * PT_PER_MM,
                                (at.x + name.right) * PT_PER_MM, (at.y + name.bottom) * PT_PER_MM))
            if " ".join((region.extract_text() or "").split()) in short:  # short names: all at the one size
                assert {round(c["size"], 1) for c in region.chars} == {round(size, 1)}
                seen += 1
        assert seen == min(preset.per_page, 4)
        for at in preset.positions()[:min(preset.per_page, 6)]:
            marker = boxes.photo_marker
            chars = [c for c in page.chars if c["size"] < 11
                     and at.x + marker.x <= c["x0"] / PT_PER_MM <= at.x + marker.right
                     and at.y + marker.y - 1 <= c["top"] / PT_PER_MM <= at.y + marker.bottom]
            text = "".join(c["text"] for c in chars)
            assert "NOPHOTOS,PLEASE" in text.replace(" ", "")
            for c in chars:  # inside the marker's box, so inside the badge: never clipped
                assert at.x + marker.x <= c["x0"] / PT_PER_MM and c["x1"] / PT_PER_MM <= at.x + marker.right
                assert c["x1"] / PT_PER_MM <= at.right and c["bottom"] / PT_PER_MM <= at.bottom + 0.2
    # The logo is drawn on every badge of the first sheet.
    with pdfplumber.open(pdf) as document:
        assert len(document.pages[0].images) >= min(preset.per_page, 6)


def test_the_latin_line_helpers():
    assert needs_latin_line("Марија Стојановска") and needs_latin_line("Παπαδόπουλος")
    assert not needs_latin_line("Ayşe Öztürk") and not needs_latin_line("Łucja Żółkiewska")
    assert latin_letters("Марија Стојановска") == "Marija Stojanovska"
    assert latin_letters("Γεώργιος Παπαδόπουλος") == "Georgios Papadopoulos"


def test_the_person_and_the_organizers_set_the_latin_line(client, app):
    event = make_event()
    person = make_participant(event, given_name="Юлія", family_name="Шевченко", email="y@example.org",
                              status=Status.CONFIRMED)
    assert person.badge_latin_name == "Yuliya Shevchenko"  # transliterated until someone sets it
    sign_in(client, role=Role.ORGANIZER)
    page = client.get(f"/manage/registrations/{person.id}/edit")
    assert page.status_code == 200 and 'value="Yuliya Shevchenko"' in page.get_data(as_text=True)
    person.latin_name = "Yulia Shevchenko"
    db.session.commit()
    assert person.badge_latin_name == "Yulia Shevchenko"
    latin = make_participant(event, given_name="Anna", family_name="Nowak", email="a@example.org")
    assert latin.badge_latin_name is None


def png(width=40, height=20) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("data", [
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://example.org/x.png"/></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: url(http://example.org/a)"/></svg>',
    b"GIF89a not a logo", b"\x89PNG\r\n\x1a\n broken",
])
def test_a_logo_that_could_fetch_or_run_anything_is_refused(data):
    with pytest.raises(LogoRefused):
        check_logo(data)


def test_logo_upload_preview_and_back_to_the_default(client, runner, tmp_path):
    event = make_event()
    people(event)
    sign_in(client, role=Role.ORGANIZER)
    page = client.get("/manage/badges/?preview=card-86x54")
    assert page.status_code == 200 and "/manage/badges/preview/card-86x54.png" in page.get_data(as_text=True)
    preview = client.get("/manage/badges/preview/card-86x54.png")
    assert preview.status_code == 200 and preview.mimetype == "image/png"
    image = Image.open(io.BytesIO(preview.data))
    assert abs(image.width / image.height - 86 / 54) < 0.02  # a badge of the chosen size
    assert client.get("/manage/badges/preview/nonsense.png").status_code == 404

    token = csrf_token(client, "/manage/badges/")
    bad = client.post("/manage/badges/logo", data={"csrf_token": token, "logo": (
        io.BytesIO(b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'), "logo.png")},
        content_type="multipart/form-data")
    assert bad.status_code == 422 and "scripts" in bad.get_data(as_text=True)
    db.session.refresh(event)
    assert event.badge_logo is None
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 10"><defs><linearGradient id="g">'
           b'<stop offset="0" stop-color="#c00"/></linearGradient></defs><rect width="20" height="10" '
           b'fill="url(#g)"/></svg>')
    good = client.post("/manage/badges/logo", data={"csrf_token": token, "logo": (io.BytesIO(svg), "x.svg")},
                       content_type="multipart/form-data")
    assert good.status_code == 302
    db.session.refresh(event)
    assert event.badge_logo == svg and event.badge_logo_type == "image/svg+xml"
    render(runner, tmp_path, "a6")  # WeasyPrint draws the uploaded SVG (a refused URL would stop it)
    client.post("/manage/badges/logo", data={"csrf_token": token, "logo": (io.BytesIO(png()), "x.png")},
                content_type="multipart/form-data")
    db.session.refresh(event)
    assert event.badge_logo_type == "image/png"
    assert client.post("/manage/badges/logo/default", data={"csrf_token": token}).status_code == 302
    db.session.refresh(event)
    assert event.badge_logo is None


def test_sign_in_sheets_go_by_family_name_first_with_rows_to_sign(runner, tmp_path):
    event = make_event()
    organization = make_organization(event, name="CCEM", quota=50)
    for index, (given, family) in enumerate([("Zoe", "Adams"), ("Ayşe", "Öztürk"), ("Bob", "Nilsen")]):
        make_participant(event, given_name=given, family_name=family, email=f"s{index}@example.org",
                         status=Status.CONFIRMED, organization_id=organization.id)
    out = tmp_path / "sign-in.pdf"
    result = runner.invoke(args=["lists", "render", "sign-in", "--out", str(out),
                                 "--day", f"{event.days[0].date:%Y-%m-%d}"])
    assert result.exit_code == 0, result.output
    with pdfplumber.open(out) as document:
        page = document.pages[0]
        text = page.extract_text()
        order = [text.index(name) for name in ("ADAMS, Zoe", "NILSEN, Bob", "ÖZTÜRK, Ayşe")]
        assert order == sorted(order)
        tops = sorted({round(w["top"], 1) for w in page.extract_words() if w["text"] in ("ADAMS,", "NILSEN,",
                                                                                         "ÖZTÜRK,")})
        assert len(tops) == 3
        assert all((b - a) / PT_PER_MM >= 10 for a, b in zip(tops, tops[1:], strict=False))


def test_the_registration_form_offers_the_latin_line_with_its_hint(client):
    make_event()
    page = client.get("/register").get_data(as_text=True)
    assert 'name="latin_name"' in page and "Only if your name is not in Latin letters" in page

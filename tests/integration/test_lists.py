"""Printed and exported lists, read back: the right people and only them, headers and page numbers on every
page, rows whole, names intact; the same content and privacy rule in CSV and Excel."""
from __future__ import annotations

import csv
import io
import time
from datetime import time as clock
from pathlib import Path

import pdfplumber
import pytest
from openpyxl import load_workbook

from lsi_assembly.auth.models import Role
from lsi_assembly.core.dates import format_day
from lsi_assembly.extensions import db
from lsi_assembly.lists.tables import build
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import Status
from lsi_assembly.workshops.models import Room, TimeSlot, Workshop, WorkshopAssignment, WorkshopRun
from tests.factories import csrf_token, make_event, make_organization, make_participant, run_at_once, sign_in

NAMES = Path(__file__).resolve().parents[1] / "data" / "names-europe.csv"


def many_people(event, count: int, **values) -> list:
    organization = make_organization(event, name="La Strada Україна", quota=1000)
    with NAMES.open(encoding="utf-8") as rows:
        names = [(row["given_name"], row["family_name"]) for row in csv.DictReader(rows)]
    people = []
    for index in range(count):
        given, family = names[index % len(names)]
        people.append(make_participant(event, given_name=given, family_name=f"{family}{'' if index < len(names) else index}",
                                       email=f"list{index}@example.org", organization_id=organization.id, **values))
    return people


def render(runner, tmp_path, kind, suffix="pdf", *options) -> Path:
    out = tmp_path / f"{kind}.{suffix}"
    result = runner.invoke(args=["lists", "render", kind, "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    return out


def pages_text(pdf: Path) -> list[str]:
    with pdfplumber.open(pdf) as document:
        return [page.extract_text(y_tolerance=1) for page in document.pages]


def names_column(pdf: Path) -> list[str]:
    """The cells of the Name column, page after page (a name wrapped in its cell made whole again)."""
    names = []
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            # Columns start where their headers do; rows are separated by the table's rules.
            headers = {w["text"]: w["x0"] for w in page.extract_words() if w["text"] in ("Name", "Organization")}
            settings = {"vertical_strategy": "explicit", "horizontal_strategy": "lines",
                        "explicit_vertical_lines": [headers["Name"] - 2, headers["Organization"] - 2]}
            for table in page.extract_tables(settings):
                names += [" ".join(row[0].split("\n")).replace("- ", "-") for row in table
                          if row[0] and row[0] != "Name"]
    return names


def test_the_shared_list_holds_only_confirmed_people_who_agreed(runner, tmp_path):
    event = make_event()
    yes = make_participant(event, given_name="Αικατερίνη", family_name="Γεωργίου", email="a@example.org",
                           status=Status.CONFIRMED, list_consent=True, country="GR")
    make_participant(event, given_name="Hidden", family_name="Person", email="b@example.org",
                     status=Status.CONFIRMED, list_consent=False)
    make_participant(event, given_name="Pending", family_name="Person", email="c@example.org",
                     status=Status.PENDING, list_consent=True)
    text = "\n".join(pages_text(render(runner, tmp_path, "participants")))
    assert yes.full_name in text and "Greece" in text
    assert "Hidden" not in text and "Pending" not in text
    rows = list(csv.reader(render(runner, tmp_path, "participants", "csv").read_text(encoding="utf-8-sig")
                           .splitlines()))
    assert rows == [["Name", "Organization", "Country"], ["Αικατερίνη Γεωργίου", "", "Greece"]]
    sheet = load_workbook(render(runner, tmp_path, "participants", "xlsx")).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Name", "Organization", "Country"], ["Αικατερίνη Γεωργίου", None, "Greece"]]


def test_every_page_has_the_header_the_table_header_and_page_x_of_y(runner, tmp_path):
    event = make_event()
    people = many_people(event, 130, status=Status.CONFIRMED)
    texts = pages_text(render(runner, tmp_path, "participants-full"))
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert "LSI General Assembly 2027" in text and "Participants (organizers' list)" in text
        assert f"Page {number} of {len(texts)}" in text
        assert "Name Organization Country Category Status Days" in text
    names = names_column(tmp_path / "participants-full.pdf")
    assert sorted(names) == sorted(person.full_name for person in people)  # every name intact, in every script, once


def test_no_row_is_split_across_pages(runner, tmp_path):
    event = make_event()
    many_people(event, 90, status=Status.CONFIRMED, organization_name=None)
    pdf = render(runner, tmp_path, "sign-in", "pdf", "--day", event.days[0].date.isoformat())
    with pdfplumber.open(pdf) as document:
        assert len(document.pages) >= 2
        for page in document.pages:
            for table in page.find_tables():
                for row in table.rows:
                    bottom = row.bbox[3]
                    assert bottom <= page.height - 16 * 72 / 25.4 + 1  # above the bottom margin: not cut


def test_sign_in_sheets_list_the_day_alphabetically_with_blank_lines(runner, tmp_path):
    event = make_event()
    zoe = make_participant(event, given_name="Zoë", family_name="Ångström", email="z@example.org",
                           status=Status.CONFIRMED)
    ana = make_participant(event, given_name="Ana", family_name="Bălan", email="a@example.org", status=Status.CONFIRMED)
    other_day = make_participant(event, given_name="Only", family_name="Tomorrow", email="t@example.org",
                                 status=Status.CONFIRMED)
    other_day.days = [event.days[1]]
    db.session.commit()
    text = "\n".join(pages_text(render(runner, tmp_path, "sign-in", "pdf", "--day", event.days[0].date.isoformat())))
    assert text.index("ÅNGSTRÖM, Zoë") < text.index("BĂLAN, Ana")  # Ångström before Bălan, family name first
    assert zoe.id and ana.id
    assert "Tomorrow" not in text and "Signature" in text
    rows = list(csv.reader(render(runner, tmp_path, "sign-in", "csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["Group", "No.", "Name", "Organization", "Signature"]
    assert sum(1 for row in rows if row[2] == "TOMORROW, Only") == 1


def test_catering_counts_diets_and_names_needs_only_for_the_organizers(runner, tmp_path):
    event = make_event()
    make_participant(event, email="v@example.org", status=Status.CONFIRMED, dietary=["vegan"],
                     dietary_notes="No sesame", given_name="Leïla", family_name="Benaïssa")
    make_participant(event, email="w@example.org", status=Status.CONFIRMED, dietary=["vegan", "halal"])
    make_participant(event, email="x@example.org", status=Status.CANCELLED, dietary=["vegan"])
    caterer = "\n".join(pages_text(render(runner, tmp_path, "catering", "pdf", "--day", event.days[0].date.isoformat())))
    assert "Vegan 2" in caterer and "Halal 1" in caterer and "Everyone 2" in caterer
    assert "No sesame" in caterer and "Benaïssa" not in caterer
    organizers = "\n".join(pages_text(render(runner, tmp_path, "catering", "pdf", "--with-names")))
    assert "Leïla Benaïssa: No sesame" in organizers


def test_rosters_and_door_lists_show_the_people_seated(runner, tmp_path):
    event = make_event()
    room = Room(event_id=event.id, name="Salle Jaurès", capacity=10)
    slot = TimeSlot(event_id=event.id, day_id=event.days[0].id, starts_at=clock(14), ends_at=clock(15, 30))
    workshop = Workshop(event_id=event.id, title="Safe shelters", facilitators="Mirela Popescu")
    db.session.add_all([room, slot, workshop])
    db.session.flush()
    run = WorkshopRun(workshop_id=workshop.id, slot_id=slot.id, room_id=room.id, capacity=10)
    db.session.add(run)
    seated = make_participant(event, given_name="Ђорђе", family_name="Петровић", status=Status.CONFIRMED)
    db.session.flush()
    db.session.add(WorkshopAssignment(participant_id=seated.id, run_id=run.id))
    db.session.commit()
    roster = "\n".join(pages_text(render(runner, tmp_path, "rosters")))
    assert "Safe shelters" in roster and "Salle Jaurès" in roster and "Facilitators: Mirela Popescu" in roster
    assert "Ђорђе Петровић" in roster
    doors = "\n".join(pages_text(render(runner, tmp_path, "doors")))
    assert "Salle Jaurès" in doors and "Ђорђе Петровић" in doors


def test_accessibility_lists_needs_for_the_organizers(runner, tmp_path):
    event = make_event()
    make_participant(event, email="n@example.org", status=Status.CONFIRMED, accessibility_needs="Step-free access")
    make_participant(event, email="m@example.org", status=Status.CONFIRMED)
    text = "\n".join(pages_text(render(runner, tmp_path, "accessibility", "pdf", "--day",
                                       event.days[0].date.isoformat())))
    assert "Step-free access" in text and text.count("Anna Nowak") == 1


def test_formula_cells_are_neutralized_in_csv_and_excel(runner, tmp_path):
    event = make_event()
    make_participant(event, given_name="=HYPERLINK(\"http://x\")", family_name="+Evil", status=Status.CONFIRMED,
                     list_consent=True)
    rows = list(csv.reader(render(runner, tmp_path, "participants", "csv").read_text(encoding="utf-8-sig")
                           .splitlines()))
    assert rows[1][0].startswith("'=")
    sheet = load_workbook(render(runner, tmp_path, "participants", "xlsx")).active
    assert sheet["A2"].value.startswith("'=")


def test_the_command_line_shows_progress_while_a_pdf_is_made(runner, tmp_path):
    event = make_event()
    many_people(event, 5, status=Status.CONFIRMED)
    result = runner.invoke(args=["lists", "render", "participants-full", "--out", str(tmp_path / "l.pdf")])
    assert result.exit_code == 0
    assert "Printing 5 rows" in result.output and "5 rows written to" in result.output
    csv_result = runner.invoke(args=["lists", "render", "participants-full", "--out", str(tmp_path / "l.csv")])
    assert "Printing" not in csv_result.output  # CSV and Excel take a fraction of a second


def test_bad_command_line_choices_are_refused(runner, tmp_path):
    make_event()
    result = runner.invoke(args=["lists", "render", "participants", "--out", str(tmp_path / "x.doc")])
    assert result.exit_code != 0 and "must end in .pdf, .csv or .xlsx" in result.output
    result = runner.invoke(args=["lists", "render", "sign-in", "--out", str(tmp_path / "x.pdf"), "--day", "1999-01-01"])
    assert result.exit_code != 0 and "is not a day of the event" in result.output


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_organizers_download_lists_from_the_web(client, fmt):
    event = make_event()
    make_participant(event, status=Status.CONFIRMED, list_consent=True)
    sign_in(client, Role.ORGANIZER)
    response = client.get(f"/manage/lists/file?kind=participants&format={fmt}")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert client.get("/manage/lists/file?kind=nonsense&format=csv").status_code == 404


def test_a_pdf_list_from_the_web_is_made_in_the_background(client):
    event = make_event()
    make_participant(event, status=Status.CONFIRMED)
    sign_in(client, Role.ORGANIZER)
    assert "Daily sign-in sheets" in client.get("/manage/lists/").get_data(as_text=True)
    response = client.get(f"/manage/lists/file?kind=sign-in&format=pdf&day={event.days[0].id}")
    assert response.status_code == 302
    status = response.headers["Location"]
    for _ in range(300):
        page = client.get(status).get_data(as_text=True)
        if "Download the PDF" in page:
            break
        time.sleep(0.1)
    download = client.get(status + "/download")
    with pdfplumber.open(io.BytesIO(download.data)) as document:
        assert "Sign-in sheet" in document.pages[0].extract_text()


def test_confirmed_participants_get_the_shared_list_only_when_the_organizers_offer_it(client):
    event = make_event()
    me = make_participant(event, email="me@example.org", status=Status.CONFIRMED, list_consent=False)
    pending = make_participant(event, email="p@example.org", status=Status.PENDING)
    make_participant(event, given_name="Ana", family_name="Bălan", email="ana@example.org", status=Status.CONFIRMED,
                     list_consent=True)
    make_participant(event, given_name="Not", family_name="Listed", email="n@example.org", status=Status.CONFIRMED)
    mine = f"/registration/{make_token(me.access_key)}"
    assert client.get(mine + "/participants.pdf").status_code == 404
    assert "Participant list (PDF)" not in client.get(mine).get_data(as_text=True)

    with client.application.app_context():
        organizer = client.application.test_client()
        sign_in(organizer, Role.ORGANIZER)
        organizer.post("/manage/lists/sharing", data={"csrf_token": csrf_token(organizer, "/manage/lists/"),
                                                      "shared": "y"})
    db.session.expire_all()  # the organizer's change came through another session
    assert event.participant_list_shared
    assert "Participant list (PDF)" in client.get(mine).get_data(as_text=True)
    response = client.get(mine + "/participants.pdf")
    assert response.headers["Content-Type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(response.data)) as document:
        text = document.pages[0].extract_text()
    assert "Ana Bălan" in text and "Not Listed" not in text and "Anna Nowak" not in text  # consent respected
    assert client.get(f"/registration/{make_token(pending.access_key)}/participants.pdf").status_code == 404


# --- long lists: laid out in several processes, numbered as one document ----------------------------

def test_a_long_list_laid_out_in_parts_is_numbered_as_one_document(runner, tmp_path, monkeypatch):
    from lsi_assembly.lists import render as list_render

    event = make_event()
    many_people(event, 130, status=Status.CONFIRMED)
    whole = pages_text(render(runner, tmp_path, "participants-full"))
    monkeypatch.setattr(list_render, "PARALLEL_FROM", 40)  # 130 lines: laid out in parts
    monkeypatch.setattr(list_render, "workers", lambda: 3)  # three parts, each in its own process
    stats: dict = {}
    pdf = list_render.list_pdf(build("participants-full", event), event, stats=stats)
    assert stats["parts"] == 3 and sum(stats["pages"]) >= len(whole)
    out = tmp_path / "parts.pdf"
    out.write_bytes(pdf)
    texts = pages_text(out)
    assert len(texts) == sum(stats["pages"]) <= len(whole) + 2  # a part may end on a page of its own
    for number, text in enumerate(texts, start=1):
        assert "LSI General Assembly 2027" in text and "Participants (organizers' list)" in text
        assert f"Page {number} of {len(texts)}" in text  # across the parts, as if one document
        assert "Name Organization Country Category Status Days" in text
    title = "Participants (organizers' list)"
    assert texts[0].count(title) == whole[0].count(title)  # the title page once, not again at each part
    assert all(text.count(title) == whole[1].count(title) for text in texts[1:])
    # Nobody lost or doubled at a cut, in the same order as in one piece.
    assert names_column(out) == names_column(tmp_path / "participants-full.pdf")


def test_a_section_cut_between_parts_keeps_its_name_and_its_blank_lines_at_the_end(runner, tmp_path, monkeypatch):
    from lsi_assembly.lists import render as list_render

    event = make_event()
    many_people(event, 100, status=Status.CONFIRMED, organization_name=None)
    monkeypatch.setattr(list_render, "PARALLEL_FROM", 40)
    monkeypatch.setattr(list_render, "workers", lambda: 2)
    day = event.days[0]
    pdf = render(runner, tmp_path, "sign-in", "pdf", "--day", day.date.isoformat())
    texts = pages_text(pdf)
    heading = format_day(day.date, "full")
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text
        assert heading in text  # the running header names the day, also on the part that continues it
    numbers = [int(line.split()[0]) for text in texts for line in text.split("\n")
               if line.split() and line.split()[0].isdigit() and "Page" not in line]
    assert numbers == list(range(1, 101))  # every row once, in order, across the cut
    with pdfplumber.open(pdf) as document:
        blank = []
        for page in document.pages:
            headers = {w["text"]: w["x0"] for w in page.extract_words() if w["text"] in ("No.", "Signature")}
            settings = {"vertical_strategy": "explicit", "horizontal_strategy": "lines",
                        "explicit_vertical_lines": [headers["No."] - 2, headers["Signature"] - 2]}
            blank.append(sum(1 for table in page.extract_tables(settings) for row in table if not any(row)))
    assert sum(blank) == 12 and blank[-1] > 0  # the walk-in lines close the sheet, after the cut


def test_a_list_is_still_made_when_no_second_process_can_start(runner, tmp_path, monkeypatch):
    from lsi_assembly.core import pdf as pdf_module
    from lsi_assembly.lists import render as list_render

    class NoProcesses:
        def Pipe(self):  # noqa: N802 - multiprocessing's name
            raise OSError("no fork here")

    event = make_event()
    many_people(event, 60, status=Status.CONFIRMED)
    monkeypatch.setattr(list_render, "PARALLEL_FROM", 20)
    monkeypatch.setattr(list_render, "workers", lambda: 2)
    monkeypatch.setattr(pdf_module, "process_context", lambda: NoProcesses())
    texts = pages_text(render(runner, tmp_path, "participants-full"))
    assert f"Page {len(texts)} of {len(texts)}" in texts[-1]


def test_cutting_a_list_into_parts_keeps_every_row_once_and_prefers_section_boundaries():
    from lsi_assembly.lists.render import split_sections
    from lsi_assembly.lists.tables import Section

    def rows(n, tag):
        return [[f"{tag}{i}"] for i in range(n)]

    one = split_sections([Section(None, rows(1000, "a"), blank_rows=12)], 3)
    assert [len(part) for part in one] == [1, 1, 1]
    assert [row for part in one for s in part for row in s.rows] == rows(1000, "a")
    assert [s.continued for part in one for s in part] == [False, True, True]
    assert [s.blank_rows for part in one for s in part] == [0, 0, 12]
    days = [Section(f"day {d}", rows(300, d), new_page=d > 0) for d in range(4)]
    halves = split_sections(days, 2)
    assert [[s.title for s in part] for part in halves] == [["day 0", "day 1"], ["day 2", "day 3"]]
    assert not halves[1][0].continued and not halves[1][0].new_page  # a part starts a page by itself
    assert halves[0][1].new_page
    tiny = split_sections([Section("x", rows(1, "x")), Section("y", rows(1, "y"))], 4)
    assert [row for part in tiny for s in part for row in s.rows] == [["x0"], ["y0"]]


def test_two_people_asking_for_the_shared_list_at_once_both_get_it(app):
    event = make_event(participant_list_shared=True)
    people = [make_participant(event, email=f"p{i}@example.org", status=Status.CONFIRMED, list_consent=True)
              for i in range(2)]
    paths = [f"/registration/{make_token(p.access_key)}/participants.pdf" for p in people]

    def fetch(path):
        def action(ready):
            client = app.test_client()
            ready()
            response = client.get(path)
            return response.status_code, response.data[:5]
        return action

    assert run_at_once([fetch(path) for path in paths]) == [(200, b"%PDF-")] * 2


def test_the_shared_list_is_made_once_while_it_does_not_change(client, monkeypatch):
    from lsi_assembly.lists import render as list_render

    event = make_event(participant_list_shared=True)
    me = make_participant(event, email="me@example.org", status=Status.CONFIRMED, list_consent=True)
    other = make_participant(event, given_name="Ana", family_name="Bălan", email="ana@example.org",
                             status=Status.CONFIRMED, list_consent=True)
    made = []
    original = list_render.list_pdf
    monkeypatch.setattr(list_render, "list_pdf", lambda *a, **k: made.append(1) or original(*a, **k))
    mine = f"/registration/{make_token(me.access_key)}/participants.pdf"
    first = client.get(mine)
    assert client.get(mine).data == first.data and len(made) == 1  # served again, not made again
    other.list_consent = False  # she withdraws: the next download is made anew, without her
    db.session.commit()
    with pdfplumber.open(io.BytesIO(client.get(mine).data)) as document:
        assert "Ana Bălan" not in document.pages[0].extract_text()
    assert len(made) == 2
    folder = Path(client.application.config["JOBS_FOLDER"])
    assert len(list(folder.glob("list-participants-*.pdf"))) == 1  # the version with her name is gone

"""The organizers' voting cards page: which cards are valid, printed or to take back; print them in the background."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from lsi_assembly.assembly import services
from lsi_assembly.assembly.card_forms import CardPrintForm
from lsi_assembly.assembly.card_layout import SHEETS
from lsi_assembly.assembly.card_printing import print_and_record
from lsi_assembly.auth.models import Role
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.core.event_scope import load_event
from lsi_assembly.core.i18n import current_language
from lsi_assembly.core.jobs import job_work, new_job, recent_jobs, start_job
from lsi_assembly.events.models import Event
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db

bp = Blueprint("manage_voting_cards", __name__, url_prefix="/manage/assembly/cards")
guard_blueprint(bp)
load_event(bp, current_event)

#: The kind of the background jobs that print voting cards (core.jobs).
JOB_KIND = "voting_cards"


def _page(event: Event, form: CardPrintForm | None = None, status: int = 200):
    valid = services.valid_voting_cards(event)
    return render_template(
        "assembly/cards.html", event=event, valid=valid, not_printed=sum(1 for c in valid if c.printed_at is None),
        take_back=services.voting_cards_to_take_back(event), recent=recent_jobs(JOB_KIND),
        form=form or CardPrintForm(formdata=None)), status


@bp.get("/")
@allow(Role.ORGANIZER)
def index():
    """The valid voting cards (printed or not), the void ones to take back, and the print buttons."""
    return _page(g.event)


@bp.post("/print")
@allow(Role.ORGANIZER)
def print_cards():
    """Bring the cards up to date, then print all valid ones or only those not printed yet, in the background."""
    event = g.event
    form = CardPrintForm()
    if not form.validate_on_submit():
        return _page(event, form, status=422)
    not_printed = bool(form.print_new.data)
    count = len(services.voting_cards_to_print(event, not_printed=not_printed))
    db.session.commit()  # the cards brought up to date
    if count == 0:
        flash(_("Every valid voting card is printed already: nothing to print.") if not_printed else
              _("There is no voting card: name the members' voting delegates first."), "error")
        return redirect(url_for("manage_voting_cards.index"))
    options = {"event_id": event.id, "sheet": form.sheet.data, "not_printed": not_printed,
               "locale": current_language()}
    job = new_job(JOB_KIND, count, current_user.id, **options)
    db.session.commit()  # before the job starts: the worker reads the committed row
    start_job(job)
    return redirect(url_for("manage.job", job_id=job.id))


@job_work(JOB_KIND)
def _work(progress, *, event_id: int, sheet: str, not_printed: bool, locale: str) -> tuple[bytes, str, str]:
    """The job: print the voting cards and record the print (runs in the worker)."""
    event = db.session.get(Event, event_id)
    with force_locale(locale):
        pdf, count = print_and_record(event, SHEETS[sheet], not_printed=not_printed, progress=progress,
                                      cards_ready=db.session.commit)  # a job of its own: it commits as it goes
        message = ngettext("%(num)d voting card", "%(num)d voting cards", count)
    return pdf, f"voting-cards-{date.today():%Y-%m-%d}-{sheet}.pdf", message

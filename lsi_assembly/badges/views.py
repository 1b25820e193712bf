"""The organizers' badge pages: print all or some badges (in the background, with progress), sizes, back text."""
from __future__ import annotations

import dataclasses
import hashlib
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from lsi_assembly.auth.models import Role
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.badges.forms import InfoForm, LogoForm, PresetForm, PreviewForm, PrintForm
from lsi_assembly.badges.logo import LogoRefused, check_logo
from lsi_assembly.badges.preview import preview_png
from lsi_assembly.badges.layout import PRESETS, Preset, metrics
from lsi_assembly.badges.models import BadgePreset, BadgePrint
from lsi_assembly.badges.printing import print_and_log
from lsi_assembly.badges.services import BadgeFilter, badges_for, presets, select_for_print
from lsi_assembly.core.event_scope import get_in_event_or_404, load_event
from lsi_assembly.core.i18n import current_language
from lsi_assembly.core.jobs import job_work, new_job, recent_jobs, start_job
from lsi_assembly.events.models import Event
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.registration.models import Participant, Status

#: Bytes read from an upload at most: one more than the limit tells a file that is too large.
MAX_UPLOAD = 1024 * 1024

bp = Blueprint("manage_badges", __name__, url_prefix="/manage/badges")
guard_blueprint(bp)
load_event(bp, current_event)


def _print_form(event: Event, **kwargs) -> PrintForm:
    organizations = db.session.scalars(sa.select(Organization).where(Organization.event_id == event.id)
                                       .order_by(Organization.name))
    return PrintForm(presets=presets(event), organizations=list(organizations), days=event.days, **kwargs)


def _page(event: Event, print_form=None, preset_form=None, info_form=None, logo_form=None, status=200):
    confirmed = db.session.scalar(sa.select(sa.func.count()).select_from(Participant).where(
        Participant.event_id == event.id, Participant.status == Status.CONFIRMED))
    printed = db.session.scalar(sa.select(sa.func.count(sa.distinct(BadgePrint.participant_id))).join(
        Participant, BadgePrint.participant_id == Participant.id).where(
        Participant.event_id == event.id, Participant.status == Status.CONFIRMED))
    custom = db.session.scalars(sa.select(BadgePreset).where(BadgePreset.event_id == event.id)
                                .order_by(BadgePreset.name))
    recent = recent_jobs("badges")
    sizes = presets(event)
    preview_form = PreviewForm(request.args, presets=sizes)
    chosen = preview_form.preview.data if preview_form.preview.data in sizes else "a6"
    preview_form.preview.data = chosen
    return render_template(
        "badges/index.html", event=event, confirmed=confirmed, printed=printed, custom=list(custom),
        builtin=PRESETS, recent=recent, unprintable=names_the_font_lacks(event),
        print_form=print_form or _print_form(event, formdata=None),
        preset_form=preset_form or PresetForm(formdata=None),
        info_form=info_form or InfoForm(obj=event, formdata=None),
        logo_form=logo_form or LogoForm(formdata=None), preview_form=preview_form, preview_size=sizes[chosen],
        preview_url=url_for("manage_badges.preview", preset=chosen, v=_logo_version(event))), status


def _logo_version(event: Event) -> str:
    """Changes with the logo and the event's name, so that browsers fetch a new preview."""
    return hashlib.sha256((event.name + "|").encode() + (event.badge_logo or b"")).hexdigest()[:12]


def names_the_font_lacks(event: Event) -> list[Participant]:
    """Confirmed participants whose badge would show letters the shipped font has no glyph for."""
    font = metrics()
    people = db.session.scalars(sa.select(Participant).where(
        Participant.event_id == event.id, Participant.status == Status.CONFIRMED)
        .options(selectinload(Participant.organization)).order_by(Participant.sort_name))
    return [p for p in people if not font.covers(" ".join(filter(None, (
        p.badge_name, p.full_name, p.badge_organization))))]


@bp.get("/")
@allow(Role.ORGANIZER)
def index():
    """Print badges: all, or by organization, category, day, not yet printed, changed since printed."""
    return _page(g.event)


@bp.post("/print")
@allow(Role.ORGANIZER)
def print_badges():
    """Start printing the chosen badges in the background; the job's page shows progress."""
    event = g.event
    form = _print_form(event)
    if not form.validate_on_submit():
        return _page(event, print_form=form, status=422)
    wanted = BadgeFilter(organization_id=form.organization_id.data, category=form.category.data or None,
                         day_id=form.day_id.data, not_printed=form.not_printed.data, changed=form.changed.data)
    # "Changed since printed" needs each badge's content: count exactly, so that no empty run starts.
    count = len(badges_for(event, wanted, current_language()) if wanted.changed else select_for_print(event, wanted))
    db.session.commit()  # codes issued while counting
    if count == 0:
        flash(_("No badge changed since it was printed: nothing to print.") if wanted.changed else
              _("No confirmed participant matches these choices: nothing to print."), "error")
        return redirect(url_for("manage_badges.index"))
    options = {"event_id": event.id, "wanted": dataclasses.asdict(wanted), "preset": form.preset.data,
               "back": form.back.data, "crop_marks": form.crop_marks.data, "locale": current_language(),
               "user_id": current_user.id, "actor": current_user.email}
    job = new_job("badges", count, current_user.id, **options)
    db.session.commit()  # before the job starts: the worker reads the committed row
    start_job(job)
    return redirect(url_for("manage.job", job_id=job.id))


@job_work("badges")
def _work(progress, *, event_id: int, wanted: dict, preset: str, back: bool, crop_marks: bool,
          locale: str, user_id: int, actor: str) -> tuple[bytes, str, str]:
    """The job: print the badges and log the prints (runs in the worker)."""
    event = db.session.get(Event, event_id)
    wanted, preset = BadgeFilter(**wanted), presets(event)[preset]
    with force_locale(locale):
        pdf, count = print_and_log(event, wanted, preset, with_back=back, crop_marks=crop_marks, locale=locale,
                                   actor=actor, user_id=user_id, progress=progress,
                                   codes_issued=db.session.commit)  # a job of its own: it commits as it goes
        message = ngettext("%(num)d badge", "%(num)d badges", count)
    return pdf, f"badges-{date.today():%Y-%m-%d}-{preset.name}.pdf", message


@bp.post("/presets")
@allow(Role.ORGANIZER)
def add_preset():
    """Add a badge size of the organizers' own."""
    event = g.event
    form = PresetForm()
    valid = form.validate_on_submit()
    if valid and form.name.data in presets(event):
        form.name.errors = [_("There is already a badge size with this name.")]
        valid = False
    if valid:
        values = {name: float(getattr(form, name).data or 0) for name in
                  ("badge_width", "badge_height", "page_width", "page_height", "gap_x", "gap_y")}
        preset = Preset(form.name.data, form.name.data, columns=form.columns.data, rows=form.rows.data, **values)
        problems = preset.problems()
        if problems:
            form.badge_width.errors = [_("These badges do not fit on the page: make the page larger, the badges "
                                         "smaller, or use fewer of them.")]
            valid = False
    if not valid:
        return _page(event, preset_form=form, status=422)
    db.session.add(BadgePreset(event_id=event.id, name=form.name.data, columns=form.columns.data,
                               rows=form.rows.data, **values))
    db.session.commit()
    flash(_("The badge size is added."), "success")
    return redirect(url_for("manage_badges.index"))


@bp.post("/presets/<int:preset_id>/delete")
@allow(Role.ORGANIZER)
def delete_preset(preset_id: int):
    """Remove a badge size of the organizers' own."""
    preset = get_in_event_or_404(BadgePreset, preset_id)
    db.session.delete(preset)
    db.session.commit()
    flash(_("Removed."), "success")
    return redirect(url_for("manage_badges.index"))


@bp.post("/info")
@allow(Role.ORGANIZER)
def save_info():
    """Save the practical information printed on the back of badges."""
    event = g.event
    form = InfoForm()
    if not form.validate_on_submit():
        return _page(event, info_form=form, status=422)
    event.badge_info = form.badge_info.data or None
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("manage_badges.index"))


@bp.get("/preview/<preset>.png")
@allow(Role.ORGANIZER)
def preview(preset: str):
    """A badge of this size, as it prints (a sample person), as a PNG image."""
    event = g.event
    sizes = presets(event)
    if preset not in sizes:
        return Response(status=404)
    png = preview_png(event, sizes[preset], current_language())
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.post("/logo")
@allow(Role.ORGANIZER)
def upload_logo():
    """Put the organizers' logo on the badges (PNG or SVG, checked by content)."""
    event = g.event
    form = LogoForm()
    if form.validate_on_submit():
        try:
            logo = check_logo(form.logo.data.read(MAX_UPLOAD + 1))
        except LogoRefused as refused:
            form.logo.errors = [str(refused)]
        else:
            event.badge_logo, event.badge_logo_type = logo.data, logo.media_type
            db.session.commit()
            flash(_("The logo is on the badges: see the preview."), "success")
            return redirect(url_for("manage_badges.index") + "#logo-title")
    return _page(event, logo_form=form, status=422)


@bp.post("/logo/default")
@allow(Role.ORGANIZER)
def default_logo():
    """Go back to the default logo."""
    event = g.event
    event.badge_logo = event.badge_logo_type = None
    db.session.commit()
    flash(_("The badges show the default logo again."), "success")
    return redirect(url_for("manage_badges.index") + "#logo-title")

"""The organizers' pages for member organizations."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from lsi_assembly.auth.models import Role
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.core.audit import entries_for
from lsi_assembly.core.event_scope import get_in_event_or_404, load_event
from lsi_assembly.core.i18n import current_language
from lsi_assembly.core.links import external_url
from lsi_assembly.core.tabular import TableFileError
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.organizations.forms import MemberListForm, OrganizationForm
from lsi_assembly.organizations.models import Organization
from lsi_assembly.organizations.services import (
    apply_member_import,
    name_taken,
    plan_member_import,
    renew_invitation,
    revoke_invitation,
    update_organization,
)
from lsi_assembly.registration.queries import quota_overview
from lsi_assembly.registration.services import refill_quota, refill_quotas

bp = Blueprint("manage_organizations", __name__, url_prefix="/manage/organizations")
guard_blueprint(bp)
load_event(bp, current_event)

FIELDS = ("name", "country", "delegate_quota", "contact_name", "contact_email", "membership", "votes", "is_active")


@bp.get("/")
@allow(Role.ORGANIZER)
def index():
    """List organizations with their delegates against their quota."""
    event = g.event
    return render_template("organizations/index.html", event=event, rows=quota_overview(event, active_only=False))


@bp.route("/new", methods=["GET", "POST"])
@allow(Role.ORGANIZER)
def create():
    """Add a member organization."""
    event = g.event
    form = OrganizationForm(locale=current_language(), name_taken=lambda name: name_taken(event, name))
    if form.validate_on_submit():
        organization = Organization(event_id=event.id, **{name: getattr(form, name).data for name in FIELDS})
        db.session.add(organization)
        db.session.commit()
        flash(_("%(name)s is added.", name=organization.name), "success")
        return redirect(url_for("manage_organizations.edit", organization_id=organization.id))
    return render_template("organizations/edit.html", form=form, organization=None, event=event), (
        422 if form.errors else 200)


@bp.route("/<int:organization_id>", methods=["GET", "POST"])
@allow(Role.ORGANIZER)
def edit(organization_id: int):
    """Change an organization (a larger quota takes people off its waiting list), see its history."""
    organization = get_in_event_or_404(Organization, organization_id)
    event = organization.event
    form = OrganizationForm(obj=organization, locale=current_language(),
                            name_taken=lambda name: name_taken(event, name, excluding=organization.id))
    if form.validate_on_submit():
        update_organization(organization, {name: getattr(form, name).data for name in FIELDS})
        promoted = refill_quota(event, organization.id) if organization.is_active else []
        db.session.commit()
        flash(_("The organization is saved."), "success")
        if promoted:
            flash(ngettext("%(num)d delegate moved off the waiting list.",
                           "%(num)d delegates moved off the waiting list.", len(promoted)), "info")
        return redirect(url_for("manage_organizations.edit", organization_id=organization.id))
    invitation = (external_url("registration.register_form", invite=organization.invite_token)
                  if organization.invite_token else None)
    return render_template("organizations/edit.html", form=form, organization=organization, event=event,
                           invitation=invitation, history=entries_for("organization", organization.id)), (
        422 if form.errors else 200)


@bp.post("/<int:organization_id>/invitation")
@allow(Role.ORGANIZER)
def invitation(organization_id: int):
    """Create or replace the organization's invitation link, or switch it off."""
    organization = get_in_event_or_404(Organization, organization_id)
    if request.form.get("revoke"):
        revoke_invitation(organization)
        flash(_("The invitation link is switched off."), "success")
    else:
        renew_invitation(organization)
        flash(_("A new invitation link is ready; the previous one no longer works."), "success")
    db.session.commit()
    return redirect(url_for("manage_organizations.edit", organization_id=organization.id) + "#invitation")


@bp.route("/import", methods=["GET", "POST"])
@allow(Role.ORGANIZER)
def import_members():
    """Import the member list from a CSV file: all lines or none."""
    event = g.event
    form = MemberListForm()
    plan = None
    if form.validate_on_submit():
        try:
            plan = plan_member_import(event, form.file.data.read())
        except TableFileError as error:
            form.file.errors = [str(error)]
        else:
            if all(line.action != "reject" for line in plan):
                created, updated = apply_member_import(event, plan)
                refill_quotas(event)  # a larger quota gives places to the waiting list
                db.session.commit()
                flash(_("Member list imported: %(created)d added, %(updated)d updated.",
                        created=created, updated=updated), "success")
                return redirect(url_for("manage_organizations.index"))
            flash(_("Nothing was imported: please correct the lines below and upload the file again."), "error")
    return render_template("organizations/import.html", form=form, plan=plan, event=event), (
        422 if form.errors or plan else 200)

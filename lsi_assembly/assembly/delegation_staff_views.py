"""The organizers' pages for the delegations: every member's mandate and proxy, and its focal point's link."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lsi_assembly.assembly.delegation import (
    apply_mandate,
    apply_proxy,
    delegation,
    delegation_rows,
    pdf_locale,
    proxy_form_pdf,
    revoke_delegation_link,
    send_delegation_link,
    send_delegation_links,
    take_back_proxy,
    withdraw_mandate,
)
from lsi_assembly.assembly.forms import MandateForm, ProxyForm
from lsi_assembly.assembly.services import AssemblyError
from lsi_assembly.auth.models import Role
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.core.event_scope import get_in_event_or_404, load_event
from lsi_assembly.core.i18n import current_language
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization

bp = Blueprint("manage_delegations", __name__, url_prefix="/manage/assembly/delegations")
guard_blueprint(bp)
load_event(bp, current_event)


def _actions(organization_id: int) -> dict[str, str]:
    return {name: url_for(f"manage_delegations.{name}", organization_id=organization_id)
            for name in ("mandate", "remove_mandate", "proxy", "revoke_proxy", "proxy_pdf", "send_link",
                                                                   "revoke_link")}


def _page(organization: Organization, status: int = 200, **forms):
    shown = delegation(organization, **forms)
    return render_template("assembly/delegation_manage.html", page=shown, actions=_actions(organization.id),
                           staff=True, event=g.event), status


def _back(organization: Organization, anchor: str = ""):
    return redirect(url_for("manage_delegations.organization", organization_id=organization.id) + anchor)


@bp.get("/")
@allow(Role.ORGANIZER)
def index():
    """Every member's delegates, mandate, proxies and link, with what is missing marked."""
    return render_template("assembly/delegations.html", event=g.event, rows=delegation_rows(g.event))


@bp.post("/send-all")
@allow(Role.ORGANIZER)
def send_all():
    """E-mail a new delegation link to every active full member's focal point."""
    sent, skipped = send_delegation_links(g.event)
    db.session.commit()
    flash(_("Delegation links sent: %(sent)d; skipped (no contact e-mail address): %(skipped)d.",
            sent=sent, skipped=skipped), "success" if not skipped else "warning")
    return redirect(url_for("manage_delegations.index"))


@bp.get("/<int:organization_id>")
@allow(Role.ORGANIZER)
def organization(organization_id: int):
    """The member's delegation page, as its focal point sees it, with the organizers' buttons."""
    return _page(get_in_event_or_404(Organization, organization_id))


@bp.post("/<int:organization_id>/send-link")
@allow(Role.ORGANIZER)
def send_link(organization_id: int):
    """E-mail a new delegation link to the member's focal point (the links sent before stop working)."""
    organization = get_in_event_or_404(Organization, organization_id)
    if send_delegation_link(organization):
        db.session.commit()
        flash(_("The delegation link is sent to %(email)s; the links sent before no longer work.",
                email=organization.contact_email), "success")
    else:
        flash(_("%(organization)s has no contact e-mail address: add one to send the link.",
                organization=organization.name), "error")
    return _back(organization)


@bp.post("/<int:organization_id>/revoke-link")
@allow(Role.ORGANIZER)
def revoke_link(organization_id: int):
    """Stop the member's delegation link without sending a new one (the focal point left, or the link leaked)."""
    organization = get_in_event_or_404(Organization, organization_id)
    if revoke_delegation_link(organization):
        db.session.commit()
        flash(_("The delegation link no longer works; no new link was sent."), "success")
    else:
        flash(_("%(organization)s has no delegation link to revoke.", organization=organization.name), "warning")
    return _back(organization)


@bp.post("/<int:organization_id>/mandate")
@allow(Role.ORGANIZER)
def mandate(organization_id: int):
    """Name the member's voting delegate and alternate."""
    organization = get_in_event_or_404(Organization, organization_id)
    form = MandateForm(delegation(organization).delegates)
    if form.validate_on_submit() and apply_mandate(organization, form):
        db.session.commit()
        flash(_("The mandate is saved."), "success")
        return _back(organization, "#mandate")
    db.session.rollback()
    return _page(organization, 422, mandate_form=form)


@bp.post("/<int:organization_id>/mandate/remove")
@allow(Role.ORGANIZER)
def remove_mandate(organization_id: int):
    """Withdraw the member's mandate."""
    organization = get_in_event_or_404(Organization, organization_id)
    if withdraw_mandate(organization):
        db.session.commit()
        flash(_("The mandate is withdrawn."), "success")
    return _back(organization, "#mandate")


@bp.post("/<int:organization_id>/proxy")
@allow(Role.ORGANIZER)
def proxy(organization_id: int):
    """Give the member's vote to another full member."""
    organization = get_in_event_or_404(Organization, organization_id)
    form = ProxyForm(delegation(organization).holders)
    if form.validate_on_submit() and apply_proxy(organization, form):
        db.session.commit()
        flash(_("The proxy is given."), "success")
        return _back(organization, "#proxy")
    db.session.rollback()
    return _page(organization, 422, proxy_form=form)


@bp.post("/<int:organization_id>/proxy/revoke")
@allow(Role.ORGANIZER)
def revoke_proxy(organization_id: int):
    """Revoke the member's proxy (until the first session starts)."""
    organization = get_in_event_or_404(Organization, organization_id)
    try:
        take_back_proxy(organization)
    except AssemblyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The proxy is revoked."), "success")
    return _back(organization, "#proxy")


@bp.get("/<int:organization_id>/proxy.pdf")
@allow(Role.ORGANIZER)
def proxy_pdf(organization_id: int):
    """The member's proxy form to be signed by its board (blank holder line when no proxy is given)."""
    organization = get_in_event_or_404(Organization, organization_id)
    if not organization.is_full_member:
        abort(404)
    pdf = proxy_form_pdf(organization, pdf_locale(request.args.get("lang"), current_language()))
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="proxy-form.pdf"'})

"""The focal point's delegation page, through the signed link the organizers e-mail (no account)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lsi_assembly.assembly.delegation import (
    FOCAL_POINT,
    apply_mandate,
    apply_proxy,
    delegation,
    organization_from_token,
    pdf_locale,
    proxy_form_pdf,
    take_back_proxy,
    withdraw_mandate,
)
from lsi_assembly.assembly.forms import MandateForm, ProxyForm
from lsi_assembly.assembly.services import AssemblyError
from lsi_assembly.core.i18n import current_language
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization

bp = Blueprint("delegation", __name__, url_prefix="/delegation")


def _organization(token: str) -> Organization:
    """The member the link names (404 when forged or replaced by a newer link: no hint which)."""
    organization = organization_from_token(token)
    if organization is None:
        abort(make_response(render_template(
            "errors/error.html", code=404, title=_("This delegation link does not work"),
            message=_("The link is incomplete, or the organizers have sent a newer one since: please use the "
                      "link in their latest e-mail, or ask them to send it again.")), 404))
    g.audit_actor = FOCAL_POINT  # the audit log names the focal point, not "participant"
    return organization


def _actions(token: str) -> dict[str, str]:
    return {name: url_for(f"delegation.{name}", token=token)
            for name in ("mandate", "remove_mandate", "proxy", "revoke_proxy", "proxy_pdf")}


def _page(token: str, organization: Organization, status: int = 200, **forms):
    shown = delegation(organization, **forms)
    return render_template("assembly/delegation.html", page=shown, actions=_actions(token), staff=False), status


def _back(token: str, anchor: str):
    return redirect(url_for("delegation.page", token=token) + anchor)


@bp.get("/<token>")
def page(token: str):
    """Show the member's registrations, waiting list, mandate and proxy."""
    return _page(token, _organization(token))


@bp.post("/<token>/mandate")
def mandate(token: str):
    """Name the voting delegate and the alternate."""
    organization = _organization(token)
    form = MandateForm(delegation(organization).delegates)
    if form.validate_on_submit() and apply_mandate(organization, form):
        db.session.commit()
        flash(_("The mandate is saved."), "success")
        return _back(token, "#mandate")
    db.session.rollback()
    return _page(token, organization, 422, mandate_form=form)


@bp.post("/<token>/mandate/remove")
def remove_mandate(token: str):
    """Withdraw the mandate."""
    organization = _organization(token)
    if withdraw_mandate(organization):
        db.session.commit()
        flash(_("The mandate is withdrawn."), "success")
    return _back(token, "#mandate")


@bp.post("/<token>/proxy")
def proxy(token: str):
    """Give the member's vote to another full member."""
    organization = _organization(token)
    form = ProxyForm(delegation(organization).holders)
    if form.validate_on_submit() and apply_proxy(organization, form):
        db.session.commit()
        flash(_("The proxy is given. Download the proxy form, have it signed by your board and bring it."),
              "success")
        return _back(token, "#proxy")
    db.session.rollback()
    return _page(token, organization, 422, proxy_form=form)


@bp.post("/<token>/proxy/revoke")
def revoke_proxy(token: str):
    """Revoke the proxy given (until the first session starts)."""
    organization = _organization(token)
    try:
        take_back_proxy(organization)
    except AssemblyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The proxy is revoked: your member votes itself again."), "success")
    return _back(token, "#proxy")


@bp.get("/<token>/proxy.pdf")
def proxy_pdf(token: str):
    """The proxy form to be signed by the member's board (blank holder line when no proxy is given)."""
    organization = _organization(token)
    if not organization.is_full_member:
        abort(404)
    pdf = proxy_form_pdf(organization, pdf_locale(request.args.get("lang"), current_language()))
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="proxy-form.pdf"'})

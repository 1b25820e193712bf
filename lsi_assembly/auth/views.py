"""Sign in and out, and reset a forgotten password."""
from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from lsi_assembly.auth.forms import LoginForm, NewPasswordForm, ResetRequestForm
from lsi_assembly.auth.models import Role
from lsi_assembly.auth.services import (
    LOCK_DURATION,
    MAX_FAILED_LOGINS,
    MAX_RESET_MAILS_PER_HOUR,
    authenticate,
    end_session,
    request_password_reset,
    reset_password,
    start_session,
    user_from_reset_token,
)
from lsi_assembly.core.i18n import current_language, safe_next
from lsi_assembly.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _landing_page(user) -> str:
    """Where a role starts: the back office for organizers and admins, the home page for the desk."""
    return url_for("manage.index") if user.role in (Role.ADMIN, Role.ORGANIZER) else url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    """Sign a staff member in."""
    if current_user.is_authenticated:
        return redirect(_landing_page(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data, request.remote_addr or "")
        if user is None:
            # One answer for every failure, so it never tells whether an address has an account.
            flash(_("The e-mail address or the password is incorrect. After %(max)d failed attempts, this "
                    "connection cannot sign in to the account for %(minutes)d minutes; you can also reset "
                    "your password.", max=MAX_FAILED_LOGINS, minutes=LOCK_DURATION.seconds // 60), "error")
        else:
            start_session(user, remember=form.remember.data)
        db.session.commit()
        if user is not None:
            login_user(user, remember=form.remember.data)
            flash(_("You are signed in."), "success")
            return redirect(safe_next(request.args.get("next")) if request.args.get("next")
                            else _landing_page(user))
    return render_template("auth/login.html", form=form), 422 if request.method == "POST" else 200


@bp.post("/logout")
def logout():
    """Sign out (a POST, so that no link or image can sign someone out) and end the session on the server."""
    if current_user.is_authenticated:
        end_session(current_user.session_key)
        db.session.commit()
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("main.index"))


@bp.route("/login/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"], methods=["POST"])
def reset_request():
    """E-mail a password-reset link to a staff account (the answer is the same for any address)."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data, current_language())
        db.session.commit()
        flash(_("If an active staff account has this address, a reset link is on its way. "
                "It is valid for one hour."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form, max_mails=MAX_RESET_MAILS_PER_HOUR), \
        422 if form.errors else 200


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
def reset_password_form(token: str):
    """Set a new password with a valid reset link."""
    user = user_from_reset_token(token)
    if user is None:
        flash(_("This reset link is invalid, used or expired. Please ask for a new one."), "error")
        return redirect(url_for("auth.reset_request"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        g.audit_actor = user.email  # the account's owner, through the e-mailed link
        reset_password(user, form.password.data, request.remote_addr or "")
        db.session.commit()
        flash(_("Your password is changed. Please sign in."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, token=token), 422 if form.errors else 200

"""Sign in and out."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from lsi_assembly.auth import bp
from lsi_assembly.auth.forms import LoginForm
from lsi_assembly.auth.services import authenticate
from lsi_assembly.core.i18n import safe_next
from lsi_assembly.extensions import db


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign a staff member in."""
    if current_user.is_authenticated:
        return redirect(url_for("manage.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) if request.args.get("next")
                            else url_for("manage.index"))
        flash(_("The e-mail address or the password is incorrect."), "error")
    return render_template("auth/login.html", form=form), 422 if request.method == "POST" else 200


@bp.post("/logout")
def logout():
    """Sign out (a POST, so that no link or image can sign someone out)."""
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("main.index"))

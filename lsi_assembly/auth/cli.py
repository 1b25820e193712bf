"""``flask users ...``: staff accounts from the command line (passwords never as arguments)."""
from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from email_validator import EmailNotValidError
from flask.cli import AppGroup

from lsi_assembly.auth.models import Role, User
from lsi_assembly.auth.services import MIN_PASSWORD_LENGTH, create_user, find_user
from lsi_assembly.core.forms import normalize_email
from lsi_assembly.core.text import forbidden_characters, name_problem, normalize_text
from lsi_assembly.extensions import db

users_cli = AppGroup("users", help="Manage staff accounts (admin, organizer, desk).")


def _read_password() -> str:
    """Prompt twice on a terminal; read one line from standard input otherwise."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True, help="What the account may do.")
@click.option("--name", default=None, help="The person's name, shown in the audit log.")
def create_command(email: str, role: str, name: str | None) -> None:
    """Create a staff account; the password is read from a prompt or standard input."""
    try:
        email = normalize_email(email)
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from None
    name = normalize_text(name)
    if name and forbidden_characters(name):
        raise click.BadParameter("contains control characters", param_hint="--name")
    if problem := name_problem(name):
        raise click.BadParameter(str(problem), param_hint="--name")
    if find_user(email) is not None:
        raise click.ClickException(f"an account for {email} already exists")
    password = _read_password()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    create_user(email, password, Role(role), name=name)
    db.session.commit()
    click.echo(f"created {role} account {email}")


@users_cli.command("list")
def list_command() -> None:
    """List staff accounts with their role and state."""
    for user in db.session.scalars(sa.select(User).order_by(User.email)):
        state = "active" if user.active else "disabled"
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "never"
        click.echo(f"{user.email:40} {user.role:10} {state:9} last sign-in: {last}")


@users_cli.command("disable")
@click.argument("email")
def disable_command(email: str) -> None:
    """Disable an account: it can no longer sign in; its history stays."""
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no account for {email}")
    user.active = False
    db.session.commit()
    click.echo(f"disabled {user.email}")

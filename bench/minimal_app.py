"""The ceiling of a write on this stack (issue 18): the least a registration-like form can cost here.

Flask, a Flask-WTF form with its CSRF token rendered by Jinja, one INSERT, a commit, a redirect:
the same libraries, server and database as the Assembly, and nothing of its own. ``bench/soak.py``
serves it with gunicorn beside the app and times ``GET /`` + ``POST /`` with the same clients, so
that "registrations per second" has a ceiling measured in the same run on the same machine.

    MINIMAL_DATABASE_URL=postgresql://... SECRET_KEY=... gunicorn 'minimal_app:app' --chdir bench

Not part of the application; never imported by it.
"""
from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, redirect, render_template_string, url_for
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import FlaskForm
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Length

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Minimal form</title></head><body>
<main><h1>Minimal form</h1>
<form method="post" action="{{ url_for('form') }}" novalidate>
  {{ form.csrf_token }}
  <p>{{ form.name.label }} {{ form.name(autocomplete="name") }}</p>
  {% for error in form.name.errors %}<p class="error">{{ error }}</p>{% endfor %}
  <p>{{ form.email.label }} {{ form.email(autocomplete="email") }}</p>
  {% for error in form.email.errors %}<p class="error">{{ error }}</p>{% endfor %}
  <button type="submit">Send</button>
</form></main></body></html>"""


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Entry(db.Model):
    __tablename__ = "minimal_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))


class EntryForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY=os.environ["SECRET_KEY"],
                      SQLALCHEMY_DATABASE_URI=os.environ["MINIMAL_DATABASE_URL"].replace(
                          "postgresql://", "postgresql+psycopg://", 1),
                      SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True})
    db.init_app(app)

    @app.route("/", methods=["GET", "POST"])
    def form():
        form = EntryForm()
        if form.validate_on_submit():
            db.session.add(Entry(name=form.name.data, email=form.email.data))
            db.session.commit()
            return redirect(url_for("done"))
        return render_template_string(PAGE, form=form), 422 if form.errors else 200

    @app.get("/done")
    def done():
        return "Thank you."

    @app.get("/health")
    def health():
        return "ok"

    return app


def create_table(url: str) -> None:
    """Create the table (the soak's database; dropped with it)."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    Base.metadata.create_all(engine)
    engine.dispose()


app = create_app() if "MINIMAL_DATABASE_URL" in os.environ else None

"""The application factory: configuration, extensions, blueprints, commands, error pages."""
from __future__ import annotations

import io
import logging

import sqlalchemy as sa
from flask import Flask, Request, current_app, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import BASE_DIR, Config, config_from_env
# accommodation (issue 17): hotels, room requests, the rooming proposal
from lsi_assembly.accommodation import staff_views as accommodation_staff_views
from lsi_assembly.accommodation import views as accommodation_views
from lsi_assembly.assembly import cards_views as assembly_cards_views
from lsi_assembly.assembly import delegation_staff_views, delegation_views
from lsi_assembly.assembly import door_views as assembly_door_views
from lsi_assembly.assembly import staff_views as assembly_staff_views
from lsi_assembly.assembly.cli import assembly_cli
from lsi_assembly.auth import views as auth_views
from lsi_assembly.auth.cli import users_cli
from lsi_assembly.auth.models import Role
from lsi_assembly.auth.services import keep_staff_flashes, restore_staff_flashes, user_for_session
from lsi_assembly.backups.cli import backup_command, restore_command
from lsi_assembly.badges import views as badges_views
from lsi_assembly.badges.cli import badges_cli
from lsi_assembly.checkin import views as checkin_views
from lsi_assembly.core import crypto, mail, queue
from lsi_assembly.core import views as core_views
from lsi_assembly.core.audit import ACTOR_LABELS, field_label, shown_value
from lsi_assembly.core.countries import country_name
from lsi_assembly.core.database import render_migration_item
from lsi_assembly.core.dates import install_filters
from lsi_assembly.core.forms import MAX_DATABASE_ID
from lsi_assembly.core.i18n import current_language, language_choices, select_locale
from lsi_assembly.core.localized import install_filter as install_localized_filter
from lsi_assembly.core.locking import Busy, is_busy, is_unavailable
from lsi_assembly.core.log_privacy import PATH_LOGGERS, install_token_filter, token_prefixes
from lsi_assembly.demo.seed import seed_demo_command
from lsi_assembly.documents.cli import documents_cli
from lsi_assembly.documents import staff_views as documents_staff_views
from lsi_assembly.documents import views as documents_views
from lsi_assembly.extensions import babel, csrf, db, limiter, login_manager, migrate
from lsi_assembly.lists import shared_views as shared_list_views
from lsi_assembly.lists import views as lists_views
from lsi_assembly.lists.cli import lists_cli
from lsi_assembly.main import views as main_views
from lsi_assembly.manage import views as manage_views
from lsi_assembly.organizations import views as organizations_views
from lsi_assembly.privacy import staff_views as privacy_staff_views
from lsi_assembly.privacy import views as privacy_views
from lsi_assembly.privacy.cli import privacy_cli
from lsi_assembly.privacy.consent import accepted_version
from lsi_assembly.privacy.settings import notice_version
from lsi_assembly.public import desk_views as public_desk_views
from lsi_assembly.public import staff_views as public_staff_views
from lsi_assembly.public import views as public_views
from lsi_assembly.organizations.cli import organizations_cli
from lsi_assembly.organizations.models import Membership
from lsi_assembly.public.cli import public_cli
from lsi_assembly.public.models import AttendeeStatus
from lsi_assembly.registration import staff_views as registration_staff_views
from lsi_assembly.registration import views as registration_views
from lsi_assembly.registration.cli import participants_cli
from lsi_assembly.registration.models import Category, Decision, Diet, Status
# visa invitation letters (issue 17): the personal pages, /manage/visa-letters, `documents render visa-letters`
from lsi_assembly.visas import cli as visas_cli  # noqa: F401  (adds its command to `flask documents render`)
from lsi_assembly.visas import staff_views as visas_staff_views
from lsi_assembly.visas import views as visas_views
# travel support (issue 17): the personal pages and the organizers' pages
from lsi_assembly.travel import staff_views as travel_staff_views
from lsi_assembly.travel import views as travel_views
from lsi_assembly.workshops import assignment_views
from lsi_assembly.workshops import views as workshops_views
from lsi_assembly.workshops import staff_views as workshops_staff_views

#: Every blueprint, by audience. Public: anyone. Staff: /manage (organizers) and /desk (the check-in desk),
#: each view declaring its roles (auth.permissions). Each blueprint is ``bp`` in its views module.
BLUEPRINTS = (
    # public pages
    main_views.bp,                       # main: home page, privacy notice, health check
    core_views.bp,                       # i18n: the language switch
    registration_views.bp,               # registration: the form and the personal link
    workshops_views.bp,                  # workshops: the programme, a participant's ranking and calendar
    shared_list_views.bp,                # shared_list: the participant list, from the personal link
    public_views.bp,                     # public: the public event's registration and tickets
    documents_views.bp,                  # documents: /verify and the personal certificate download
    delegation_views.bp,                 # delegation: a member's delegation page, from its focal point's link
    privacy_views.bp,                    # privacy: download or delete my data, the notice's new version
    travel_views.bp,                     # travel: travel support from the personal link (apply, claim)
    auth_views.bp,                       # auth: staff sign-in
    accommodation_views.bp,              # accommodation: the room request, from the personal link (issue 17)
    # organizers, under /manage
    manage_views.bp,                     # manage: dashboard, audit log, accounts, jobs
    registration_staff_views.bp,         # manage_registrations
    organizations_views.bp,              # manage_organizations
    workshops_staff_views.bp,            # manage_programme
    assignment_views.bp,                 # manage_assignment
    badges_views.bp,                     # manage_badges
    lists_views.bp,                      # manage_lists
    public_staff_views.bp,               # manage_public
    documents_staff_views.bp,            # manage_documents: certificates in bulk
    assembly_staff_views.bp,             # manage_assembly: sessions, live quorum, projector, quorum and votes
    assembly_cards_views.bp,             # manage_voting_cards: the General Assembly's voting cards
    delegation_staff_views.bp,           # manage_delegations: mandates, proxies and focal points' links
    privacy_staff_views.bp,              # manage_privacy: retention schedule, notice settings, erase and export
    visas_views.bp,                      # visas: asking for a visa letter from the personal link (issue 17)
    visas_staff_views.bp,                # manage_visas: visa letters' requests and letterhead (issue 17)
    travel_staff_views.bp,               # manage_travel: travel support requests, decisions, payments, budget
    accommodation_staff_views.bp,        # manage_accommodation: hotels, blocks, proposal, publication (issue 17)
    # the desk, under /desk
    checkin_views.bp,                    # desk: the delegates' check-in
    public_desk_views.bp,                # desk_public: the public event's entry
    assembly_door_views.bp,              # desk_assembly: the hall's door of a statutory session
)

def create_app(config: Config | None = None) -> Flask:
    """Build the application from ``config`` (default: the environment, see config.py)."""
    config = config or config_from_env()
    config.validate()
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(BASE_DIR / "instance"),
    )
    app.request_class = FormLimitedRequest
    app.config.from_object(config)
    app.config["ENV_NAME"] = config.ENV_NAME
    # Bound values (names, notes) never reach a log or an error's text, whatever engine options are given.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
                                               "hide_parameters": True}
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        (BASE_DIR / "instance").mkdir(exist_ok=True)  # the default database lives there
    _configure_logging(app)

    db.init_app(app)
    crypto.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True,
                     render_item=render_migration_item, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    if app.config["TRUSTED_PROXY_COUNT"]:
        count = app.config["TRUSTED_PROXY_COUNT"]
        # Not X-Forwarded-Host: links are built on BASE_URL, and a forged host must not change them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"

    # Ids in URLs fit the database's integer: a longer number is a 404, not an overflow in the driver.
    app.url_map.converters["int"] = DatabaseId
    _register_blueprints(app)
    # The task queue (issue 18): Huey from QUEUE_URL, `flask worker`, and the periodic work it runs.
    queue.init_app(app)
    import lsi_assembly.periodic  # noqa: F401, PLC0415 - declares the periodic tasks on the queue
    mail.init_app(app)
    _register_template_helpers(app)
    _register_error_handlers(app)
    app.after_request(_security_headers)
    # Flashed messages may name a participant: for staff they wait on the server, not in the cookie.
    app.before_request(restore_staff_flashes)
    app.after_request(_keep_staff_flashes)
    _register_commands(app)
    # After the blueprints: the personal links' token segments are hidden in the logs (core.log_privacy).
    install_token_filter(token_prefixes(rule.rule for rule in app.url_map.iter_rules()),
                         (app.logger.name, *PATH_LOGGERS))
    return app


def _configure_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("lsi_assembly").setLevel(logging.INFO)


class DatabaseId(IntegerConverter):
    """``<int:...>`` in URLs: at most MAX_DATABASE_ID, the largest id of an INTEGER column (as in forms)."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(map, *args, **kwargs)


class FormPartsParser(FormDataParser):
    """Werkzeug's parser, with MAX_FORM_PARTS applied to url-encoded bodies too (Werkzeug counts only
    multipart parts): 200,000 fields within MAX_CONTENT_LENGTH are a 413 before any form is built."""

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        body = stream.read()
        if self.max_form_parts is not None and body.count(b"&") >= self.max_form_parts:
            raise RequestEntityTooLarge()
        return super()._parse_urlencoded(io.BytesIO(body), mimetype, content_length, options)


class FormLimitedRequest(Request):
    """The app's request: form bodies limited in size (MAX_CONTENT_LENGTH) and in fields (MAX_FORM_PARTS).

    A view that takes file uploads declares its own body limit as ``view.upload_limit`` (bytes), e.g. the
    travel support claim with its receipts; every other form keeps MAX_CONTENT_LENGTH.
    """

    form_data_parser_class = FormPartsParser

    @property
    def max_content_length(self) -> int | None:
        rule = self.url_rule
        view = current_app.view_functions.get(rule.endpoint) if rule is not None else None
        limit = getattr(view, "upload_limit", None)
        return limit if limit is not None else Request.max_content_length.fget(self)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        Request.max_content_length.fset(self, value)


def _register_blueprints(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

    # The id in the session and "keep me signed in" cookies is the key of a server-side sign-in
    # (auth.models.StaffSession): signing out or a new password deletes it, and the cookies stop working.
    login_manager.user_loader(user_for_session)


def _timezone() -> str | None:
    """Show times in the time zone of the request's event, else in BABEL_DEFAULT_TIMEZONE."""
    event = g.get("event")
    return event.timezone if event is not None else None


def _register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(
        language_choices=language_choices,
        current_language=current_language,
        # The enums whose members carry their labels: ``Status.label_of(participant.status)``.
        Category=Category,
        Decision=Decision,
        Diet=Diet,
        Status=Status,
        Membership=Membership,
        Role=Role,
        AttendeeStatus=AttendeeStatus,
        actor_labels=ACTOR_LABELS,
        audit_field_label=field_label,
        audit_value=shown_value,
        notice_version=notice_version,
        accepted_notice_version=accepted_version,
    )
    # Dates the European way ("24 June 2027", 18:30) in the event's time zone: core.dates.
    install_filters(app.jinja_env)
    app.jinja_env.filters["country_name"] = lambda code: country_name(code, current_language())
    # The organizers' texts (event name, day labels, titles) in the current language, else the other.
    install_localized_filter(app.jinja_env)


def _security_headers(response):
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Personal links carry a token in the path: never leak it in a Referer header.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path.startswith(("/registration/", "/manage", "/login", "/desk", "/public", "/delegation/")):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


ERROR_PAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    403: (_l("Not allowed"), _l("Your account is not allowed to see this page.")),
    404: (_l("Page not found"), _l("There is nothing at this address. If you followed a link, it may be incomplete.")),
    405: (_l("Not allowed"), _l("This page cannot be used this way.")),
    410: (_l("This link has expired"), _l("For your privacy, personal links are valid for a limited time. Ask for a new one: we will send it to the e-mail address you registered with.")),
    413: (_l("Too much data"), _l("What you sent is too large. Please shorten it and try again.")),
    429: (_l("Too many attempts"), _l("This form was sent many times from your connection in a short while. Nothing was saved. Please wait a few minutes, then try again.")),
    500: (_l("Something went wrong"), _l("Nothing was saved. Please try again in a moment; if it happens again, write to the organizers.")),
    503: (_l("Busy, please try again"), _l("Other people are changing the same registrations at this moment, so nothing was saved. Please wait a few seconds and try again.")),
}
#: The database does not answer (restarting, down): a 503 of its own, for people and load balancers.
UNAVAILABLE_PAGE = (_l("Unavailable for a moment"), _l("The service cannot reach its database at this moment, so nothing was saved. Please try again in a few seconds."))


def _register_error_handlers(app: Flask) -> None:
    def handler(error):
        code = getattr(error, "code", 500) or 500
        if code >= 500:
            db.session.rollback()
        title, message = ERROR_PAGES.get(code, ERROR_PAGES[500])
        return render_template("errors/error.html", code=code, title=title, message=message), code

    for code in ERROR_PAGES:
        app.register_error_handler(code, handler)

    def busy(error):
        """Rows stayed locked too long (``core/locking.py``): 503 "busy, please try again", never a 500."""
        if is_busy(error):
            title, message = ERROR_PAGES[503]
            retry = max(1, round(current_app.config["LOCK_TIMEOUT_SECONDS"]))
        elif is_unavailable(error):
            title, message = UNAVAILABLE_PAGE
            retry = 5
            current_app.logger.warning("the database does not answer (%s): 503", type(error.orig).__name__)
        else:
            raise error
        try:
            db.session.rollback()
        except sa.exc.DBAPIError:  # the connection is gone: the session is reset when the request ends
            pass
        response = current_app.make_response((render_template("errors/error.html", code=503, title=title,
                                                              message=message), 503))
        response.headers["Retry-After"] = str(retry)
        return response

    app.register_error_handler(Busy, busy)
    app.register_error_handler(sa.exc.DBAPIError, busy)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        db.session.rollback()
        return render_template(
            "errors/error.html", code=400, title=_l("The form expired"),
            message=_l("For your security, forms are valid only in the browser session that opened them. "
                       "Please go back, reload the page and submit the form again."),
        ), 400


def _keep_staff_flashes(response):
    """After a staff request: keep its flashed messages on the server, and commit that (the view has
    committed its own work already)."""
    if keep_staff_flashes():
        db.session.commit()
    return response


def _register_commands(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(participants_cli)
    app.cli.add_command(organizations_cli)
    app.cli.add_command(assembly_cli)
    app.cli.add_command(badges_cli)
    app.cli.add_command(lists_cli)
    app.cli.add_command(public_cli)
    app.cli.add_command(documents_cli)
    app.cli.add_command(privacy_cli)
    # Operations (issue 18): database backups and their restore into an empty database
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)

"""Registration: the public form and personal link, and the organizers' list of registrations."""
from flask import Blueprint

from lsi_assembly.core.permissions import guard_blueprint

#: Public pages: the form, its confirmation and the personal link.
bp = Blueprint("registration", __name__)
#: The organizers' pages, under /manage/registrations.
staff_bp = Blueprint("registrations", __name__, url_prefix="/manage/registrations")
guard_blueprint(staff_bp)

from lsi_assembly.registration import staff_views, views  # noqa: E402,F401  (routes register on the blueprints)

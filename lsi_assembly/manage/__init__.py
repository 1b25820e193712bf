"""The organizers' back office."""
from flask import Blueprint

from lsi_assembly.core.permissions import guard_blueprint

bp = Blueprint("manage", __name__, url_prefix="/manage")
guard_blueprint(bp)

from lsi_assembly.manage import views  # noqa: E402,F401  (routes register on bp)

"""The organizers' back office."""
from flask import Blueprint

bp = Blueprint("manage", __name__, url_prefix="/manage")

from lsi_assembly.manage import views  # noqa: E402,F401  (routes register on bp)

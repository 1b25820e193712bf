"""Staff sign-in."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from lsi_assembly.auth import views  # noqa: E402,F401  (routes register on bp)

"""Public pages: the Assembly's home page and the privacy notice."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from lsi_assembly.main import views  # noqa: E402,F401  (routes register on bp)

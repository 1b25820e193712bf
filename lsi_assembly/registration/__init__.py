"""Delegate registration and the personal link to manage it."""
from flask import Blueprint

bp = Blueprint("registration", __name__)

from lsi_assembly.registration import views  # noqa: E402,F401  (routes register on bp)

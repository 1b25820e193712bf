"""``flask --app wsgi privacy ...``: the retention schedule and the encryption keys (docs/privacy.md)."""
from __future__ import annotations

from flask.cli import AppGroup

privacy_cli = AppGroup("privacy", help="Personal data: the retention schedule and the encryption keys.")

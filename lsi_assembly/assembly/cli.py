"""``flask assembly ...``: statutory sessions, mandates, proxies, the hall's door and the quorum."""
from __future__ import annotations

from flask.cli import AppGroup

from lsi_assembly.assembly import models  # noqa: F401

assembly_cli = AppGroup("assembly", help="The General Assembly: sessions, mandates, proxies, the door, the quorum.")

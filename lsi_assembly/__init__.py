"""LSI Assembly: registration for La Strada International's General Assembly.

The application factory lives in ``lsi_assembly.app`` (``from lsi_assembly.app import create_app``), so
that the pure parts (the workshop scheduler, the badge layout) can be imported without Flask.
"""

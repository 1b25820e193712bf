"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``."""
from lsi_assembly.app import create_app

app = create_app()

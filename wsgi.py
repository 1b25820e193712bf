"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``."""
from lsi_assembly import create_app

app = create_app()

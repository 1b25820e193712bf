"""Backups of the whole database and their restore into an empty one (``flask backup`` / ``flask restore``)."""

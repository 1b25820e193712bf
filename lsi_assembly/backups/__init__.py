"""Database backups (``flask backup``) and their restore into an empty database (``flask restore``)."""

"""Badges: printing them (PDF through WeasyPrint) and the codes they carry.

This package's ``__init__`` stays empty so that ``badges.layout`` imports without Flask; the
blueprint lives in ``views``.
"""

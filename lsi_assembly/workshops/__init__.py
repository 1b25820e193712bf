"""Workshops: the programme, ranked preferences and the assignment of participants to runs.

This package's ``__init__`` stays empty so that ``workshops.scheduler`` imports without Flask; the
blueprints live in ``views`` (public programme) and ``staff_views`` (organizers' pages).
"""

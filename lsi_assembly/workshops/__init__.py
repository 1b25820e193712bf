"""Workshops: the programme, ranked preferences and the assignment of participants to runs."""

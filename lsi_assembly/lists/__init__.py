"""Printed and exported lists: participants, sign-in sheets, rosters, catering, accessibility, doors."""

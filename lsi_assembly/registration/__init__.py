"""Registration: the public form and personal link, and the organizers' list of registrations.

Two audiences, two blueprints: ``registration`` (the public pages, in ``views``) and
``manage_registrations`` (the organizers' pages under /manage/registrations, in ``staff_views``).
"""

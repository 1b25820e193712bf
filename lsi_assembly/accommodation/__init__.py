"""Accommodation: hotels and their room blocks, the participants' room requests, the rooming proposal
(``rooming``, pure Python), the organizers' adjustments, publication by e-mail and the rooming list.

The blueprints live in ``views`` (the personal page's room request) and ``staff_views``
(``/manage/accommodation``).
"""

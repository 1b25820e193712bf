"""Documents issued to participants: certificates of attendance, and the public page that verifies them.

The blueprints live in ``views`` (a public one for ``/verify`` and the personal download, a staff one
under ``/manage/documents``), the ``flask documents`` commands in ``cli``.
"""

"""Public pages: the Assembly's home page and the privacy notice.

The blueprint ``main`` lives in ``views``.
"""

"""Public pages: the Assembly's home page and the privacy notice (the blueprint ``main`` lives in ``views``)."""

"""Staff sign-in: accounts, roles, sessions and password resets.

The blueprint ``auth`` lives in ``views``; the roles' guard of the staff blueprints in ``permissions``.
"""

"""Staff sign-in: accounts, roles, sessions and password resets (the blueprint ``auth`` lives in ``views``)."""

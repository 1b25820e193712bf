"""The organizers' back office: dashboard, audit log, staff accounts, background jobs.

The blueprint ``manage`` lives in ``views``.
"""

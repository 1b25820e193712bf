"""Member organizations of the network: their delegate quotas, contacts and invitation links.

The organizers' blueprint ``manage_organizations`` lives in ``views``.
"""

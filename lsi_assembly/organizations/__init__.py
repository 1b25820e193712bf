"""Member organizations of the network and their delegate quotas."""

"""The life of personal data: the retention schedule and its purge, erasure, the person's export, the
consent log, protected participants and the privacy notice (docs/privacy.md)."""

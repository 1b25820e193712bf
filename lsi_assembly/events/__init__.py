"""The event: dates, venue and registration window."""

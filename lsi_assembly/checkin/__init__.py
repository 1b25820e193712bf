"""The check-in desk: finding people, checking them in per day, printing badges on the spot."""

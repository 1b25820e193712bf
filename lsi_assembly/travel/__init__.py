"""Travel support: a participant applies, organizers decide within a budget, the person claims with receipts, organizers pay."""

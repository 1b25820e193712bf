"""Visa invitation letters: a confirmed participant asks, organizers decide, the letter is a verifiable PDF."""

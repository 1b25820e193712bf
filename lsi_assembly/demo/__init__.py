"""Demo data: a sample Assembly to try the app with."""

"""The public event (25 June): open registration with a seat limit, double opt-in, a waiting list and tickets."""

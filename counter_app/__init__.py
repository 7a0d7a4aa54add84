"""Service Counter: the front-counter client of an administrative service hall."""

"""Locustfiles, one load shape each, to add after a scenario in ``locust -f``."""

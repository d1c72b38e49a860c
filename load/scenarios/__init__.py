"""Locustfiles, one scenario each (``locust -f``); they are a package so the wheel carries them."""

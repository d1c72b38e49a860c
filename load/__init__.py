"""The load suite: Locust scenarios, load shapes, SLO gate, summaries and plots."""

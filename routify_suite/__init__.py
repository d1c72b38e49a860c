"""Shared core of routify-suite: what the conformance and load suites both need."""

__version__ = "0.1.0"

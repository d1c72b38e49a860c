"""The conformance suite: pytest tests and the plugin that points them at a target."""

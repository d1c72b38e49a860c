"""pytest plugin for the conformance suite (registered through the ``pytest11`` entry point)."""

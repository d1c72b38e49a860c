"""JSON Schema files: the API shapes derived from the spec, and ``files/`` for the TOML files."""

"""The deviation layer: a proxy that makes the reference server misbehave in one named way."""

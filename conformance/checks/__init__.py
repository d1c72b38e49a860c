"""Check functions: ``(exchange, target) -> list[Finding]``, each under a stable check id.

``RESPONSE_CHECKS`` and ``STREAM_CHECKS`` map ids to functions so cases can be parametrized one
check at a time (a failing case then names exactly one check) or run all of them at once.
"""

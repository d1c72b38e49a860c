"""The exit codes every ``routify-suite`` command shares (the README's "Exit codes"): one
place, so a new command cannot give a usage error another number."""

from __future__ import annotations

from typing import Final

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
"""The run found what it gates on: a failed case, a breached SLO, a regression."""
EXIT_USAGE: Final = 2
"""A usage or configuration error, said in one line."""
EXIT_INTERRUPTED: Final = 130

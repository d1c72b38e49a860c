"""Where the checkout's data lives.

The schemas and fixtures are data files at the top of the repository (the product layout fixes
them there), so code finds them relative to this package rather than through package data.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = ROOT / "schemas"
FIXTURES_DIR = ROOT / "fixtures"
TARGETS_DIR = FIXTURES_DIR / "targets"
REPORTS_DIR = ROOT / "reports"

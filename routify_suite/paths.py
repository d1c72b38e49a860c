"""Where the suite's data files are, in a checkout and in an installed wheel alike.

``schemas/`` and ``fixtures/`` are mapped to the packages ``routify_suite.data.schemas`` and
``routify_suite.data.fixtures``, so they are found through ``importlib.resources`` and never
relative to the working directory or the repository.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Final


def package_dir(package: str) -> Path:
    """The directory of an installed (regular, unzipped) package of the suite."""
    return Path(str(files(package)))


SCHEMAS_DIR: Final = package_dir("routify_suite.data.schemas")
FIXTURES_DIR: Final = package_dir("routify_suite.data.fixtures")
TARGETS_DIR: Final = FIXTURES_DIR / "targets"

"""The suite as a user installs it: the wheel with the load extra in a fresh virtualenv.

Built once per test session (about 20 s: the wheel, a venv, pip install from the index's cache)
and shared by the tests that run documented commands from an empty directory; this is CI's only
wheel install (``.ci/check-install`` keeps the strict editable one). ``ROUTIFY_SUITE_WHEEL_VENV``
names a venv that already has the wheel, to skip the build when iterating locally.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
WHEEL_VENV_VARIABLE = "ROUTIFY_SUITE_WHEEL_VENV"
NOT_SOURCE = (".git", ".venv*", ".tox", "build", "dist", "reports", "*.egg-info", "__pycache__")


def build_wheel_venv(root: Path) -> Path:
    """``root/venv`` with the wheel of this checkout installed (``[load]``); its path."""
    given = os.environ.get(WHEEL_VENV_VARIABLE)
    if given:
        return Path(given)
    dist, venv, source = root / "dist", root / "venv", root / "source"
    # Built from a copy: setuptools builds in the source tree, and a build/ left there would
    # both litter the checkout and carry stale modules into the next wheel.
    shutil.copytree(REPOSITORY, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    quiet = ["--quiet", "--disable-pip-version-check"]
    pip = [sys.executable, "-m", "pip", "wheel", *quiet, "--no-deps", "--wheel-dir", str(dist)]
    subprocess.run([*pip, str(source)], check=True, capture_output=True)
    [wheel] = dist.glob("routify_suite-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = [str(venv / "bin" / "pip"), "install", *quiet, f"{wheel}[load]"]
    subprocess.run(install, check=True, capture_output=True)
    return venv


def wheel_environment(venv: Path, **extra: str) -> dict[str, str]:
    """The environment of a shell in which the wheel's commands come first on PATH."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ROUTIFY_")}
    env.pop("PYTHONPATH", None)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    return {**env, **extra}

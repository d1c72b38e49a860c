"""The plugin's part for generated cases: when test_fuzz.py is collected, which of its items
stay, and the line that names the seed (so any failure can be drawn again).

Registered beside :class:`~routify_suite.conformance.plugin.ConformanceSession` as
``routify-fuzz``; the session reads :attr:`FuzzSession.settings` for the target description.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from routify_suite.conformance.fuzz import FuzzCase, FuzzSettings

FUZZ_MODULE = "test_fuzz.py"
PLUGIN_NAME = "routify-fuzz"


class FuzzSession:
    def __init__(self, settings: FuzzSettings, suite_dir: Path) -> None:
        self.settings = settings
        self.suite_dir = suite_dir

    def pytest_ignore_collect(self, collection_path: Path) -> bool | None:
        """The generated cases' module is collected only when the run asks for them."""
        if collection_path.name == FUZZ_MODULE and collection_path.parent == self.suite_dir:
            return None if self.settings.active else True
        return None

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[Any]) -> None:
        """No generated test without a draw (a replay may have none of a kind); under
        ``--replay`` no fixed case either."""
        if not self.settings.active:
            return
        kept = [item for item in items if self._keeps(item)]
        dropped = [item for item in items if item not in kept]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = kept

    def _keeps(self, item: Any) -> bool:
        path = Path(str(item.path)).resolve()
        if self.suite_dir not in path.parents:
            return True
        if path.name != FUZZ_MODULE:
            return not self.settings.replay
        params = getattr(getattr(item, "callspec", None), "params", {})
        return isinstance(params.get("fuzz_case"), FuzzCase)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if self.line() and reporter is not None and not hasattr(session.config, "workerinput"):
            reporter.write_line(self.line())

    def line(self) -> str:
        """What the run generates, with the seed that draws the same requests again."""
        fuzz = self.settings
        if not fuzz.active:
            return ""
        if fuzz.replay:
            return f"conformance: replaying {len(fuzz.replay)} failing generated cases"
        picked = " (picked; pass --seed to draw the same requests)" if fuzz.picked else ""
        return f"conformance: --fuzz {fuzz.count} --seed {fuzz.seed}{picked}"

    def described(self) -> dict[str, Any]:
        """The target description's ``fuzz`` entry (results.json), or nothing."""
        if not self.settings.count:
            return {}
        return {"fuzz": {"count": self.settings.count, "seed": self.settings.seed}}

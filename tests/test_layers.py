"""The package's layers read bottom-up and nothing imports in a circle.

core (sse, schemas, redact, probe, paths, target, config_files, report, data)
  -> server -> conformance | load (siblings: neither imports the other) -> cli.

Every import statement counts, also one inside a function or under ``TYPE_CHECKING``: a lazy
import only hides a dependency from the interpreter, not from the design.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

import routify_suite

LAYERS = {"core": 0, "server": 1, "conformance": 2, "load": 2, "cli": 3}


def layer(module: str) -> str:
    """The layer a module of routify_suite belongs to."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ("server", "conformance", "load", "cli"):
        return parts[1]
    return "core"


@cache
def modules() -> dict[str, Path]:
    """Every module of the installed package (the mapped conformance/ and load/ included)."""
    found = {"routify_suite": Path(routify_suite.__file__)}
    # The mapped folders are not below routify_suite/ on disk: walk each root package.
    for root in ("routify_suite", "routify_suite.conformance", "routify_suite.load"):
        package = importlib.import_module(root)
        found[root] = Path(package.__file__ or "")
        for info in pkgutil.walk_packages(package.__path__, f"{root}."):
            spec = info.module_finder.find_spec(info.name, None)  # type: ignore[call-arg]
            if spec is not None and spec.origin and spec.origin.endswith(".py"):
                found[info.name] = Path(spec.origin)
    return found


def _target(name: str) -> str:
    """The module an imported name stands for: a module itself, else the package it is in."""
    known = modules()
    while name not in known and "." in name:
        name = name.rpartition(".")[0]
    return name


@cache
def imports() -> dict[str, set[str]]:
    """Module -> the routify_suite modules it imports (anywhere in its source)."""
    graph: dict[str, set[str]] = {}
    for module, path in modules().items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                names = [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            edges |= {_target(name) for name in names if name.split(".")[0] == "routify_suite"}
        graph[module] = edges - {module}
    return graph


def test_the_walk_sees_every_layer() -> None:
    seen = {layer(module) for module in modules()}
    assert seen == set(LAYERS), seen
    assert "routify_suite.conformance.plugin" in modules()
    assert "routify_suite.load.scenarios.stream" in modules()


def test_nothing_imports_upward_or_sideways() -> None:
    wrong = [
        f"{module} ({layer(module)}) imports {imported} ({layer(imported)})"
        for module, edges in imports().items()
        for imported in edges
        if LAYERS[layer(imported)] > LAYERS[layer(module)]
        or (LAYERS[layer(imported)] == LAYERS[layer(module)] and layer(imported) != layer(module))
    ]
    assert not wrong, "\n".join(sorted(wrong))


def _cycle() -> list[str] | None:
    graph = imports()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph.get(module, ())):
            if state.get(imported) == 1:
                return [*path[path.index(imported) :], imported]
            if imported not in state and (found := visit(imported)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_no_import_cycle() -> None:
    cycle = _cycle()
    assert cycle is None, " -> ".join(cycle or [])


def test_the_check_finds_a_cycle_and_an_upward_import(monkeypatch: pytest.MonkeyPatch) -> None:
    """The two checks above are not vacuous: a planted cycle and upward import are found."""
    graph = {module: set(edges) for module, edges in imports().items()}
    graph["routify_suite.sse"].add("routify_suite.cli")
    graph["routify_suite.cli"].add("routify_suite.sse")
    monkeypatch.setattr(sys.modules[__name__], "imports", lambda: graph)
    assert _cycle() is not None
    with pytest.raises(AssertionError, match=r"routify_suite\.sse \(core\) imports"):
        test_nothing_imports_upward_or_sideways()


@pytest.mark.parametrize(
    "module",
    [
        name
        for name in (
            "accounts",
            "catalog",
            "errors",
            "generation",
            "ledger",
            "money",
            "ratelimit",
            "tokenizer",
            "toolargs",
            "validation",
        )
    ],
)
def test_pure_server_helpers_need_no_web_framework(module: str) -> None:
    code = (
        f"import sys, routify_suite.server.{module}; "
        "sys.exit(sorted({'starlette', 'uvicorn', 'locust'} & set(sys.modules)) or 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr or result.stdout

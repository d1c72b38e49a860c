"""`routify-suite init DIR`: editable copies of the shipped example files, for wheel users.

The SLO files, datasets, target files and locustfiles ship inside the package, where a user
should not edit them and cannot easily name them. ``init`` writes them under DIR at the paths
they have in a checkout (``fixtures/slo/streaming.toml``, ``load/scenarios/stream.py``...), so
every path the README shows works the same after ``routify-suite init .`` as in a clone. It never
overwrites: when any file it would write exists, it writes nothing and names that file.
"""

from __future__ import annotations

from pathlib import Path

import click

from routify_suite.cli.exits import EXIT_USAGE

# (package holding the files, its subfolder or "", folder under DIR, file suffixes copied)
SHIPPED: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("routify_suite.data.fixtures", "targets", "fixtures/targets", (".toml",)),
    ("routify_suite.data.fixtures", "slo", "fixtures/slo", (".toml",)),
    ("routify_suite.data.fixtures", "datasets", "fixtures/datasets", (".jsonl", ".json")),
    ("routify_suite.data.fixtures", "accounts", "fixtures/accounts", (".toml",)),
    ("routify_suite.load.scenarios", "", "load/scenarios", (".py",)),
    ("routify_suite.load.shapes", "", "load/shapes", (".py",)),
)


def shipped_files() -> list[tuple[Path, str]]:
    """(packaged file, its path under DIR) for every file ``init`` writes, in a stable order."""
    from routify_suite.paths import package_dir

    pairs: list[tuple[Path, str]] = []
    for package, subfolder, folder, suffixes in SHIPPED:
        source = package_dir(package) / subfolder
        for file in sorted(source.iterdir()):
            if file.suffix in suffixes and not file.name.startswith("_"):
                pairs.append((file, f"{folder}/{file.name}"))
    return pairs


@click.command("init", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=".")
def init(directory: Path) -> int:
    """Write editable copies of the example files into DIRECTORY (default: here).

    Target files (fixtures/targets/), SLO files (fixtures/slo/), datasets (fixtures/datasets/),
    accounts (fixtures/accounts/) and the locustfiles (load/scenarios/, load/shapes/), at the
    paths the README uses. Refuses to overwrite: exit 2, nothing written, when one exists.
    """
    pairs = shipped_files()
    existing = [name for _, name in pairs if (directory / name).exists()]
    if existing:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        click.echo(
            f"routify-suite init: {directory / existing[0]} exists{more}; nothing written",
            err=True,
        )
        return EXIT_USAGE
    try:
        for source, name in pairs:
            destination = directory / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(source.read_bytes())
    except OSError as error:
        click.echo(f"routify-suite init: cannot write into {directory}: {error.strerror}", err=True)
        return EXIT_USAGE
    folders = sorted({name.rsplit("/", 1)[0] for _, name in pairs})
    click.echo(f"wrote {len(pairs)} files into {directory}: {', '.join(folders)}")
    click.echo("e.g. routify-suite load --slo fixtures/slo/streaming.toml")
    click.echo("     locust -f load/scenarios/stream.py,load/shapes/step.py --host URL")
    return 0

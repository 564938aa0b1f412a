"""Docs that are checked: every command and every JSON key is in the README."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from bascule import inspect_extract
from bascule.cli import cli
from bascule.legacy_adapters.problems import Reason
from bascule.reports.inspection import inspection_to_dict
from tests.conftest import VECTORS

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands() -> None:
    block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert block is not None and README.index(block.group(0)) < README.index("bascule verifies")
    commands = block.group(1).strip().splitlines()
    assert len(commands) == 2
    assert "bascule dry-run sample_data/" in commands[0] and "pytest" in commands[1]
    words = commands[0].split()
    sample, candidate = words[words.index("dry-run") + 1], words[words.index("--candidate") + 1]
    assert (Path(__file__).parents[1] / sample).exists()
    assert (Path(__file__).parents[1] / candidate.removeprefix("external:")).exists()


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_is_documented(name: str) -> None:
    assert f"bascule {name}" in README
    command = cli.commands[name]
    for option in command.params:
        if isinstance(option, click.Option):
            assert any(opt in README for opt in option.opts), f"{name} {option.opts} is not in the README"


@pytest.mark.parametrize("reason", list(Reason))
def test_every_reject_reason_is_documented(reason: Reason) -> None:
    assert f"`{reason}`" in README


def test_every_json_key_is_documented() -> None:
    document = inspection_to_dict(inspect_extract(VECTORS / "vectors_latin1.dat"))
    for key in document:
        assert f"`{key}`" in README, key


def test_every_json_key_of_migrate_and_verify_is_documented(tmp_path: Path) -> None:
    from bascule.migrate.migration import migrate_extract
    from bascule.migrate.verify import verify_migration

    database = f"sqlite:///{tmp_path / 'x.db'}"
    books = migrate_extract(VECTORS / "vectors_latin1.dat", database)
    verification = verify_migration(database, books.run_id)
    for key in [*books.to_dict(), *books.to_dict()["payments"], *verification.to_dict()]:
        assert f"`{key}`" in README, key


def test_every_json_key_of_shadow_is_documented(tmp_path: Path) -> None:
    from bascule.compare.runner import ShadowOptions, shadow
    from bascule.compare.runs import load_run
    from bascule.compare.waivers import Acceptances
    from bascule.engines.interface import EngineSpec
    from bascule.migrate.database import ensure_schema, open_database
    from bascule.reports.shadow import shadow_to_dict
    from tests.conftest import SAMPLE

    engine = open_database(f"sqlite:///{tmp_path / 'x.db'}")
    ensure_schema(engine)
    options = ShadowOptions(candidate=EngineSpec("external", str(SAMPLE / "new_system_441.csv")),
                            referee=EngineSpec("reference"))
    run_id = shadow(SAMPLE / "progres_441_latin1.dat", options, Acceptances(), engine, tmp_path / "runs")
    document = shadow_to_dict(load_run(engine, run_id))
    nested = [*document["divergent"][0], *document["clusters"][0], *document["at_stake"]]
    for key in [*document, *nested]:
        assert f"`{key}`" in README or f"{key}," in README or f"{key}}}" in README, key

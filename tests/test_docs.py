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
    options = ShadowOptions(
        candidate=EngineSpec("external", str(SAMPLE / "new_system_441.csv")), referee=EngineSpec("reference")
    )
    run_id = shadow(SAMPLE / "progres_441_latin1.dat", options, Acceptances(), engine, tmp_path / "runs")
    document = shadow_to_dict(load_run(engine, run_id))
    nested = [*document["divergent"][0], *document["clusters"][0], *document["at_stake"]]
    for key in [*document, *nested]:
        assert f"`{key}`" in README or f"{key}," in README or f"{key}}}" in README, key


# --- The documentation lives in the repository, and its links hold -------------------------------------------

ROOT = Path(__file__).parents[1]
# Where the repository's text lives: what a fresh clone must be able to read on its own.
SEARCHED = ("README.md", "pyproject.toml", "docs/", "src/", "tests/", "sample_data/", "benchmarks/", ".ci/")
# Documents that exist only on the developers' machines (built in pieces, so this file does not match itself).
OUTSIDE = ("..", "/shared")
FORBIDDEN = ("".join(OUTSIDE), "IJ-" + "RULES.md")


def repository_files() -> list[Path]:
    """The files of the repository under SEARCHED: tracked or new, not ignored (git), else a walk of the tree."""
    import subprocess

    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            text=True,
        ).stdout.split("\0")
        names = [name for name in listed if name]
    except (OSError, subprocess.CalledProcessError):
        ignored = {"__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache"}
        names = [
            path.relative_to(ROOT).as_posix()
            for path in ROOT.rglob("*")
            if path.is_file() and not ignored & set(path.parts) and not any(p.endswith(".egg-info") for p in path.parts)
        ]
    chosen = [
        name for name in names if name in SEARCHED or name.startswith(tuple(s for s in SEARCHED if s.endswith("/")))
    ]
    return [ROOT / name for name in sorted(chosen) if (ROOT / name).is_file()]


def text_of(path: Path) -> str | None:
    """The file's text, or None for a binary file (NUL bytes, or not UTF-8: the sample extracts)."""
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def test_nothing_points_outside_the_repository() -> None:
    """No link or path to the developers' shared folder: the rules and the design are in docs/."""
    files = repository_files()
    assert any(path.name == "RULES.md" for path in files), "docs/RULES.md is missing from the files searched"
    found = []
    for path in files:
        text = text_of(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for forbidden in FORBIDDEN:
                if forbidden in line:
                    found.append(f"{path.relative_to(ROOT)}:{number}: {forbidden}: {line.strip()[:120]}")
    assert not found, "these point outside the repository (cite docs/RULES.md or docs/DESIGN.md):\n" + "\n".join(found)


FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def slugs(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings of a page: lower case, punctuation dropped, spaces as hyphens."""
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6}\s+(.*?)\s*#*\s*$", FENCE.sub("", markdown), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


@pytest.mark.parametrize("page", markdown_files(), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_relative_link_points_to_a_file_of_the_repository(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    broken = []
    for target in LINK.findall(FENCE.sub("", text)):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:: not a file of the repository
            continue
        name, _, anchor = target.partition("#")
        linked = (page.parent / name).resolve() if name else page.resolve()
        if not linked.is_relative_to(ROOT.resolve()):
            broken.append(f"{target}: outside the repository")
        elif not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in slugs(linked.read_text(encoding="utf-8")):
            broken.append(f"{target}: no heading #{anchor} in {linked.relative_to(ROOT.resolve())}")
    assert not broken, f"{page.relative_to(ROOT)}: broken links:\n" + "\n".join(broken)

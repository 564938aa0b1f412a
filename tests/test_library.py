"""The library is the product: the README's example runs as written, and its values are the commands' values."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import bascule
from bascule.cli import cli
from tests.conftest import SAMPLE

ROOT = Path(__file__).parents[1]


def readme_example() -> str:
    """The first Python block of the README's "Using the library"."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Using the library", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The README's example, run where the repository's sample lives, in a folder of its own."""
    folder = tmp_path_factory.mktemp("library")
    code = readme_example().replace("sample_data/", f"{SAMPLE}/").replace("sqlite:///", f"sqlite:///{folder}/")
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 (the README's own example)
    return namespace


def test_the_readme_example_runs_and_says_no_go(example: dict[str, object]) -> None:
    result = example["result"]
    assert isinstance(result, bascule.DryRunResult)
    assert (result.decision, result.exit_code) == ("NO-GO", 1)
    assert result.unresolved > 0 and len(result.clusters) > 0
    assert result.unresolved == int(
        (result.divergences["waiver"].isna() & (result.divergences["verdict"] != "legacy_defect_fixed")).sum()
    )


def test_a_result_is_frozen(example: dict[str, object]) -> None:
    with pytest.raises(AttributeError):
        example["result"].decision = "GO"  # type: ignore[misc]


def test_the_library_value_is_what_the_command_prints(example: dict[str, object], tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    printed = CliRunner().invoke(
        cli,
        [
            "dry-run",
            str(SAMPLE / "progres_441_cp1147.dat"),
            "--candidate",
            f"external:{SAMPLE / 'new_system_441.csv'}",
            "--db",
            database,
            "--format",
            "json",
            "--workers",
            "1",
        ],
    )
    assert printed.exit_code == 1, printed.output
    by_command, by_library = json.loads(printed.output), example["report"]
    for document in (by_command, by_library):  # the moments and places of the two runs
        for key in ("generated_at", "history", "run"):
            document.pop(key, None)
    assert by_library == json.loads(json.dumps(by_command))


def test_the_rich_rendering_is_the_report(example: dict[str, object]) -> None:
    from rich.console import Console

    console = Console(record=True, width=120)
    console.print(example["result"])
    text = console.export_text()
    assert "NO-GO" in text and str(example["result"].unresolved) in text


def test_a_shadow_result_says_its_exit_code(example: dict[str, object]) -> None:
    shadowed = example["shadowed"]
    assert isinstance(shadowed, bascule.ShadowResult)
    assert shadowed.exit_code == (1 if shadowed.unresolved else 0)
    assert shadowed.stoppages == sum(1 for _ in shadowed.stored.stoppages().itertuples())


def test_importing_bascule_loads_neither_pandas_nor_the_engines() -> None:
    probe = "import sys, bascule; print(sorted(m for m in ('pandas', 'numpy', 'sqlalchemy') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_bascule_help_imports_neither_pandas_nor_sqlalchemy() -> None:
    """`bascule --help` answers at once: the commands import what they run only when they run it."""
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from bascule.cli import cli\n"
        "for args in (['--help'], ['dry-run', '--help'], ['--version']):\n"
        "    assert CliRunner().invoke(cli, args).exit_code == 0, args\n"
        "print(sorted(m for m in ('pandas', 'numpy', 'sqlalchemy', 'pyarrow') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"

"""Who may import whom: the comparison reaches engines only through their contract; the domain reaches neither.

The comparison package may import ``bascule.engines.ledger``,
``bascule.engines.interface`` and ``bascule.engines.inputs`` (what every
engine computes from and writes), never an engine itself; ``bascule.domain``
holds the shared rules and imports nothing from the engines or the
comparison. Read from the source (the AST), so that an import inside a
function or under ``TYPE_CHECKING`` counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[2] / "src"
ENGINES = (
    "bascule.engines.reference",
    "bascule.engines.replay",
    "bascule.engines.external",
    "bascule.engines.defects",
)
BOUNDARIES = {
    "bascule/compare": (*ENGINES, "bascule.reports"),  # reports read the comparison, never the other way
    "bascule/domain": ("bascule.engines", "bascule.compare"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, module) of every import in the source, relative ones resolved; ``from m import n`` gives m and m.n."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*"]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def crossings(source: str, module: str, is_package: bool, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        {
            f"{module} imports {name} (line {line})"
            for line, name in imported(source, module, is_package)
            if any(name == f or name.startswith(f"{f}.") for f in forbidden)
        }
    )


@pytest.mark.parametrize("package", list(BOUNDARIES))
def test_package_keeps_to_its_boundary(package: str) -> None:
    modules = sorted((SRC / package).rglob("*.py"))
    assert modules, f"no module under src/{package}"
    found = []
    for path in modules:
        name = module_name(path)
        found += crossings(path.read_text(), name, path.name == "__init__.py", BOUNDARIES[package])
    assert not found, f"src/{package} crosses its boundary:\n" + "\n".join(found)


def test_the_comparison_does_use_the_engines_contract() -> None:
    """The walk sees the imports it should allow: the boundary test is not passing on nothing."""
    seen = {
        name
        for path in (SRC / "bascule/compare").rglob("*.py")
        for _, name in imported(path.read_text(), module_name(path), path.name == "__init__.py")
    }
    assert {
        "bascule.engines.ledger",
        "bascule.engines.interface",
        "bascule.engines.inputs",
    } <= seen


@pytest.mark.parametrize(
    "source",
    [
        "import bascule.engines.reference.engine",
        "from bascule.engines import replay",
        "from bascule.engines.external import ExternalEngine",
        "from ..engines.reference import plugin",
        "def f():\n    from bascule.engines import external",
        "import importlib\nimportlib.import_module('bascule.engines.replay')",
    ],
)
def test_a_crossing_is_seen_and_named(source: str) -> None:
    found = crossings(source, "bascule.compare.runner", False, ENGINES)
    assert found and all(f.startswith("bascule.compare.runner imports bascule.engines.") for f in found), found


def test_the_contract_is_no_crossing() -> None:
    source = (
        "from bascule.engines.ledger import Ledger\nfrom ..engines import interface, inputs\nimport bascule.engines"
    )
    assert crossings(source, "bascule.compare.runner", False, ENGINES) == []

"""bascule: verify a switchover of a daily-allowance system before anyone is paid by the new one.

The library is the product; the ``bascule`` command is a thin layer over it::

    import bascule

    result = bascule.dry_run("progres_441_cp1147.dat", candidate="external:new_system_441.csv")
    print(result.decision, result.unresolved, result.exit_code)

Names are imported when first used (PEP 562), so that ``import bascule``
and ``bascule --help`` stay quick.
"""

from importlib import import_module
from typing import Any

__version__ = "0.1.0"  # the one place of the version: pyproject.toml reads it (no metadata look-up at import)

_HOMES = {
    "dry_run": "bascule.api",
    "shadow": "bascule.api",
    "DryRunResult": "bascule.api",
    "ShadowResult": "bascule.api",
    "BasculeError": "bascule.errors",
    "CopybookError": "bascule.errors",
    "ExtractUnreadable": "bascule.errors",
    "Field": "bascule.legacy_adapters.copybook",
    "Layout": "bascule.legacy_adapters.copybook",
    "load_copybook": "bascule.legacy_adapters.copybook",
    "parse_copybook": "bascule.legacy_adapters.copybook",
    "inspect_extract": "bascule.legacy_adapters.inspection",
    "Reason": "bascule.legacy_adapters.problems",
    "Extract": "bascule.legacy_adapters.reader",
    "ExtractChunk": "bascule.legacy_adapters.reader",
    "ExtractReader": "bascule.legacy_adapters.reader",
    "ExtractSummary": "bascule.legacy_adapters.reader",
    "read_extract": "bascule.legacy_adapters.reader",
}

__all__ = sorted([*_HOMES, "__version__"])


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'bascule' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # the next look-up is a plain attribute
    return value


def __dir__() -> list[str]:
    return __all__

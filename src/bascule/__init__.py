"""bascule: verify a switchover of a daily-allowance system before anyone is paid by the new one.

The library is the product; the ``bascule`` command is a thin layer over it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bascule")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

from bascule.errors import BasculeError, CopybookError, ExtractUnreadable  # noqa: E402
from bascule.legacy_adapters.copybook import Field, Layout, load_copybook, parse_copybook  # noqa: E402
from bascule.legacy_adapters.inspection import inspect_extract  # noqa: E402
from bascule.legacy_adapters.problems import Reason  # noqa: E402
from bascule.legacy_adapters.reader import (  # noqa: E402
    Extract,
    ExtractChunk,
    ExtractReader,
    ExtractSummary,
    read_extract,
)

__all__ = [
    "BasculeError",
    "CopybookError",
    "Extract",
    "ExtractChunk",
    "ExtractReader",
    "ExtractSummary",
    "ExtractUnreadable",
    "Field",
    "Layout",
    "Reason",
    "__version__",
    "inspect_extract",
    "load_copybook",
    "parse_copybook",
    "read_extract",
]

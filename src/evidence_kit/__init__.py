"""evidence-kit: audit the evidence behind health articles.

    import evidence_kit
    evidence = evidence_kit.load(".")          # tables: articles, claims, citations, ...
    findings = evidence_kit.check(evidence)    # a DataFrame of findings
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# `load` is both a submodule and the public function. Binding the function here, after the
# submodule is imported, keeps `evidence_kit.load` the function however the package is used later.
from .load import Evidence, load

__version__ = "0.1.0"
__all__ = ["load", "check", "completeness", "parse_statistic", "Evidence"]

# Imported on first use: the statistic parser and the checks are not needed by every caller.
_LAZY = {
    "check": ".checks",
    "completeness": ".checks",
    "parse_statistic": ".statistic",
}

if TYPE_CHECKING:
    from .checks import check, completeness
    from .statistic import parse_statistic


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'evidence_kit' has no attribute {name!r}")

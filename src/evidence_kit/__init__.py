"""evidence-kit: audit the evidence behind health articles.

    import evidence_kit
    evidence = evidence_kit.load(".")          # tables: articles, claims, citations, ...
    findings = evidence_kit.check(evidence)    # a DataFrame of findings
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["load", "check", "completeness", "parse_statistic", "Evidence"]

# Imported on first use, so `import evidence_kit` (and every CLI command that needs no tables,
# such as `codes` or `--help`) does not pay for pandas.
_LAZY = {
    "load": ".loader",
    "Evidence": ".loader",
    "check": ".checks",
    "completeness": ".checks",
    "parse_statistic": ".statistic",
}

if TYPE_CHECKING:
    from .checks import check, completeness
    from .loader import Evidence, load
    from .statistic import parse_statistic


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'evidence_kit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

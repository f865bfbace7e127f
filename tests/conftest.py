"""Shared fixtures: small projects written into ``tmp_path``, never the shipped evidence."""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# How many inputs the battery and the property tests tried, printed at the end of the session.
_TRIED = pytest.StashKey[Counter]()


def count(config: pytest.Config, what: str, unit: str = "examples", n: int = 1) -> None:
    """Add ``n`` to the tally of ``what`` (e.g. "bad-input battery", "cases")."""
    config.stash.setdefault(_TRIED, Counter())[(what, unit)] += n


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    for (what, unit), n in sorted(config.stash.get(_TRIED, Counter()).items()):
        terminalreporter.write_line(f"{what}: {n} {unit}")


FULL_TEXT = """\
Causes

Leg dystonia has many causes. 1

  • Hereditary primary dystonias: These have an autosomal dominant inheritance with 60-90% penetrance 1
  • Tremor may occur
  • Aura in 78-82% of patients 2, 1

References

1. First source
2. Second source
"""

ARTICLE = """\
article:
  id: "001"
  title: A test article
  status: submitted
  full_text: evidence/fulltext/001.txt
  references:
    1: smith2020
    2: jones2019
claims:
  - id: 001-c01
    section: Causes
    statement: Leg dystonia has many causes.
    citations: "1"
  - id: 001-c02
    section: Causes
    statement: >-
      Hereditary primary dystonias: These have an autosomal dominant inheritance
      with 60-90% penetrance
    citations: "1"
    statistics:
      - text: 60-90%
        measure: penetrance
  - id: 001-c03
    statement: Aura in 78-82% of patients
    citations: "2, 1"
    statistics:
      - text: 78-82%
        measure: symptom prevalence
        sources:
          - key: jones2019
            value: 80%
            n: 8
            N: 10
"""

BIB = """\
@article{smith2020,
  author = {Smith, Anna and Lee, Bo},
  title = {Dystonia genetics},
  journal = {Journal of Tests},
  year = {2020},
  doi = {10.1000/xyz123},
}

@article{jones2019,
  author = {Jones, Carl},
  title = {Aura in paroxysmal dyskinesia},
  journal = {Journal of Tests},
  year = {2019},
  pmid = {12345678},
}
"""


class Project:
    """A throw-away project folder with helpers to write its files."""

    def __init__(self, root: Path):
        self.root = root

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def article(self, text: str, name: str = "001.yaml") -> Path:
        return self.write(f"evidence/articles/{name}", text)

    def bib(self, text: str) -> Path:
        return self.write("references.bib", text)

    def waivers(self, text: str) -> Path:
        return self.write("evidence/waivers.yaml", text)

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        content = path.read_text(encoding="utf-8")
        assert old in content, f"{old!r} not in {relative}"
        path.write_text(content.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A clean, complete project: one article, two references, no findings."""
    p = Project(tmp_path)
    p.write("evidence/fulltext/001.txt", FULL_TEXT)
    p.article(ARTICLE)
    p.bib(BIB)
    return p

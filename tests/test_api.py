"""The public API as a notebook user meets it."""

from __future__ import annotations

import importlib

import evidence_kit


def test_public_functions_survive_submodule_imports(project):
    for name in ("evidence_kit.loader", "evidence_kit.checks", "evidence_kit.statistic"):
        importlib.import_module(name)
    assert callable(evidence_kit.load) and callable(evidence_kit.check)
    evidence = evidence_kit.load(project.root)
    assert "claim-uncited" not in set(evidence_kit.check(evidence)["code"])
    assert evidence_kit.parse_statistic("73%").low == 0.73
    assert set(evidence_kit.__all__) <= set(dir(evidence_kit))

"""The shipped evidence of articles 000 and 004 says exactly what the articles and sources say.

These tests read the curated files as they are committed (evidence/articles/*.yaml, the full
texts, references.bib) with plain ``yaml.safe_load``, independently of the package's loader.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[1]
ARTICLES = {"000": ROOT / "evidence" / "articles" / "000.yaml", "004": ROOT / "evidence" / "articles" / "004.yaml"}
BIB = ROOT / "references.bib"

# sha256 of the seeds as received; the full texts must stay byte-identical copies.
FULL_TEXT_SHA256 = {
    "evidence/fulltext/000_e2a9794e0db1d8a7.txt": "03cff41e6bde8ee4cb6acededf73e98a940c26049fbb4e96546374f6269cf03d",
    "evidence/fulltext/004_b15a8c0b9e68997e.txt": "037d355487288945e08d0cb56e639afd064a43e6d9b85566558cca44a35aa3b2",
}

ARTICLE_FIELDS = {"id", "title", "publisher", "url", "accessed", "status", "full_text", "origin", "references"}
CLAIM_FIELDS = {"id", "section", "statement", "citations", "citation_position", "statistics"}
STATISTIC_FIELDS = {"text", "measure", "condition", "sources"}
SOURCE_FIELDS = {"key", "population", "value", "n", "N", "locator", "note", "comparable"}
MEASURES = {"penetrance", "symptom prevalence", "sex ratio", "treatment response", "age at onset",
            "episode duration", "prevalence"}
BULLET = "\u2022"
MARKER = re.compile(r" (\d+(?:, \d+)*)$")


def collapse(text: str) -> str:
    return " ".join(text.split())


def load(article: str) -> dict:
    return yaml.safe_load(ARTICLES[article].read_text(encoding="utf-8"))


def full_text(data: dict) -> str:
    return (ROOT / data["article"]["full_text"]).read_text(encoding="utf-8")


def bib_keys() -> set[str]:
    return set(re.findall(r"^@\w+\{([^,\s]+),", BIB.read_text(encoding="utf-8"), flags=re.MULTILINE))


def all_claims():
    for article in ARTICLES:
        for claim in load(article)["claims"]:
            yield article, claim


def all_statistics():
    for article, claim in all_claims():
        for stat in claim.get("statistics") or []:
            yield article, claim, stat


@pytest.mark.parametrize("path, digest", sorted(FULL_TEXT_SHA256.items()))
def test_full_texts_are_the_seeds_byte_for_byte(path, digest):
    assert hashlib.sha256((ROOT / path).read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("article", sorted(ARTICLES))
def test_article_header(article):
    data = load(article)
    assert set(data) == {"article", "claims"}
    head = data["article"]
    assert set(head) <= ARTICLE_FIELDS
    assert head["id"] == article
    assert head["status"] == "under review"  # reviewed in evidence/verdicts.jsonl, not approvable
    assert head["full_text"] in FULL_TEXT_SHA256
    assert head["origin"] == "received as seeds/" + Path(head["full_text"]).name
    assert "url" not in head and "accessed" not in head  # the seeds give neither


def test_claim_fields_and_types():
    for _, claim in all_claims():
        assert set(claim) <= CLAIM_FIELDS, claim["id"]
        assert isinstance(claim["statement"], str) and isinstance(claim["section"], str)
        if "citations" in claim:
            assert isinstance(claim["citations"], str), claim["id"]
        if "citation_position" in claim:
            assert claim["citation_position"] in ("inline", "end of list")
            assert "citations" in claim, claim["id"]


def test_claim_ids_unique_and_numbered_per_article():
    seen = [claim["id"] for _, claim in all_claims()]
    assert len(seen) == len(set(seen))
    for article in ARTICLES:
        ids = [claim["id"] for claim in load(article)["claims"]]
        assert ids == [f"{article}-c{i:02d}" for i in range(1, len(ids) + 1)]


@pytest.mark.parametrize("article", sorted(ARTICLES))
def test_statements_verbatim_in_reading_order(article):
    data = load(article)
    text = collapse(full_text(data))
    position = 0
    for claim in data["claims"]:
        statement = collapse(claim["statement"])
        assert statement in text, claim["id"]
        found = text.find(statement, position)
        assert found >= 0, f"{claim['id']} is out of reading order"
        position = found + len(statement)


@pytest.mark.parametrize("article", sorted(ARTICLES))
def test_sections_are_printed_headings(article):
    data = load(article)
    lines = {line.strip() for line in full_text(data).splitlines()}
    for claim in data["claims"]:
        assert claim["section"] in lines, claim["id"]


def test_004_markers_recorded_as_printed():
    """Each 004 statement is a whole printed line: bullet, statement, then its marker if inline."""
    data = load("004")
    lines = full_text(data).splitlines()
    for claim in data["claims"]:
        statement = collapse(claim["statement"])
        matches = [i for i, line in enumerate(lines)
                   if collapse(line).removeprefix(BULLET + " ").startswith(statement)]
        assert len(matches) == 1, claim["id"]
        rest = collapse(lines[matches[0]]).removeprefix(BULLET + " ")[len(statement):]
        inline = "citations" in claim and claim.get("citation_position", "inline") == "inline"
        assert rest == (" " + claim["citations"] if inline else ""), claim["id"]


def test_004_end_of_list_citations_are_the_next_marker_in_the_list():
    data = load("004")
    lines = full_text(data).splitlines()
    for claim in data["claims"]:
        if claim.get("citation_position") != "end of list":
            continue
        statement = collapse(claim["statement"])
        start = next(i for i, line in enumerate(lines)
                     if collapse(line).removeprefix(BULLET + " ").startswith(statement))
        marker = None
        for line in lines[start + 1:]:
            if not line.strip():
                break
            found = MARKER.search(line)
            if found:
                marker = found.group(1)
                break
        assert marker == claim["citations"], claim["id"]


def test_every_citation_number_is_in_the_reference_list():
    for article in ARTICLES:
        data = load(article)
        listed = set((data["article"].get("references") or {}).keys())
        for claim in data["claims"]:
            for token in (claim.get("citations") or "").split(","):
                if token.strip():
                    assert int(token) in listed, (claim["id"], token)


def test_004_reference_list():
    assert load("004")["article"]["references"] == {
        1: "praxis2025acute",
        2: "balint2018dystonia",
        3: "droracle2025overview",
        4: "continuum2022dystonias",
        5: "albanese2019dystonia",
    }


def test_000_cites_nothing():
    data = load("000")
    assert not data["article"].get("references")
    for claim in data["claims"]:
        assert "citations" not in claim and "citation_position" not in claim, claim["id"]


def test_statistics_are_in_their_statements():
    for _, claim, stat in all_statistics():
        assert set(stat) <= STATISTIC_FIELDS
        assert isinstance(stat["text"], str)
        assert collapse(stat["text"]) in collapse(claim["statement"]), (claim["id"], stat["text"])
        assert stat["measure"] in MEASURES, (claim["id"], stat["measure"])


def test_statistics_sources():
    keys = bib_keys()
    for _, claim, stat in all_statistics():
        for source in stat.get("sources") or []:
            assert set(source) <= SOURCE_FIELDS, claim["id"]
            assert source["key"] in keys, (claim["id"], source["key"])
            assert isinstance(source["value"], str), claim["id"]
            for count in ("n", "N"):
                if count in source:
                    assert isinstance(source[count], int) and source[count] > 0, claim["id"]
            if "n" in source and "N" in source:
                assert source["n"] <= source["N"], claim["id"]


def test_listed_references_are_in_the_bibliography():
    keys = bib_keys()
    for article in ARTICLES:
        for key in (load(article)["article"].get("references") or {}).values():
            assert key in keys, (article, key)


def test_bib_keys_unique_and_lower_case():
    found = re.findall(r"^@\w+\{([^,\s]+),", BIB.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert len(found) == len({key.lower() for key in found})
    assert all(key == key.lower() for key in found)

"""The checks: pure functions from the evidence tables to findings.

Each check takes an ``Evidence`` (only its tables are used) and returns a list of finding rows or a
findings DataFrame. ``CHECKS`` is the default list, in the order findings are reported; add a
check by writing a function and registering it there. ``check(evidence)`` runs them all, applies
the waivers and returns the findings table. Checks never raise for bad data and never decide an
exit status: that is the CLI's job.
"""

from __future__ import annotations

import functools
import inspect
import os
import pickle
from typing import Any, Callable, Iterable, Iterator

import numpy as np
import pandas as pd

from . import schema
from .findings import CATALOGUE, SEVERITY_RANK, finding, findings_at
from .forked import Forked, unpickled
from .loader import Evidence, paused_gc
from .statistic_checks import STATISTIC_CHECKS, VALUE_CHECKS, uncited_statistics, unrecorded_statistics
from .verdicts import DISPUTED, conflicts, current_verdicts

Findings = list[dict[str, Any]]
Check = Callable[[Evidence], "Findings | pd.DataFrame"]


# --------------------------------------------------------------------------------------------
# Citations


def uncited_claims(ev: Evidence) -> Findings:
    """A claim without a single citation marker: blank, or printed markers like "," or "[]"."""
    claims = ev.claims
    return findings_at("claim-uncited", claims[~claims["claim"].isin(ev.citations["claim"])])


def unlisted_citation_numbers(ev: Evidence) -> Findings:
    cites = ev.citations
    return findings_at("citation-number-unlisted", cites[cites["number"].notna() & cites["key"].isna()], ["printed"])


def unreadable_citations(ev: Evidence) -> Findings:
    cites = ev.citations
    return findings_at("citation-unreadable", cites[cites["number"].isna()], ["printed"])


def undefined_cited_keys(ev: Evidence) -> pd.DataFrame:
    """A claim cites a reference whose bib key references.bib does not define: at the claim."""
    cites = ev.citations
    undefined = cites[cites["key"].notna() & ~cites["key"].isin(ev.references["key"])]
    return findings_at("citation-key-undefined", undefined, ["number"])


def _cited_numbers(ev: Evidence) -> pd.DataFrame:
    return ev.citations.loc[ev.citations["number"].notna(), ["article", "number"]].drop_duplicates()


def uncited_listed_references(ev: Evidence) -> Findings:
    """Listed but never cited; if the listed key is also undefined, say that too."""
    listed = ev.listed_references.merge(_cited_numbers(ev), on=["article", "number"], how="left",
                                        indicator=True)
    never = listed[listed["_merge"] == "left_only"]
    found = findings_at("reference-never-cited", never, ["number"])
    undefined = never[~never["key"].isin(ev.references["key"])]
    return pd.concat([found, findings_at("reference-key-undefined", undefined, ["number"])], ignore_index=True)


def reference_list_gaps(ev: Evidence) -> Findings:
    out: Findings = []
    groups = ev.listed_references.groupby("article", sort=False)
    # Numbers are unique within an article, so a list has a gap exactly when it has fewer numbers
    # than its largest; only those articles are looked at one by one.
    counts = groups["number"].agg(["max", "size"])
    for article in counts.index[counts["size"] < counts["max"]]:
        group = groups.get_group(article)
        numbers = set(group["number"].astype(int))
        first = group.iloc[0]
        out.extend(finding("reference-list-gap", file=first["file"], line=int(first["line"]), article=article,
                           number=n) for n in range(1, max(numbers) + 1) if n not in numbers)
    return out


def unidentified_cited_references(ev: Evidence) -> Findings:
    """A cited reference with neither DOI nor PMID, once per article, at the bib entry."""
    refs = ev.references.drop_duplicates("key")
    bare = refs[refs["doi"].isna() & refs["pmid"].isna()][["key", "file", "line"]]
    cites = ev.citations
    # The citations of those entries first (few), then each article's once.
    cited = cites.loc[cites["key"].notna() & cites["key"].isin(bare["key"]), ["article", "key"]].drop_duplicates()
    return findings_at("reference-no-identifier", cited.merge(bare, on="key"))


def _used_keys(ev: Evidence) -> pd.Series:
    return pd.concat([ev.listed_references["key"], ev.source_values["key"], ev.verdicts["source"].dropna()])


def unused_bib_entries(ev: Evidence) -> Findings:
    refs = ev.references
    return findings_at("bib-entry-unused", refs[~refs["key"].isin(_used_keys(ev))])


def undefined_source_keys(ev: Evidence) -> Findings:
    values = ev.source_values
    return findings_at("source-key-undefined", values[~values["key"].isin(ev.references["key"])], ["statistic"])


# --------------------------------------------------------------------------------------------
# Text


def statements_not_in_full_text(ev: Evidence) -> pd.DataFrame:
    claims, texts = ev.claims, ev.full_texts
    absent = pd.Series(_not_in_texts(claims["article"].to_numpy(object), ev.statements, texts),
                       index=claims.index, dtype=bool)
    missing = claims[absent]
    paths = dict(zip(ev.articles["article"], ev.articles["full_text"]))
    return findings_at("statement-not-in-full-text", missing.assign(full_text=missing["article"].map(paths)),
               ["full_text"])


def _not_in_texts(articles: Any, statements: Any, texts: dict[str, str | None]) -> list[bool]:
    """For each (collapsed) statement, whether it is missing from its article's (readable) full text.

    Exactly ``statement not in text``, but an article's statements are looked for from
    where the one before was found, and then before it: in the usual order, each article's text is
    scanned about once instead of once per statement. The statement's first words are looked for
    first, and the whole compared where they are: a long search string costs more to prepare
    than the comparison.
    """
    found_at: dict[str, int] = {}
    out = []
    for article, statement in zip(articles, statements):
        text = texts.get(article)
        if text is None:
            out.append(False)
            continue
        start = found_at.get(article, 0)
        at = text.find(statement[:24], start)  # no later than the first whole occurrence
        if at < 0 or not text.startswith(statement, at):
            at = text.find(statement, start)
        if at < 0:  # an occurrence before ``start`` ends before start + len(statement) - 1
            at = text.find(statement, 0, start + len(statement) - 1)
        if at >= 0:
            found_at[article] = at
        out.append(at < 0)
    return out


def statistics_not_in_statement(ev: Evidence) -> Findings:
    statements = ev.statements
    absent = np.array([row >= 0 and text not in statements[row]
                       for text, row in zip(ev.statistic_texts, ev.statistic_claim_rows)], bool)
    return findings_at("statistic-not-in-statement", ev.statistics[absent], ["text"])


# --------------------------------------------------------------------------------------------
# Review: the verdict ledger and the review status gate


def verdicts_on_unknown_claims(ev: Evidence) -> Findings:
    verdicts = ev.verdicts
    return findings_at("verdict-unknown-claim", verdicts[verdicts["article"].isna()], ["reviewer"])


def undefined_verdict_sources(ev: Evidence) -> Findings:
    verdicts = ev.verdicts
    undefined = verdicts[verdicts["source"].notna() & ~verdicts["source"].isin(ev.references["key"])]
    return findings_at("verdict-source-undefined", undefined.assign(key=undefined["source"]))


def _positions(group: pd.DataFrame) -> str:
    return "; ".join(f"{r} says {v}" for r, v in zip(group["reviewer"], group["verdict"]))


def review_status(ev: Evidence) -> Findings:
    """The gate: an approved article needs an agreed verdict on every claim, none of them disputed.

    Disagreements between reviewers are reported for every article: an error when it is approved,
    a warning while it is still under review.
    """
    known = ev.verdicts[ev.verdicts["article"].notna()]
    approved = set(ev.articles.loc[ev.articles["status"] == "approved", "article"])
    out: Findings = []
    split = conflicts(known)
    for claim, group in split.groupby("claim", sort=False):
        latest = group.sort_values("recorded").iloc[-1]
        code = "approved-claim-conflict" if latest["article"] in approved else "verdict-conflict"
        out.append(finding(code, file=latest["file"], line=int(latest["line"]), article=latest["article"],
                           claim=claim, positions=_positions(group)))
    current = current_verdicts(known).set_index("claim")
    claims = ev.claims[ev.claims["article"].isin(approved) & ~ev.claims["claim"].isin(split["claim"])]
    for row in schema.records(claims, ["article", "claim", "file", "line"]):
        if row["claim"] not in current.index:
            out.append(finding("approved-claim-unreviewed", **row))
            continue
        verdict = current.loc[row["claim"]]
        if verdict["verdict"] in DISPUTED:
            out.append(finding("approved-claim-disputed", file=verdict["file"], line=int(verdict["line"]),
                               article=row["article"], claim=row["claim"], verdict=verdict["verdict"],
                               reviewer=verdict["reviewer"]))
    return out


def loading_problems(ev: Evidence) -> Findings:
    """What the loader already found: bibliography blocks, unreadable full texts."""
    return list(ev.load_findings)


CHECKS: list[Check] = [
    loading_problems,
    uncited_claims,
    unreadable_citations,
    unlisted_citation_numbers,
    undefined_cited_keys,
    uncited_listed_references,
    reference_list_gaps,
    unidentified_cited_references,
    unused_bib_entries,
    undefined_source_keys,
    statements_not_in_full_text,
    statistics_not_in_statement,
    *STATISTIC_CHECKS,  # the printed values, the measures, the statements and the sources
    verdicts_on_unknown_claims,
    undefined_verdict_sources,
    review_status,
]


# --------------------------------------------------------------------------------------------
# Waivers and the whole run


def apply_waivers(found: pd.DataFrame, waivers: pd.DataFrame) -> pd.DataFrame:
    """Mark the findings each waiver accepts; report waivers that match nothing or no code."""
    found = found.copy()
    found["waived"] = False
    extra: Findings = []
    for w in schema.records(waivers, ["code", "article", "claim", "key", "reason", "file", "line"]):
        if w["code"] not in CATALOGUE:
            extra.append(finding("waiver-unknown-code", file=w["file"], line=w["line"], code=w["code"]))
            continue
        mask = found["code"] == w["code"]
        for column in ("article", "claim", "key"):
            if w[column] is not None:
                mask &= found[column] == w[column]
        mask = mask.fillna(False).astype(bool) & ~found["waived"]
        if not mask.any():
            extra.append(finding("waiver-unused", file=w["file"], line=w["line"], code=w["code"],
                                 article=w["article"], claim=w["claim"], key=w["key"]))
            continue
        found.loc[mask, "waived"] = True
        found.loc[mask, "waiver_reason"] = w["reason"]
    if extra:
        found = pd.concat([found, schema.frame("findings", extra).assign(waived=False)], ignore_index=True)
    return schema.frame("findings", found)


# At least this many claims: run checks in a forked process too, on the second core.
PARALLEL_CLAIMS = 5_000
# The checks this process runs first, before it joins the forked one in taking the others: the
# statistics' value checks share one parse of each statistic text, and an unused bib entry is a
# finding each, tens of thousands that would otherwise be pickled across.
CHECKED_HERE = [*VALUE_CHECKS, unused_bib_entries]
# The other checks that take longest (measured at 100,000 claims), queued first so that neither
# process is left with a long one at the end; the rest follow in the order of CHECKS.
SLOW_FIRST = [unrecorded_statistics, statements_not_in_full_text, statistics_not_in_statement,
              unidentified_cited_references, uncited_statistics, uncited_claims]


def check(evidence: Evidence, checks: Iterable[Check] = CHECKS, *, parallel: bool | None = None,
          alongside: Iterable[Callable[[], Any]] = ()) -> pd.DataFrame:
    """Run ``checks`` on ``evidence``; the findings table, waivers applied.

    ``alongside`` are other jobs of the run (the cache's writes) to do meanwhile; what they return
    is not kept. Checks are pure functions, so on a large project (``parallel`` None: at least
    ``PARALLEL_CLAIMS`` claims) a forked copy of this process shares the work: this one runs
    ``CHECKED_HERE`` first, while the other takes the remaining checks and jobs one at a time from
    a shared queue, and this one then takes from it too, so both finish together whatever the
    sizes. The findings come back in the order of ``checks`` either way.
    """
    runs = list(checks)
    jobs: list[Callable[[], Any]] = [*(functools.partial(_run, run, evidence) for run in runs), *alongside]
    first = [i for i, run in enumerate(runs) if inspect.unwrap(run) in CHECKED_HERE]
    rank = {check: n for n, check in enumerate(SLOW_FIRST)}
    # The jobs alongside (writes of whole tables) first, then the slow checks, then the rest.
    shared = sorted((i for i in range(len(jobs)) if i not in first),
                    key=lambda i: -1 if i >= len(runs) else rank.get(inspect.unwrap(runs[i]), len(rank)))
    results: dict[int, Any] = {}
    there: dict[int, Any] | None = None
    if (1 < len(jobs) <= _Queue.SIZE and shared
            and (parallel or (parallel is None and len(evidence.claims) >= PARALLEL_CLAIMS))):
        with _Queue(shared) as queue:
            worker = Forked(_run_taken, jobs, queue)
            try:
                results.update((i, jobs[i]()) for i in first)
                results.update((i, jobs[i]()) for i in queue.taken())
                there = unpickled(worker)
                worker = None
            finally:
                if worker is not None:
                    worker.cancel()
        results.update(there or {})
    for i, job in enumerate(jobs):  # all of them, when there was no second process or it failed
        if i not in results:
            results[i] = job()

    # One table from the checks' tables, in order.
    parts = [found for found in (results[i] for i in range(len(runs))) if len(found)]
    if not parts:
        return apply_waivers(schema.frame("findings"), evidence.waivers)
    found = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)  # all of one schema
    return apply_waivers(found, evidence.waivers)


class _Queue:
    """Job numbers in a pipe that both processes read, one byte each: a job goes to whichever
    process asks first, and exactly one. The numbers are written before the fork; at the end of
    the pipe, reading gives nothing and both stop."""

    SIZE = 256  # job numbers are bytes

    def __init__(self, numbers: list[int]):
        self.read, write = os.pipe()
        try:
            os.write(write, bytes(numbers))  # far below a pipe's buffer: never blocks
        finally:
            os.close(write)

    def taken(self) -> Iterator[int]:
        while number := os.read(self.read, 1):
            yield number[0]

    def __enter__(self) -> "_Queue":
        return self

    def __exit__(self, *exc: Any) -> None:
        os.close(self.read)


def _run(run: Check, evidence: Evidence) -> pd.DataFrame:
    """The findings of one check as a findings table, its columns typed where the check ran (in
    either process); a check's list of rows is let go as soon as it is one."""
    with paused_gc():  # checks build many objects; see loader.paused_gc
        found = run(evidence)
        return schema.frame("findings", found if isinstance(found, pd.DataFrame) else pd.DataFrame.from_records(found))


def _run_taken(jobs: list[Callable[[], Any]], queue: _Queue) -> bytes:
    """In the forked process: the jobs taken from ``queue``, run; their results by number, pickled
    (a job that returns nothing sends None)."""
    return pickle.dumps({i: jobs[i]() for i in queue.taken()}, protocol=pickle.HIGHEST_PROTOCOL)


def failing(findings: pd.DataFrame, threshold: str = "error") -> pd.DataFrame:
    """The findings that are not waived and at least as severe as ``threshold``."""
    rank = findings["severity"].map(SEVERITY_RANK)
    return findings[(rank >= SEVERITY_RANK[threshold]) & ~findings["waived"].fillna(False).astype(bool)]


def completeness(ev: Evidence) -> pd.DataFrame:
    """Per article: share of claims cited, of statistics cited, of cited references identified."""
    claims = ev.claims.assign(cited=ev.claims["claim"].isin(ev.citations["claim"]))
    per_claim = claims.groupby("article")["cited"].agg(claims="size", claims_cited="sum")
    stats = ev.statistics.merge(claims[["claim", "cited"]], on="claim", how="left")
    per_stat = stats.groupby("article")["cited"].agg(statistics="size", statistics_cited="sum")
    cited = ev.citations.loc[ev.citations["key"].notna(), ["article", "key"]].drop_duplicates()
    refs = ev.references.drop_duplicates("key")
    identified = refs.loc[refs["doi"].notna() | refs["pmid"].notna(), "key"]
    cited = cited.assign(identified=cited["key"].isin(identified))
    per_ref = cited.groupby("article")["identified"].agg(references_cited="size",
                                                          references_identified="sum")
    table = (ev.articles[["article"]].set_index("article")
             .join([per_claim, per_stat, per_ref]).fillna(0).reset_index())
    for part, whole in (("claims_cited", "claims"), ("statistics_cited", "statistics"),
                        ("references_identified", "references_cited")):
        share = "share_" + part
        table[share] = (table[part] / table[whole]).where(table[whole] > 0)
    return schema.frame("completeness", table)

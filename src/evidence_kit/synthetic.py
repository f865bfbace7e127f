"""A deterministic synthetic project for benchmarks: articles, claims, full texts, a bibliography.

``write_corpus(root, claims=..., entries=...)`` writes a complete project (``evidence/articles``,
``evidence/fulltext``, ``references.bib``) whose shape follows the real evidence: articles of about
a hundred claims, citations as printed ("3, 1", "2-4"), statistics quoted from their statements,
sources that name bib keys, and a bibliography of realistic entries with ``@string`` macros.
It also plants the problems a real project has, in known places: uncited claims, unreadable and
unlisted markers, reference keys the bibliography lacks, entries nobody cites, duplicate keys and
DOIs, entries missing a required field, statements the full text does not contain.

The same seed gives byte-identical files. ``Corpus`` records what was written, including every
key the evidence uses, so a benchmark can compare other tools' findings with the truth.

With ``bib=path`` the project's ``references.bib`` is a symbolic link to that file (a real
bibliography is used where it lies, never copied) and the articles cite its keys.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from .writing import write_atomic

CLAIMS_PER_ARTICLE = 100

SURNAMES = (
    "Smith Jones Garcia Müller Rossi Kowalski Nguyen Tanaka Okafor Silva Andersson Dubois Novak Kim "
    "Patel Cohen Hansen Ivanova Martínez O'Brien Schmidt Lindqvist Haddad Mbeki Sato Fischer Moreau "
    "Bianchi Costa Wagner Yilmaz Chen Wang Li Zhang Singh Ali Hassan Khan Brown Taylor Wilson Evans "
    "Thomas Roberts Walker Wright Hughes Edwards Green Hall Wood Clarke Jackson"
).split()
GIVEN = "Anna B. Carl D. Eva F. Hiro J. Kofi L. Maria N. Olga P. Ravi S. Tomas U. Wei Y. Zainab".split()
WORDS = (
    "dystonia tremor penetrance mutation carriers cohort prevalence incidence onset adult paediatric "
    "genetic variant phenotype therapy botulinum toxin levodopa response trial randomised placebo "
    "outcome follow-up neurological basal ganglia kinesigenic paroxysmal dyskinesia migraine aura "
    "seizure episode attack duration severity score quality life patients controls sibling family "
    "inheritance dominant recessive sporadic secondary primary focal segmental generalised cervical "
    "writer's cramp blepharospasm spasm gait posture leg arm trunk deep brain stimulation surgery "
    "imaging magnetic resonance diagnosis misdiagnosis delay clinic registry population screening"
).split()
JOURNALS = (
    "Movement Disorders", "Neurology", "Brain", "The Lancet Neurology", "Journal of Neurology",
    "Parkinsonism & Related Disorders", "European Journal of Neurology", "Annals of Neurology",
    "JAMA Neurology", "Journal of Neurology, Neurosurgery, and Psychiatry", "Neurogenetics",
    "Tremor and Other Hyperkinetic Movements", "BMJ", "Cochrane Database of Systematic Reviews",
)
# Journals the bibliography abbreviates with @string macros, as many real files do.
MACROS = {"movdis": "Movement Disorders", "neurol": "Neurology", "lancetn": "The Lancet Neurology"}
PUBLISHERS = ("Springer", "Elsevier", "Oxford University Press", "Wiley", "Thieme", "CRC Press")
SECTIONS = ("Overview", "Causes", "Genetic Factors", "Symptoms", "Diagnosis", "Treatment", "Outlook")
MEASURES = ("prevalence", "penetrance", "response rate", "odds ratio", "incidence", "share of patients")


@dataclass
class Corpus:
    """What ``write_corpus`` wrote, and the truth about it."""

    root: Path
    articles: int = 0
    claims: int = 0
    citations: int = 0  # one per cited reference number of a claim
    statistics: int = 0
    entries: int = 0  # bib entries written (or found, for a real bibliography)
    bib_keys: list[str] = field(default_factory=list)  # defined keys, first definition order
    used_keys: list[str] = field(default_factory=list)  # every key the evidence names, first use
    # Per claim that cites a listed reference, the keys its markers name: what \cite{...} would.
    cites: list[list[str]] = field(default_factory=list)
    evidence_files: list[Path] = field(default_factory=list)

    @property
    def unused_keys(self) -> set[str]:
        return set(self.bib_keys) - set(self.used_keys)

    @property
    def undefined_keys(self) -> set[str]:
        return set(self.used_keys) - set(self.bib_keys)


def write_corpus(root: str | Path, claims: int = 1000, entries: int = 1000, seed: int = 0,
                 bib: str | Path | None = None) -> Corpus:
    """Write a synthetic project of ``claims`` claims citing a bibliography of ``entries`` entries."""
    root = Path(root)
    rng = random.Random(seed)
    (root / "evidence" / "articles").mkdir(parents=True, exist_ok=True)
    (root / "evidence" / "fulltext").mkdir(parents=True, exist_ok=True)
    corpus = Corpus(root=root)
    target = root / "references.bib"
    if target.is_symlink() or target.exists():
        target.unlink()
    if bib is not None:
        bib = Path(bib).resolve()
        target.symlink_to(bib)
        corpus.bib_keys = bib_keys(bib.read_text(encoding="utf-8", errors="replace"))
    else:
        text, corpus.bib_keys = _bibliography(rng, entries)
        write_atomic(target, text)
    corpus.entries = entries if bib is None else len(corpus.bib_keys)

    n_articles = max(1, math.ceil(claims / CLAIMS_PER_ARTICLE))
    used: dict[str, None] = {}
    for a in range(n_articles):
        first = a * claims // n_articles
        count = (a + 1) * claims // n_articles - first
        _article(rng, corpus, a, count, used)
    corpus.used_keys = list(used)
    return corpus


_BIB_KEY = re.compile(r"^[ \t]*@[ \t]*(\w+)[ \t]*[{(][ \t]*([^,\s{}()]+)[ \t]*,", re.MULTILINE)


def bib_keys(text: str) -> list[str]:
    """The entry keys of a bibliography, in order, each once (a quick scan, not a parser)."""
    keys: dict[str, None] = {}
    for kind, key in _BIB_KEY.findall(text):
        if kind.lower() not in ("string", "comment", "preamble"):
            keys.setdefault(key, None)
    return list(keys)


# --------------------------------------------------------------------------------------------
# The bibliography


def _bibliography(rng: random.Random, entries: int) -> tuple[str, list[str]]:
    parts = ["% Synthetic bibliography for benchmarks; every entry is made up.\n\n"]
    parts.extend(f"@string{{{name} = {{{value}}}}}\n" for name, value in MACROS.items())
    parts.append("\n")
    keys: list[str] = []
    seen: set[str] = set()
    dois: list[str] = []
    for i in range(entries):
        if i and i % 250 == 0 and keys:
            # Duplicate key: the same key defined again for another work (BibTeX keeps one).
            key = keys[rng.randrange(len(keys))]
        else:
            key = _new_key(rng, seen)
            keys.append(key)
        doi = None
        if rng.random() < 0.8:
            if i % 113 == 0 and dois:
                doi = dois[rng.randrange(len(dois))]  # duplicate DOI: one work entered twice
            else:
                doi = f"10.{1000 + rng.randrange(9000)}/{rng.choice(WORDS[:20])}.{rng.randrange(10**6):06d}"
                dois.append(doi)
        parts.append(_entry(rng, key, doi, missing_field=(i % 97 == 13)))
        if i % 1000 == 500:
            parts.append("@comment{checked against the publisher's pages}\n\n")
    return "".join(parts), keys


def _new_key(rng: random.Random, seen: set[str]) -> str:
    base = f"{_ascii(rng.choice(SURNAMES)).lower()}{rng.randrange(1970, 2026)}{rng.choice(WORDS[:40])}"
    base = re.sub(r"[^a-z0-9]", "", base)
    key, n = base, 0
    while key in seen:
        n += 1
        key = f"{base}{chr(ord('a') + n % 26)}{n // 26 or ''}"
    seen.add(key)
    return key


def _ascii(text: str) -> str:
    return text.translate(str.maketrans("üéíá'", "ueia "))


def _authors(rng: random.Random) -> str:
    return " and ".join(f"{rng.choice(SURNAMES)}, {rng.choice(GIVEN)}" for _ in range(rng.randint(1, 6)))


def _title(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(5, 14))]
    if rng.random() < 0.2:
        words.insert(rng.randrange(len(words)), rng.choice(("{DNA}", "{PRRT2}", "{TOR1A}", "{MRI}")))
    return " ".join(words).capitalize()


def _entry(rng: random.Random, key: str, doi: str | None, missing_field: bool) -> str:
    kind = rng.choices(("article", "book", "inproceedings", "incollection", "misc"), (75, 8, 9, 5, 3))[0]
    fields: list[tuple[str, str]] = [("author", "{" + _authors(rng) + "}"), ("title", "{" + _title(rng) + "}")]
    year = str(rng.randrange(1970, 2026))
    if kind == "article":
        if rng.random() < 0.15:
            fields.append(("journal", rng.choice(list(MACROS))))
        else:
            fields.append(("journal", "{" + rng.choice(JOURNALS) + "}"))
        fields += [("volume", str(rng.randint(1, 160))), ("number", str(rng.randint(1, 12))),
                   ("pages", f"{{{(p := rng.randint(1, 2000))}--{p + rng.randint(2, 20)}}}")]
    elif kind == "book":
        fields += [("publisher", "{" + rng.choice(PUBLISHERS) + "}"), ("address", "{London}")]
    elif kind in ("inproceedings", "incollection"):
        fields.append(("booktitle", "{Proceedings of the " + rng.choice(WORDS).capitalize() + " Congress}"))
        if kind == "incollection":
            fields.append(("publisher", "{" + rng.choice(PUBLISHERS) + "}"))
        fields.append(("pages", f"{{{(p := rng.randint(1, 400))}--{p + rng.randint(2, 12)}}}"))
    else:
        fields.append(("howpublished", "{\\url{https://example.org/" + key + "}}"))
    fields.append(("year", year))
    if rng.random() < 0.3:
        fields.append(("month", rng.choice(("jan", "feb", "mar", "apr", "may", "jun", "sep", "oct"))))
    if doi:
        fields.append(("doi", "{" + doi + "}"))
    if rng.random() < 0.3:
        fields.append(("pmid", str(rng.randrange(10**6, 4 * 10**7))))
    if rng.random() < 0.25:
        fields.append(("abstract", "{" + " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60))) + "}"))
    if missing_field:
        required = {"article": "journal", "book": "publisher", "inproceedings": "booktitle",
                    "incollection": "booktitle", "misc": None}[kind]
        fields = [f for f in fields if f[0] != required]
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@{kind}{{{key},\n{body}\n}}\n\n"


# --------------------------------------------------------------------------------------------
# Articles, claims and full texts


def _statistic(rng: random.Random) -> tuple[str, str, tuple[float, float] | None]:
    """A statistic as printed, the measure (from the packaged vocabulary) and its share range."""
    form = rng.randrange(100)
    if form < 40:
        low = rng.randint(5, 80)
        high = low + rng.randint(2, 19)
        return f"{low}-{high}%", rng.choice(("penetrance", "symptom prevalence", "genetic yield")), (low, high)
    if form < 75:
        share = rng.randint(1, 99)
        return f"{share}%", rng.choice(("treatment response", "prevalence")), (share, share)
    if form < 90:
        total = rng.randint(20, 900)
        count = rng.randint(1, total)
        return f"{count} of {total}", "genetic yield", (100 * count / total, 100 * count / total)
    if form < 99:
        return f"{rng.randint(2, 5)}:1", "sex ratio", None
    return f"OR {rng.randint(11, 60) / 10}", "odds ratio", None  # a form the parser cannot read


def _source_value(rng: random.Random, shares: tuple[float, float]) -> tuple[str, int, int]:
    """What a source reports for a share: a percentage with the counts it came from."""
    total = rng.randint(40, 500)
    share = rng.uniform(*shares) if rng.random() < 0.97 else rng.uniform(0, 100)  # now and then, another value
    count = max(1, min(total, round(share * total / 100)))
    return f"{round(100 * count / total)}%", count, total


def _article(rng: random.Random, corpus: Corpus, a: int, n_claims: int, used: dict[str, None]) -> None:
    article = f"{a:05d}"
    bib_keys = corpus.bib_keys
    n_refs = rng.randint(20, 40)
    refs: list[str] = []
    for number in range(1, n_refs + 1):
        if rng.random() < 0.01 or not bib_keys:
            refs.append(f"undefined{a}x{number}")  # a reference the bibliography lacks
        else:
            refs.append(bib_keys[rng.randrange(len(bib_keys))])
    gap = n_refs - 1 if a % 17 == 5 else None  # a gap in the numbering, now and then
    listed = {n: key for n, key in enumerate(refs, start=1) if n != gap}
    for key in listed.values():
        used.setdefault(key, None)

    full_text = [f"Article {article}: {rng.choice(WORDS).capitalize()} and {rng.choice(WORDS)}\n"]
    yaml_lines = [
        "article:",
        f'  id: "{article}"',
        f"  title: Synthetic article {article} on {rng.choice(WORDS)}",
        "  publisher: Synthetic Health",
        f"  accessed: 2026-{1 + a % 12:02d}-{1 + a % 28:02d}",
        "  status: submitted",
        f"  full_text: evidence/fulltext/{article}.txt",
        f"  origin: generated with seed {a}",
        "  references:",
        *(f"    {n}: {key}" for n, key in listed.items()),
        "",
        "claims:",
    ]
    section = None
    for c in range(1, n_claims + 1):
        corpus.claims += 1
        if c == 1 or rng.random() < 0.08:
            section = rng.choice(SECTIONS)
            full_text.append(f"\n{section}\n\n")
        words = [rng.choice(WORDS) for _ in range(rng.randint(10, 28))]
        stats: list[tuple[str, str, tuple[float, float] | None]] = []
        if rng.random() < 0.35:
            stats.append(_statistic(rng))
            words.insert(rng.randrange(1, len(words)), f"in {stats[0][0]} of patients")
        statement = " ".join(words)
        statement = statement[0].upper() + statement[1:]
        roll = rng.random()
        numbers = list(listed)
        if roll < 0.04 or not numbers:
            printed = ""  # uncited
        elif roll < 0.045:
            printed = "a"  # not a reference number
        elif roll < 0.05:
            printed = str(n_refs + 5)  # not in the reference list
        elif roll < 0.12 and len(numbers) > 3:
            first = rng.randrange(len(numbers) - 2)
            printed = f"{numbers[first]}-{numbers[first + 2]}"
        elif roll < 0.45:
            printed = ", ".join(str(n) for n in rng.sample(numbers, min(len(numbers), rng.randint(2, 3))))
        else:
            printed = str(rng.choice(numbers))
        corpus.citations += _count_markers(printed)
        keys = [listed[n] for n in _marker_numbers(printed) if n in listed]
        if keys:
            corpus.cites.append(keys)

        shown = statement
        if rng.random() < 0.01:
            shown = statement.replace(" ", "  ", 1) + " (revised)"  # the article now reads otherwise
            shown = shown.replace(" ", " and ", 1)
        full_text.append(_wrap(f"  • {shown} {printed}".rstrip(), 88) + "\n")

        yaml_lines.append(f'  - id: "{article}-c{c:03d}"')
        yaml_lines.append(f"    section: {section}")
        yaml_lines.append("    statement: >-")
        yaml_lines.extend("      " + line for line in _wrap(statement, 92).split("\n"))
        if printed:
            yaml_lines.append(f'    citations: "{printed}"')
        if stats:
            yaml_lines.append("    statistics:")
            for text, measure, shares in stats:
                corpus.statistics += 1
                yaml_lines.append(f'      - text: "{text}"')
                yaml_lines.append(f"        measure: {measure}")
                if shares is not None and rng.random() < 0.75:
                    key = rng.choice(list(listed.values())) if rng.random() < 0.97 else f"nosource{article}x{c}"
                    used.setdefault(key, None)
                    value, count, total = _source_value(rng, shares)
                    yaml_lines += ["        sources:", f"          - key: {key}", f'            value: "{value}"',
                                   f"            n: {count}", f"            N: {total}"]
        yaml_lines.append("")
    full_text.append("\nReferences\n\n")
    full_text.extend(f"{n}. Reference {n}\n" for n in listed)
    path = corpus.root / "evidence" / "articles" / f"{article}.yaml"
    write_atomic(path, "\n".join(yaml_lines))
    write_atomic(corpus.root / "evidence" / "fulltext" / f"{article}.txt", "".join(full_text))
    corpus.evidence_files.append(path)
    corpus.articles += 1


def _count_markers(printed: str) -> int:
    """How many citations the markers make, unreadable ones ("a") included."""
    if not printed:
        return 0
    return len(_marker_numbers(printed)) if "-" in printed else len(printed.split(","))


def _marker_numbers(printed: str) -> list[int]:
    """The reference numbers of markers as the generator prints them ("3", "2, 7", "4-6"; "a": none)."""
    if "-" in printed:
        low, high = printed.split("-")
        return list(range(int(low), int(high) + 1))
    return [int(part) for part in printed.split(",") if part.strip().isdigit()]


def _wrap(text: str, width: int) -> str:
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(lines)


def write_aux(path: str | Path, keys: list[str], bibdata: str = "references",
              cites: list[list[str]] = ()) -> Path:
    """The citations as LaTeX writes them to an ``.aux`` file, for checkcites: a ``\\citation``
    line per ``\\cite`` (``cites``, one per claim), then one per used key no claim cites (listed
    references and sources, as ``\\nocite`` would); the used keys are ``keys`` either way."""
    path = Path(path)
    cited = {key for claim in cites for key in claim}
    lines = [f"\\citation{{{','.join(claim)}}}" for claim in cites]
    lines += [f"\\citation{{{key}}}" for key in keys if key not in cited]
    lines.append(f"\\bibdata{{{bibdata}}}")
    write_atomic(path, "\n".join(lines) + "\n")
    return path

"""The ``evidence-kit`` command: a thin shell over the library.

Each sub-command parses its arguments, calls the library and prints. Errors that carry a user
message (``EvidenceKitError``) are caught in one place, in ``main``, and printed as one line each
with exit status 2. Heavy modules (plotting, statistics, notebooks) are imported inside the
sub-commands that need them, so ``check`` starts fast.

Exit status: 0 clean, 1 findings at or above ``--fail-on``, 2 unusable input or usage,
3 an internal error (a bug: please report it with EVIDENCE_KIT_DEBUG=1 output).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Callable, NoReturn, Sequence

from .errors import EvidenceKitError, UsageError


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so usage errors share the one error path."""

    def error(self, message: str) -> None:  # type: ignore[override]
        # "evidence-kit check: ..." once, not "evidence-kit: evidence-kit check: ...".
        command = self.prog.partition(" ")[2]
        raise UsageError(f"{command + ': ' if command else ''}{message} (see --help)")


def _check(args: argparse.Namespace) -> int:
    from .cache import check_command

    text, status = check_command(args.root, args.format, args.fail_on, cache=args.cache)
    sys.stdout.write(text)
    return status


def _bench(args: argparse.Namespace) -> int:
    from .benchmark import main as benchmark

    return benchmark(args.options)


def _extract(args: argparse.Namespace) -> int:
    from .extract import article_id_from_path, draft_json, extract, read_article, write_draft

    if args.format == "json":
        if args.out is not None:
            raise UsageError("extract: --format json prints to standard output; --out is for the YAML draft")
        draft = extract(read_article(args.article))
        sys.stdout.write(draft_json(draft, args.id or article_id_from_path(args.article)))
        return 0
    path, draft = write_draft(args.article, out=args.out, article_id=args.id)
    print(f"wrote {path}: a draft of {len(draft.statements)} statements, {len(draft.markers)} markers, "
          f"{sum(len(s.statistics) for s in draft.statements)} statistics, {len(draft.references)} "
          "references; review it before use")
    return 0


def _codes(args: argparse.Namespace) -> int:
    from .findings import CATALOGUE

    for code in CATALOGUE.values():
        print(f"{code.code:<28} {code.severity:<8} {code.explanation}")
    return 0


def _review(args: argparse.Namespace) -> int:
    from .verdicts import record_verdict

    if args.show:
        return _show_verdicts(args)
    missing = [f"--{name}" for name in ("verdict", "reviewer", "certainty", "rationale")
               if getattr(args, name) is None]
    if missing:
        raise UsageError(f"review: recording a verdict needs {', '.join(missing)} "
                         "(or --show to see the history)")
    record = record_verdict(args.root, args.claim, args.verdict, args.reviewer, rationale=args.rationale,
                            certainty=args.certainty, quote=args.quote, source=args.source,
                            locator=args.locator, resolves=args.resolves)
    print(f"recorded: {record['claim']} {record['verdict']} (certainty {record['certainty']}) "
          f"by {record['reviewer']} at {record['recorded']}")
    return 0


def _show_verdicts(args: argparse.Namespace) -> int:
    from .loader import load
    from .output import visible
    from .schema import records
    from .verdicts import VerdictRejected, conflicts, verdicts_for

    evidence = load(args.root)
    claims = evidence.claims.set_index("claim")
    if args.claim not in claims.index:
        raise VerdictRejected(f"no article has a claim {args.claim!r}")
    claim = claims.loc[args.claim]
    print(f"{args.claim} (article {claim['article']}, {claim['file']}:{claim['line']})")
    print(f"  {' '.join(claim['statement'].split())}")
    history = verdicts_for(evidence.verdicts, args.claim, args.reviewer)
    if history.empty:
        print("no verdict yet" + (f" by {args.reviewer}" if args.reviewer else ""))
        return 0
    for row in map(visible, records(history)):  # a ledger line may hold an ESC: show it, do not send it
        settles = ", resolves the disagreement" if row["resolves"] else ""
        print(f"{row['recorded']}  {row['reviewer']}: {row['verdict']} (certainty {row['certainty']}{settles})")
        print(f"    {row['rationale']}")
        if row["quote"] or row["source"] or row["locator"]:
            where = ", ".join(part for part in (row["source"], row["locator"]) if part)
            quote = f'"{row["quote"]}" ' if row["quote"] else ""
            print(f"    {quote}({where or 'no source named'})")
    if args.reviewer is None and args.claim in set(conflicts(evidence.verdicts)["claim"]):
        print("reviewers disagree: unresolved (record a verdict with --resolves to settle it)")
    return 0


def _report(args: argparse.Namespace) -> int:
    from .html_report import write_report
    from .loader import load

    index = write_report(load(args.root), args.out)
    print(f"wrote {index}: open it in a browser (it works offline)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="evidence-kit", description="Audit the evidence behind health articles.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    check = commands.add_parser("check", help="check citations, bibliography and statistics",
                                description="Check the evidence of the project at ROOT.")
    check.add_argument("root", nargs="?", default=".", metavar="ROOT",
                       help="project folder with evidence/ and references.bib (default: .)")
    check.add_argument("--format", choices=("text", "json", "junit", "github"), default="text")
    check.add_argument("--fail-on", choices=("error", "warning"), default="error",
                       help="exit 1 when an unwaived finding is at least this severe (default: error)")
    check.add_argument("--no-cache", dest="cache", action="store_false",
                       help="parse and check everything afresh; by default an unchanged input is read "
                            "from .evidence-kit-cache/ (keyed by content, never stale)")
    check.set_defaults(run=_check)

    bench = commands.add_parser("bench", add_help=False, help="benchmark against the parse floor and checkcites",
                                description="Run the benchmark (see `evidence-kit bench --help`).")
    bench.add_argument("options", nargs=argparse.REMAINDER)
    bench.set_defaults(run=_bench)

    from .verdicts import CERTAINTIES, VERDICTS

    review = commands.add_parser(
        "review", help="record a verdict on a claim, or --show its history",
        description="Record a reviewer's verdict on CLAIM in evidence/verdicts.jsonl, or show the "
                    "claim's verdicts with --show (only one reviewer's with --reviewer: the blind view).")
    review.add_argument("claim", metavar="CLAIM", help="claim id, e.g. 004-c02")
    review.add_argument("--show", action="store_true", help="show the claim's verdicts, oldest first")
    review.add_argument("--verdict", help=f"one of: {' | '.join(VERDICTS)}")
    review.add_argument("--reviewer", help="who decides (with --show: only this reviewer's verdicts)")
    review.add_argument("--certainty", help=f"GRADE certainty, one of: {' | '.join(CERTAINTIES)}")
    review.add_argument("--rationale", help="why, in a sentence or two")
    review.add_argument("--quote", help="the words of the source that bear on the claim")
    review.add_argument("--source", metavar="KEY", help="the source's key in references.bib")
    review.add_argument("--locator", help="where in the source, e.g. 'Abstract' or 'Table 2'")
    review.add_argument("--resolves", action="store_true",
                        help="this verdict settles a disagreement between reviewers")
    review.add_argument("--root", default=".", metavar="ROOT", help="project folder (default: .)")
    review.set_defaults(run=_review)

    report = commands.add_parser(
        "report", help="write the HTML report: an index and one page per article",
        description="Write a static HTML report of the project at ROOT into DIR: index.html with every "
                    "article, its completeness, the findings and the plots, and one page per article. "
                    "DIR must be new, empty, or a report written by this command before.")
    report.add_argument("root", nargs="?", default=".", metavar="ROOT",
                        help="project folder with evidence/ and references.bib (default: .)")
    report.add_argument("--out", required=True, metavar="DIR", help="the folder to write the report into")
    report.set_defaults(run=_report)

    codes = commands.add_parser("codes", help="list the finding codes with their severity")
    codes.set_defaults(run=_codes)

    extract = commands.add_parser(
        "extract", help="draft an evidence file from an article's text",
        description="Draft an evidence file from ARTICLE (plain text): its statements, citation markers, "
                    "reference list and statistics, for a reviewer to edit. Never overwrites a file.")
    extract.add_argument("article", metavar="ARTICLE", help="the article's full text, UTF-8")
    extract.add_argument("--out", metavar="FILE", help="where to write the draft (default: evidence/articles/ID.yaml)")
    extract.add_argument("--id", help="the article id (default: the leading number of ARTICLE's name)")
    extract.add_argument("--format", choices=("yaml", "json"), default="yaml",
                         help="yaml writes the draft file; json prints the statements to standard output")
    extract.set_defaults(run=_extract)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # bibtexparser logs a warning per failed block; each is already a finding with its line.
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["bench"]:  # the benchmark parses its own options
            return _bench(argparse.Namespace(options=argv[1:]))
        args = build_parser().parse_args(argv)
        run: Callable[[argparse.Namespace], int] = args.run
        return run(args)
    except EvidenceKitError as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            print(f"evidence-kit: {line}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("evidence-kit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # the system refused: a full disk, a folder that cannot be made
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"evidence-kit: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: one line for the user, the traceback on request
        if os.environ.get("EVIDENCE_KIT_DEBUG"):
            raise
        print(f"evidence-kit: internal error: {type(exc).__name__}: {exc} "
              "(set EVIDENCE_KIT_DEBUG=1 for the traceback)", file=sys.stderr)
        return 3


def run() -> NoReturn:
    """The ``evidence-kit`` command: ``main``, then leave without tearing the interpreter down.

    Everything the commands write is closed (and synced) before they return, so there is nothing
    left to do at exit but free memory, and freeing pandas' and numpy's objects one by one took
    60 ms, a quarter of a check of a small project. ``main`` itself returns normally, for callers
    in Python.
    """
    status = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away: what it read is all it wanted
        pass
    except (OSError, ValueError) as exc:  # a full disk, a closed stream: the output is incomplete
        print(f"evidence-kit: cannot write the output: {exc}", file=sys.stderr)
        status = status or 2
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(status)


if __name__ == "__main__":
    run()

"""The benchmark: evidence-kit against the parse floor and against checkcites, on a synthetic project.

    python -m evidence_kit.benchmark                      # 100,000 claims, 30,000 bib entries
    evidence-kit bench --claims 1000 --entries 1000 --runs 1 --no-series   # a quick look
    evidence-kit bench --bib ../shared/data/bib/glottolog-zurich.bib       # a real bibliography

It writes a deterministic synthetic project (``synthetic.write_corpus``) into a temporary folder,
then runs every step in fresh processes, in ``--runs`` rounds of one run of each step (so that
whatever else the machine does slows all steps alike), and prints Markdown: the median
wall time and the median peak resident memory of each step (``ru_maxrss`` of the finished process,
from ``os.wait4``; for a run that forks, the largest of its processes), where a check run spends
its time, the scaling series, the comparison with checkcites when it is installed (Debian package
``texlive-extra-utils``), and a table of the targets, each with the ratio measured in this run and
whether it is met.

Every step is a whole process, so every time includes starting Python and importing what the step
needs; the import floor is ``python -c "import pandas, bibtexparser"``. Timings are wall-clock
times on whatever else the machine is doing: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any, Sequence

PYTHON = sys.executable
CACHE_DIR = ".evidence-kit-cache"

# The bare library steps: only the libraries, no evidence-kit code.
FLOOR = "import pandas, bibtexparser"
BARE_BIB = "import sys, pandas, bibtexparser; bibtexparser.parse_file(sys.argv[1])"
BARE_YAML = ("import sys, glob, pandas, yaml\n"
             "for f in sorted(glob.glob(sys.argv[1] + '/evidence/articles/*.yaml')):\n"
             "    with open(f, encoding='utf-8') as text:\n"
             "        yaml.load(text.read(), Loader=yaml.CSafeLoader)\n")

TARGETS = {
    "shipped": 1.5,  # check on the shipped evidence / import floor
    "bib": 1.15,  # loading the bibliography / bare bibtexparser.parse_file
    "evidence": 1.3,  # loading the evidence files / bare yaml.load of the same files
    "checks": 0.15,  # all checks / the whole cold run
    "checkcites_cold": 12.0,  # checkcites / evidence-kit cold
    "checkcites_warm": 50.0,  # checkcites / evidence-kit warm
    "scaling": 11.0,  # time beyond parsing at 10x the claims / at 1x
    "memory": 1.5,  # peak memory of a cold check / of bare bibtexparser on the same bibliography
    "warm": 5.0,  # cold / warm
}


@dataclass
class Step:
    """One step's runs: wall seconds and peak resident memory (KiB) of each."""

    name: str
    seconds: list[float] = field(default_factory=list)
    peak_kib: list[int] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)  # standard output of each run, when kept

    @property
    def output(self) -> str:
        return self.outputs[-1] if self.outputs else ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")

    @property
    def peak_mb(self) -> float:
        return statistics.median(self.peak_kib) / 1024 if self.peak_kib else float("nan")


class StepFailed(RuntimeError):
    pass


def run_once(argv: Sequence[str], cwd: Path | None = None, keep_output: bool = False,
             ok: Sequence[int] = (0,), digest: bool = False) -> tuple[float, int, str]:
    """Run ``argv`` in a fresh process; its wall time, peak RSS (KiB) and, if kept, its stdout
    (or, with ``digest``, the SHA-256 of its stdout).

    The process is started with a plain fork and exec, not the vfork ``subprocess`` uses: after a
    vfork Linux reports the parent's high-water mark as the child's ``ru_maxrss``.
    """
    import hashlib

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sink = out if keep_output or digest else None
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the child: become the step
            try:
                if cwd is not None:
                    os.chdir(cwd)
                null = os.open(os.devnull, os.O_RDWR)
                os.dup2(null, 0)
                os.dup2(sink.fileno() if sink is not None else null, 1)
                os.dup2(err.fileno(), 2)
                os.execvp(argv[0], list(argv))
            finally:
                os._exit(127)
        _, status, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in ok:
            err.seek(0)
            raise StepFailed(f"{' '.join(map(str, argv))} exited with {code}: "
                             f"{err.read().decode(errors='replace')[-2000:]}")
        text = ""
        if digest:
            out.seek(0)
            text = hashlib.file_digest(out, "sha256").hexdigest()
        elif keep_output:
            out.seek(0)
            text = out.read().decode("utf-8", errors="replace")
    return elapsed, usage.ru_maxrss, text


def measure(name: str, argv: Sequence[str], runs: int, cwd: Path | None = None, before: Any = None,
            keep_output: bool = False, ok: Sequence[int] = (0,), digest: bool = False) -> Step:
    step = Step(name)
    for _ in range(runs):
        if before is not None:
            before()
        seconds, peak, output = run_once(argv, cwd=cwd, keep_output=keep_output, ok=ok, digest=digest)
        step.seconds.append(seconds)
        step.peak_kib.append(peak)
        step.outputs.append(output)
    return step


def _module(*args: str) -> list[str]:
    return [PYTHON, "-m", "evidence_kit.benchmark", "--step", *args]


def _check(root: Path, *options: str) -> list[str]:
    return [PYTHON, "-m", "evidence_kit.cli", "check", str(root), *options]


def _drop_cache(root: Path) -> Any:
    return lambda: shutil.rmtree(root / CACHE_DIR, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Steps run inside the child processes (``--step``)


def _step_corpus(root: str, claims: str, entries: str, seed: str, bib: str) -> None:
    """Write a corpus (in a child, so the benchmark's own memory stays small); prints it as JSON."""
    from .synthetic import write_corpus

    corpus = write_corpus(root, claims=int(claims), entries=int(entries), seed=int(seed),
                          bib=None if bib == "-" else bib)
    data = {name: getattr(corpus, name) for name in corpus.__dataclass_fields__}
    data["root"] = str(corpus.root)
    data["evidence_files"] = [str(p) for p in corpus.evidence_files]
    print(json.dumps(data))


def _step_sets(root: str) -> None:
    """evidence-kit's unused and undefined keys, from its JSON report; prints them as JSON."""
    from .cache import check_command

    unused, undefined = evidence_kit_sets(check_command(root, "json", "error")[0])
    print(json.dumps([sorted(unused), sorted(undefined)]))


def _step_load_bibliography(root: str) -> None:
    """What ``load`` does with the bibliography when it parses it in this process."""
    from .loader import paused_gc, read_bibliography

    with paused_gc():
        read_bibliography(Path(root, "references.bib").read_bytes(), "references.bib")


def _step_load_evidence(root: str) -> None:
    """What ``load`` does with the evidence files."""
    loader = import_module("evidence_kit.loader")
    articles = sorted(Path(root, import_module("evidence_kit.inputs").ARTICLES_DIR).glob("*.yaml"))
    raw = [(path.relative_to(root).as_posix(), path.read_bytes()) for path in articles]
    with loader.paused_gc():
        loader._evidence_tables(raw, None, {})


def _step_phases(root: str, mode: str = "serial") -> None:
    """One cold check in this process, timing each part; prints JSON.

    ``serial``: the bibliography, the evidence and the checks one after the other in this process,
    so the time of each part can be told apart. ``parallel``: as ``evidence-kit check`` runs them
    (without the cache), for the share of the checks in the wall time.
    """
    parallel = None if mode == "parallel" else False
    clock = time.perf_counter
    start = clock()
    import bibtexparser
    import pandas  # noqa: F401
    import yaml  # noqa: F401

    from . import checks, evidence_format, output

    loader = import_module("evidence_kit.loader")
    imported = clock()
    spent: dict[str, float] = {}

    def timed(name: str, function: Any) -> Any:
        @functools.wraps(function)  # still that check, for check()'s choice of process
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            begin = clock()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + clock() - begin
        return wrapper

    bibtexparser.parse_string = timed("bibtexparser.parse_string", bibtexparser.parse_string)
    evidence_format._compose = timed("yaml compose", evidence_format._compose)
    loader.read_bibliography = timed("bibliography (parse and table)", loader.read_bibliography)
    loader._evidence_tables = timed("evidence files (parse and tables)", loader._evidence_tables)
    loader._read_full_text = timed("full texts", loader._read_full_text)
    groups: dict[str, str] = {}
    wrapped = []
    for function in checks.CHECKS:
        group = f"checks in {function.__module__.rsplit('.', 1)[-1]}.py"
        groups[group] = ""
        wrapped.append(timed(group, function))

    begin = clock()
    evidence = loader.load(root, cache=False, parallel=parallel)
    loaded = clock()
    found = checks.check(evidence, wrapped, parallel=parallel)
    checked = clock()
    text = output.render(found, checks.completeness(evidence), "text", "error")
    rendered = clock()
    parse = spent.get("bibtexparser.parse_string", 0.0) + spent.get("yaml compose", 0.0)
    result = {
        "import": imported - start,
        "load": loaded - begin,
        "checks": checked - loaded,
        "report": rendered - checked,
        "total": rendered - start,
        "parse": parse,
        "beyond parsing": rendered - imported - parse,
        "findings": int(len(found)),
        "report bytes": len(text.encode()),
        **{name: spent.get(name, 0.0) for name in
           ("bibtexparser.parse_string", "yaml compose", "bibliography (parse and table)",
            "evidence files (parse and tables)", "full texts", *groups)},
    }
    print(json.dumps(result))


STEPS = {"load-bibliography": _step_load_bibliography, "load-evidence": _step_load_evidence,
         "phases": _step_phases, "corpus": _step_corpus, "sets": _step_sets}


# --------------------------------------------------------------------------------------------
# checkcites


def parse_checkcites(text: str) -> tuple[set[str], set[str]]:
    """The unused and undefined keys of ``checkcites --all`` output."""
    unused: set[str] = set()
    undefined: set[str] = set()
    current: set[str] | None = None
    for line in text.splitlines():
        if line.startswith("Unused references in your TeX document"):
            current = unused
        elif line.startswith("Undefined references in your TeX document"):
            current = undefined
        elif line.startswith("=> ") and current is not None:
            current.add(line[3:].strip())
    return unused, undefined


def evidence_kit_sets(report: str) -> tuple[set[str], set[str]]:
    """The unused and undefined keys of ``evidence-kit check --format json`` output."""
    found = json.loads(report)["findings"]
    unused = {f["key"] for f in found if f["code"] == "bib-entry-unused"}
    undefined = {f["key"] for f in found if f["code"] in
                 ("citation-key-undefined", "reference-key-undefined", "source-key-undefined",
                  "verdict-source-undefined")}
    return unused, undefined


# --------------------------------------------------------------------------------------------
# The whole benchmark


@dataclass
class Result:
    """Everything one benchmark run measured, for the tables."""

    corpus: Any
    runs: int
    steps: dict[str, Step] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)  # in series
    phases_parallel: dict[str, float] = field(default_factory=dict)  # as the command runs
    series: list[dict[str, Any]] = field(default_factory=list)
    checkcites: dict[str, Any] | None = None
    stale: bool | None = None
    shipped: Path | None = None
    notes: list[str] = field(default_factory=list)
    yaml_bytes: int = 0  # measured while the corpus exists: the temporary folder goes first
    bib_bytes: int = 0


def _corpus(folder: Path, claims: int, entries: int, seed: int, bib: Path | None) -> Any:
    from .synthetic import Corpus

    if folder.exists():
        shutil.rmtree(folder)
    _, _, text = run_once(_module("corpus", str(folder), str(claims), str(entries), str(seed),
                                  "-" if bib is None else str(Path(bib).resolve())), keep_output=True)
    data = json.loads(text)
    data["root"] = Path(data["root"])
    data["evidence_files"] = [Path(p) for p in data["evidence_files"]]
    return Corpus(**data)


def _medians(outputs: list[str]) -> dict[str, float]:
    """The median of each number of the ``phases`` step's JSON outputs."""
    numbers = [json.loads(output) for output in outputs]
    return {name: statistics.median(n[name] for n in numbers) for name in numbers[0]}


def _phases(root: Path, mode: str, runs: int) -> tuple[Step, dict[str, float]]:
    """The ``phases`` step ``runs`` times; the median of each of its numbers."""
    step = measure(f"check timed by phase ({mode})", _module("phases", str(root), mode), runs, keep_output=True)
    return step, _medians(step.outputs)


def _series_point(root: Path, runs: int) -> dict[str, Any]:
    cold = measure("check, cold", _check(root), runs, before=_drop_cache(root), ok=(0, 1))
    _, phases = _phases(root, "serial", runs)
    bare_bib = measure("bibtexparser.parse_file", [PYTHON, "-c", BARE_BIB, str(root / "references.bib")], runs)
    bare_yaml = measure("yaml.load", [PYTHON, "-c", BARE_YAML, str(root)], runs)
    return {"cold": cold, "phases": phases, "bare_bib": bare_bib, "bare_yaml": bare_yaml}


SERIES = ((1000, 1000), (10_000, 1000), (100_000, 1000), (1000, 10_000), (1000, 30_000))


def run(claims: int = 100_000, entries: int = 30_000, runs: int = 3, seed: int = 0, bib: Path | None = None,
        series: Sequence[tuple[int, int]] = SERIES, workdir: Path | None = None, shipped: Path | None = None,
        checkcites: bool = True, log: Any = None) -> Result:
    """Run the benchmark; ``log`` (a callable) hears what is being measured."""
    say = log or (lambda message: None)
    own = workdir is None
    base = Path(tempfile.mkdtemp(prefix="evidence-kit-bench-")) if own else Path(workdir)
    base.mkdir(parents=True, exist_ok=True)
    try:
        root = base / "main"
        say(f"writing the corpus: {claims} claims, {entries if bib is None else bib} entries")
        corpus = _corpus(root, claims, entries, seed, bib)
        result = Result(corpus=corpus, runs=runs, shipped=shipped,
                        yaml_bytes=sum(_size(p) for p in corpus.evidence_files),
                        bib_bytes=_size(corpus.root / "references.bib"))
        steps = result.steps
        bib_path = str(root / "references.bib")

        # Every step once per round, the rounds one after the other: whatever else the machine is
        # doing slows the runs of all steps alike, and the ratios stay comparable.
        plan: list[tuple[str, str, list[str], dict[str, Any]]] = [
            ("floor", "import floor", [PYTHON, "-c", FLOOR], {}),
            ("bare_bib", "bibtexparser.parse_file", [PYTHON, "-c", BARE_BIB, bib_path], {}),
            ("bare_yaml", "yaml.load (CSafeLoader)", [PYTHON, "-c", BARE_YAML, str(root)], {}),
            ("load_bib", "load the bibliography", _module("load-bibliography", str(root)), {}),
            ("load_evidence", "load the evidence files", _module("load-evidence", str(root)), {}),
            ("cold", "check, cold (empty cache)", _check(root), {"before": _drop_cache(root), "ok": (0, 1)}),
            ("warm", "check, warm (cache filled)", _check(root), {"ok": (0, 1)}),
            ("no_cache", "check --no-cache", _check(root, "--no-cache"), {"ok": (0, 1)}),
            ("phases", "check timed by phase (serial)", _module("phases", str(root), "serial"),
             {"keep_output": True}),
            ("phases_parallel", "check timed by phase (parallel)", _module("phases", str(root), "parallel"),
             {"keep_output": True}),
        ]
        if shipped is not None:
            plan.append(("shipped", "check on the shipped evidence (--no-cache)", _check(shipped, "--no-cache"),
                         {"ok": (0, 1)}))
        if checkcites and shutil.which("checkcites"):
            from .synthetic import write_aux

            write_aux(root / "references.aux", corpus.used_keys, "references", corpus.cites)
            plan.append(("checkcites", "checkcites --all references.aux",
                         ["checkcites", "--all", "references.aux"], {"cwd": root, "keep_output": True, "ok": (0, 1)}))
        elif checkcites:
            result.notes.append("checkcites is not installed (Debian: apt-get install texlive-extra-utils); "
                                "its comparison was skipped.")
        for round_ in range(runs):
            say(f"round {round_ + 1} of {runs}: " + ", ".join(key for key, *_ in plan))
            for key, name, argv, options in plan:
                step = steps.setdefault(key, Step(name))
                before = options.get("before")
                if before is not None:
                    before()
                seconds, peak, output = run_once(argv, cwd=options.get("cwd"), ok=options.get("ok", (0,)),
                                                 keep_output=options.get("keep_output", False))
                step.seconds.append(seconds)
                step.peak_kib.append(peak)
                step.outputs.append(output)
        result.phases = _medians(steps["phases"].outputs)
        result.phases_parallel = _medians(steps["phases_parallel"].outputs)
        if "checkcites" in steps:
            _, _, text = run_once(_module("sets", str(root)), keep_output=True)
            result.checkcites = {"checkcites": parse_checkcites(steps["checkcites"].output),
                                 "evidence-kit": tuple(set(keys) for keys in json.loads(text)),
                                 "truth": (corpus.unused_keys, corpus.undefined_keys)}

        say("a changed input must not be served stale")
        result.stale = _stale_check(root, steps)

        if series:
            for n_claims, n_entries in series:
                say(f"series: {n_claims} claims, {n_entries} entries")
                if (n_claims, n_entries) == (claims, entries) and bib is None:
                    folder, point_corpus = root, corpus
                else:
                    folder = base / f"series-{n_claims}-{n_entries}"
                    point_corpus = _corpus(folder, n_claims, n_entries, seed, None)
                point = _series_point(folder, runs)
                point.update(claims=n_claims, entries=n_entries, corpus=point_corpus)
                result.series.append(point)
                if folder != root:
                    shutil.rmtree(folder, ignore_errors=True)
        return result
    finally:
        if own:
            shutil.rmtree(base, ignore_errors=True)


def _stale_check(root: Path, steps: dict[str, Step]) -> bool:
    """Edit one article and the bibliography; the cached run must print what an uncached run does."""
    article = sorted((root / "evidence" / "articles").glob("*.yaml"))[-1]
    original = article.read_bytes()
    bib = root / "references.bib"
    bib_original = bib.read_bytes() if not bib.is_symlink() else None
    try:
        _, _, unchanged = run_once(_check(root), digest=True, ok=(0, 1))
        # The statement no longer matches its full text: the report must say so.
        article.write_bytes(original.replace(b"    statement: >-\n      ", b"    statement: >-\n      Edited ", 1))
        _, _, fresh = run_once(_check(root, "--no-cache"), digest=True, ok=(0, 1))
        steps["edited"] = measure("check after one article was edited", _check(root), 1, digest=True,
                                  ok=(0, 1))
        same = steps["edited"].output == fresh != unchanged
        if bib_original is not None:
            bib.write_bytes(bib_original + b"\n@misc{benchmarkextra, title = {Added}, year = {2026}}\n")
            _, _, fresh = run_once(_check(root, "--no-cache"), digest=True, ok=(0, 1))
            _, _, cached = run_once(_check(root), digest=True, ok=(0, 1))
            same = same and cached == fresh != steps["edited"].output
        return same
    finally:
        article.write_bytes(original)
        if bib_original is not None:
            bib.write_bytes(bib_original)
        run_once(_check(root), ok=(0, 1))  # the cache of the original again


# --------------------------------------------------------------------------------------------
# The report


def _s(seconds: float) -> str:
    return f"{seconds:.2f}" if seconds == seconds else "-"


def _ratio(value: float) -> str:
    return f"{value:.2f}x" if value == value else "-"


def _met(ok: bool | None) -> str:
    return "-" if ok is None else ("**yes**" if ok else "**NO**")


def targets(result: Result) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for each target of the issue, ratios from this run."""
    steps, out = result.steps, []
    floor = steps["floor"].median

    def beyond(step: str, bare: str) -> str:
        return f"{_ratio((steps[step].median - floor) / (steps[bare].median - floor))} beyond the import floor"

    if "shipped" in steps:
        r = steps["shipped"].median / floor
        out.append(("check on the shipped evidence <= 1.5x the import floor",
                    f"{_s(steps['shipped'].median)} s / {_s(floor)} s = {_ratio(r)}", r <= TARGETS["shipped"]))
    r = steps["load_bib"].median / steps["bare_bib"].median
    out.append(("loading the bibliography <= 1.15x bare bibtexparser.parse_file",
                f"{_ratio(r)} ({beyond('load_bib', 'bare_bib')})", r <= TARGETS["bib"]))
    r = steps["load_evidence"].median / steps["bare_yaml"].median
    out.append(("loading the evidence files <= 1.3x bare yaml.load of the same files",
                f"{_ratio(r)} ({beyond('load_evidence', 'bare_yaml')})", r <= TARGETS["evidence"]))
    checks = result.phases_parallel.get("checks", float("nan"))
    share = checks / steps["cold"].median
    detail = ", ".join(f"{k[len('checks in '):]} {_s(v)} s" for k, v in result.phases.items()
                       if k.startswith("checks in "))
    out.append(("all checks <= 15% of the whole cold run",
                f"{_s(checks)} s of {_s(steps['cold'].median)} s = {share:.0%} (CPU time in series: {detail})",
                share <= TARGETS["checks"]))
    if result.checkcites is not None:
        cc = steps["checkcites"].median
        cold, warm = cc / steps["cold"].median, cc / steps["warm"].median
        out.append(("same unused and undefined keys as checkcites",
                    _sets_summary(result.checkcites), _sets_agree(result.checkcites)))
        out.append(("cold check >= 12x faster than checkcites",
                    f"{_s(cc)} s / {_s(steps['cold'].median)} s = {_ratio(cold)}", cold >= TARGETS["checkcites_cold"]))
        out.append(("warm check >= 50x faster than checkcites",
                    f"{_s(cc)} s / {_s(steps['warm'].median)} s = {_ratio(warm)}", warm >= TARGETS["checkcites_warm"]))
    # The claims series: the points with the first point's number of entries; the two largest.
    claims_series = sorted((p for p in result.series if p["entries"] == result.series[0]["entries"]),
                           key=lambda p: p["claims"]) if result.series else []
    if len(claims_series) >= 2:
        small, large = claims_series[-2], claims_series[-1]
        times = large["claims"] / small["claims"]
        limit = TARGETS["scaling"] / 10 * times
        r = large["phases"]["beyond parsing"] / small["phases"]["beyond parsing"]
        out.append((f"{times:g}x the claims costs <= {limit:g}x the time beyond parsing",
                    f"{_s(large['phases']['beyond parsing'])} s / {_s(small['phases']['beyond parsing'])} s "
                    f"= {_ratio(r)} ({large['claims']:,} vs {small['claims']:,} claims, "
                    f"{large['entries']:,} entries)", r <= limit))
    r = steps["cold"].peak_mb / steps["bare_bib"].peak_mb
    out.append(("peak memory of a cold check <= 1.5x bibtexparser's own",
                f"{steps['cold'].peak_mb:.0f} MB / {steps['bare_bib'].peak_mb:.0f} MB = {_ratio(r)}",
                r <= TARGETS["memory"]))
    r = steps["cold"].median / steps["warm"].median
    out.append(("warm >= 5x faster than cold",
                f"{_s(steps['cold'].median)} s / {_s(steps['warm'].median)} s = {_ratio(r)}", r >= TARGETS["warm"]))
    out.append(("a changed input is never served stale",
                "after editing an article and the bibliography, the cached run printed what --no-cache printed"
                if result.stale else "the cached run differed from --no-cache", result.stale))
    return out


def _sets_agree(sets: dict[str, Any]) -> bool:
    return sets["checkcites"] == sets["evidence-kit"]


def _sets_summary(sets: dict[str, Any]) -> str:
    (cc_unused, cc_undefined), (ek_unused, ek_undefined) = sets["checkcites"], sets["evidence-kit"]
    text = (f"unused {len(ek_unused)} vs {len(cc_unused)} ({len(ek_unused ^ cc_unused)} differ), "
            f"undefined {len(ek_undefined)} vs {len(cc_undefined)} ({len(ek_undefined ^ cc_undefined)} differ)")
    truth_unused, truth_undefined = sets["truth"]
    if truth_unused or truth_undefined:
        agree = ek_unused == truth_unused and ek_undefined == truth_undefined
        text += "; evidence-kit " + ("matches" if agree else "does NOT match") + " the generator's truth"
    return text


def render(result: Result) -> str:
    c, steps = result.corpus, result.steps
    lines = ["## Performance", ""]
    cpu = _cpu_name()
    lines.append(f"Measured on {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
                 f"{_versions()}; median of {result.runs} runs, each step a fresh process.")
    bib_mb, yaml_mb = result.bib_bytes / 1e6, result.yaml_bytes / 1e6
    lines.append(f"Corpus: {c.articles:,} articles, {c.claims:,} claims, {c.citations:,} citations, "
                 f"{c.statistics:,} statistics ({yaml_mb:.1f} MB of YAML); {c.entries:,} bib entries "
                 f"({bib_mb:.1f} MB), {len(c.used_keys):,} keys used, {len(c.unused_keys):,} unused, "
                 f"{len(c.undefined_keys):,} undefined.")
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {t} | {m} | {_met(ok)} |" for t, m, ok in targets(result)]
    lines += ["", "| step | median s | min-max s | peak RSS MB |", "|---|---:|---:|---:|"]
    for step in steps.values():
        if step.name.startswith("check timed by phase"):
            continue
        lines.append(f"| {step.name} | {_s(step.median)} | {_s(min(step.seconds))}-{_s(max(step.seconds))} "
                     f"| {step.peak_mb:.0f} |")
    if result.phases:
        p = result.phases
        lines += ["", "Where one cold check spends its time (no cache; in series: one process, one part after "
                  "the other; as run: the bibliography, or the share of it that balances the work, in a forked "
                  "second process, and the checks shared with another through a queue, see checks.check), "
                  f"{p['findings']:,} findings, median of {result.runs}:", "", "| part | in series s | as run s |",
                  "|---|---:|---:|"]
        for name in ("import", "bibtexparser.parse_string", "bibliography (parse and table)", "yaml compose",
                     "evidence files (parse and tables)", "full texts", "load", "checks",
                     *[k for k in p if k.startswith("checks in ")], "report", "total", "beyond parsing"):
            if name in p:
                as_run = result.phases_parallel.get(name, float("nan"))
                parallel_only = name in ("load", "checks", "report", "total", "import")
                lines.append(f"| {name} | {_s(p[name])} | {_s(as_run) if parallel_only else '-'} |")
    if result.series:
        lines += ["", "Scaling (cold check, median; beyond parsing = the in-process time outside bibtexparser "
                  "and the YAML composer, imports excluded):", "",
                  "| claims | entries | check cold s | beyond parsing s | checks s | bibtexparser.parse_file s "
                  "| yaml.load s | peak RSS MB |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for point in result.series:
            p = point["phases"]
            lines.append(f"| {point['claims']:,} | {point['entries']:,} | {_s(point['cold'].median)} "
                         f"| {_s(p['beyond parsing'])} | {_s(p['checks'])} | {_s(point['bare_bib'].median)} "
                         f"| {_s(point['bare_yaml'].median)} | {point['cold'].peak_mb:.0f} |")
    if result.checkcites is not None:
        lines += ["", "checkcites ran on the same citations written as LaTeX writes them to a `.aux` file: "
                  f"a `\\citation` line per citing claim ({len(result.corpus.cites):,}, naming "
                  f"{sum(map(len, result.corpus.cites)):,} citations), one per used key no claim cites "
                  "(listed references and sources, as `\\nocite` would), and `\\bibdata{references}`: "
                  + _sets_summary(result.checkcites) + "."]
    lines += ["", *result.notes] if result.notes else []
    return "\n".join(lines) + "\n"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return re.sub(r"\s+", " ", line.split(":", 1)[1]).strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _versions() -> str:
    from importlib import metadata

    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("pandas", "bibtexparser", "PyYAML"))
    try:  # pandas imports pyarrow, and keeps inferred strings in it, when it is installed
        return f"{versions}, pyarrow {metadata.version('pyarrow')}"
    except metadata.PackageNotFoundError:
        return f"{versions}, without pyarrow"


# --------------------------------------------------------------------------------------------
# Command line


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(prog="evidence-kit bench",
                                               description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=100_000, help="claims in the synthetic project")
    parser.add_argument("--entries", type=int, default=30_000, help="bib entries in the synthetic project")
    parser.add_argument("--bib", type=Path, help="use this real bibliography (linked, not copied) instead")
    parser.add_argument("--runs", type=int, default=3, help="runs of each step (default: 3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-series", dest="series", action="store_const", const=(), default=SERIES,
                        help="skip the scaling series")
    parser.add_argument("--no-checkcites", dest="checkcites", action="store_false",
                        help="skip the comparison with checkcites")
    parser.add_argument("--shipped", type=Path, default=None,
                        help="project whose check is compared with the import floor (default: the current "
                             "folder when it has evidence/articles)")
    parser.add_argument("--workdir", type=Path, help="write the corpora here and keep them")
    parser.add_argument("--out", type=Path, help="also write the Markdown here")
    parser.add_argument("--step", nargs="+", metavar="STEP", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_command(args)


def run_command(args: argparse.Namespace) -> int:
    if args.step:
        STEPS[args.step[0]](*args.step[1:])
        return 0
    shipped = args.shipped
    if shipped is None and (Path.cwd() / "evidence" / "articles").is_dir():
        shipped = Path.cwd()
    result = run(claims=args.claims, entries=args.entries, runs=args.runs, seed=args.seed, bib=args.bib,
                 series=args.series, workdir=args.workdir, shipped=shipped, checkcites=args.checkcites,
                 log=lambda message: print(f"benchmark: {message}", file=sys.stderr, flush=True))
    text = render(result)
    sys.stdout.write(text)
    if args.out is not None:
        from .writing import write_atomic

        write_atomic(args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""End-to-end build benchmark through the real pipeline, plus peers side by side.

    .venv/bin/python bench/build.py --sizes 10000,100000,1000000 [--shared ../shared]
                                    [--batch-size 10000] [--workers 0] [--no-peers]
                                    [--peer-sample 2000] [--peer-seconds 120] [--json OUT]

For each size, articles from the shared corpora (Reuters-21578, AllSides, BBC: about 50k real
articles) are written as .jsonl.gz files (10k articles a file) into a temp dir; past the real
articles the rows are REPLICAS: the same article with " [replica N]" appended to the title and
" [replica <letters>]" to the text (so the content hash, article_id, differs). Then
`pipelines.build.build` runs into a fresh temp warehouse, exactly as `newsfacts build` does.

Printed per size: articles/s, MB/s of article text, seconds per Dagster step (from the run's
step stats in the warehouse's Dagster instance), peak RSS of the whole process tree (this
process plus its worker processes, summed, sampled from /proc every 0.5 s) and whether time
grows linearly with size.

Peers (skip with --no-peers), on the same sample of real articles: quantulum3 (figures),
dateparser's `search_dates` with the publication date as base (dates), spaCy NER when an English
model is installed; each one's chars/s beside newsfacts' own extractor (single process).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import itertools
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPORA = (
    "corpora/reuters21578/reuters21578.jsonl.gz",
    "corpora/allsides_news/allsides_26k.jsonl.gz",
    "corpora/bbc_news/bbc_news_2004_2005.jsonl.gz",
)
PER_FILE = 10_000
STEP_GROUPS = {  # Dagster step key -> stage shown
    "raw_articles": "read",
    "clean_articles": "clean",
    "extract_mentions": "extract",
    "quarantine": "quarantine",
    "snapshot": "publish",
}


# ---------------------------------------------------------------- corpus

def load_real(shared: Path) -> list[dict[str, Any]]:
    """Every real article of the shared corpora (records as read, in corpus order)."""
    records: list[dict[str, Any]] = []
    for rel in CORPORA:
        path = shared / rel
        if not path.exists():
            raise SystemExit(f"bench: missing corpus {path} (use --shared DIR)")
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            records.extend(json.loads(line) for line in fh if line.strip())
    return records


def _letters(n: int) -> str:
    """n as lower-case letters (a, b, ..., z, ba, ...): no digit for the figures extractor."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = chr(ord("a") + r) + out
        if n == 0:
            return out


def replica(rec: dict[str, Any], n: int) -> dict[str, Any]:
    """Copy `n` (>= 1) of a real record: id, title and text suffixed so article_id differs."""
    rec = dict(rec)
    rec["id"] = f"{rec.get('id')}-replica-{n}"
    rec["title"] = f"{rec.get('title') or ''} [replica {n}]"
    rec["text"] = f"{rec.get('text') or ''} [replica {_letters(n)}]"
    return rec


def articles(real: list[dict[str, Any]], n: int) -> Iterator[dict[str, Any]]:
    """n articles: the real ones first, then replica 1 of each, replica 2, ..."""
    for i in range(n):
        copy, k = divmod(i, len(real))
        yield real[k] if copy == 0 else replica(real[k], copy)


@dataclass
class Corpus:
    folder: Path
    articles: int
    real: int
    text_mb: float  # UTF-8 bytes of the `text` fields, in MB
    files: int


def write_corpus(real: list[dict[str, Any]], n: int, folder: Path) -> Corpus:
    folder.mkdir(parents=True, exist_ok=True)
    text_bytes = files = 0
    stream = articles(real, n)
    for first in range(0, n, PER_FILE):
        path = folder / f"articles-{first // PER_FILE:05d}.jsonl.gz"
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as fh:
            for rec in itertools.islice(stream, PER_FILE):
                text_bytes += len((rec.get("text") or "").encode("utf-8"))
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        files += 1
    return Corpus(folder, n, min(n, len(real)), text_bytes / 1e6, files)


# ---------------------------------------------------------------- memory

def _tree(root: int) -> list[int]:
    """root and all its descendants (from /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeRSS:
    """Samples the summed RSS of this process and its descendants every `every` seconds."""

    def __init__(self, every: float = 0.5) -> None:
        self.every, self.peak_kb, self.peak_procs = every, 0, 0
        self.samples: list[tuple[float, int]] = []  # (epoch seconds, summed RSS in kB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            pids = _tree(me)
            total = sum(_rss_kb(p) for p in pids)
            self.samples.append((time.time(), total))
            if total > self.peak_kb:
                self.peak_kb, self.peak_procs = total, len(pids)
            self._stop.wait(self.every)

    def __enter__(self) -> TreeRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# ---------------------------------------------------------------- build

@dataclass
class Result:
    size: int
    real: int
    text_mb: float
    files: int
    seconds: float
    run_seconds: float
    steps: dict[str, float]
    peak_rss_mb: float
    peak_procs: int
    baseline_mb: float  # the tree's RSS just before the build (this script, its corpus in RAM)
    version: int
    added: dict[str, int]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def articles_per_s(self) -> float:
        return self.size / self.seconds

    @property
    def mb_per_s(self) -> float:
        return self.text_mb / self.seconds


def step_seconds(warehouse: Path, run_id: str
                 ) -> tuple[dict[str, float], float, dict[str, tuple[float, float]]]:
    """Seconds per stage of a finished build run (from the Dagster instance's step stats;
    asset-check steps summed as `checks`), the run's own duration, and each stage's
    (first start, last end) in epoch seconds."""
    from pipelines.build import instance_for

    with instance_for(warehouse) as instance:
        stats = instance.get_run_step_stats(run_id)
        record = instance.get_run_record_by_id(run_id)
    steps: dict[str, float] = {}
    spans: dict[str, tuple[float, float]] = {}
    for s in stats:
        if s.start_time is None or s.end_time is None:
            continue
        stage = STEP_GROUPS.get(s.step_key, "checks")
        steps[stage] = steps.get(stage, 0.0) + (s.end_time - s.start_time)
        lo, hi = spans.get(stage, (s.start_time, s.end_time))
        spans[stage] = (min(lo, s.start_time), max(hi, s.end_time))
    run = 0.0
    if record and record.start_time and record.end_time:
        run = record.end_time - record.start_time
    return steps, run, spans


def bench_size(real: list[dict[str, Any]], size: int, tmp: Path, *, batch_size: int,
               workers: int, keep: bool) -> Result:
    from pipelines.build import build

    corpus = write_corpus(real, size, tmp / f"corpus-{size}")
    warehouse = tmp / f"warehouse-{size}"
    out = io.StringIO()
    baseline = sum(_rss_kb(p) for p in _tree(os.getpid())) / 1024
    with TreeRSS() as rss:
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(out):
            code = build(warehouse, [str(corpus.folder)], fmt="json", batch_size=batch_size,
                         workers=workers, progress=True)
        seconds = time.perf_counter() - t0
    if code != 0:
        raise SystemExit(f"bench: build of {size} articles failed (exit {code})")
    summary = json.loads(out.getvalue().splitlines()[0])
    steps, run_seconds, spans = step_seconds(warehouse, summary["run_id"])
    stage_peak = {stage: max((kb for t, kb in rss.samples if lo <= t <= hi), default=0) / 1024
                  for stage, (lo, hi) in spans.items()}
    if not keep:
        shutil.rmtree(corpus.folder, ignore_errors=True)
        shutil.rmtree(warehouse, ignore_errors=True)
    return Result(size, corpus.real, corpus.text_mb, corpus.files, seconds, run_seconds, steps,
                  rss.peak_kb / 1024, rss.peak_procs, baseline, summary["version"],
                  summary["added"], {"peak_rss_mb_by_stage": stage_peak})


def print_result(r: Result) -> None:
    replicas = r.size - r.real
    print(f"\n== {r.size:,} articles ({r.real:,} real, {replicas:,} replicas"
          f"{' — rows past the real articles are replicas' if replicas else ''}); "
          f"{r.files} files, {r.text_mb:,.1f} MB of text")
    print(f"  wall {r.seconds:,.1f} s  ->  {r.articles_per_s:,.0f} articles/s, "
          f"{r.mb_per_s:.2f} MB/s of article text")
    stages = "  ".join(f"{k} {v:,.1f}" for k, v in r.steps.items())
    overhead = r.seconds - r.run_seconds
    print(f"  seconds per stage: {stages}  (Dagster run {r.run_seconds:,.1f} s; "
          f"outside the run {overhead:,.1f} s)")
    print(f"  peak RSS, process tree summed: {r.peak_rss_mb:,.0f} MB "
          f"({r.peak_procs} processes at the peak; {r.baseline_mb:,.0f} MB of it is this script "
          "before the build, with the real corpus in memory)")
    by_stage = r.extra.get("peak_rss_mb_by_stage", {})
    if by_stage:
        print("  peak RSS by stage (MB): "
              + "  ".join(f"{k} {v:,.0f}" for k, v in by_stage.items()))
    print(f"  published version {r.version}; added {r.added}")
    sys.stdout.flush()


def linearity(results: list[Result]) -> str:
    """Seconds per 1k articles and per MB of text across sizes; linear if the largest size costs
    within 25% per MB of the smallest (per MB, because the article mix differs: the first 21k
    are the short Reuters articles, from ~50k on every size has the same mix of corpora)."""
    if len(results) < 2:
        return "linearity: needs two sizes or more"
    rs = sorted(results, key=lambda r: r.size)
    per_mb = [r.seconds / r.text_mb for r in rs]
    ratio = per_mb[-1] / per_mb[0]
    verdict = "linear" if 0.75 <= ratio <= 1.25 else (
        "sub-linear (fixed costs amortised)" if ratio < 0.75 else "SUPER-linear")
    cells = ", ".join(f"{r.size:,}: {1000 * r.seconds / r.size:.2f} s/1k articles, "
                      f"{p:.2f} s/MB" for r, p in zip(rs, per_mb, strict=True))
    return (f"linearity: {cells}; largest/smallest per MB = {ratio:.2f} -> {verdict}")


# ---------------------------------------------------------------- peers

def peer_sample(real: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """n real articles spread evenly over the three corpora (every k-th record)."""
    step = max(1, len(real) // n)
    return [r for r in real[::step] if (r.get("text") or "").strip()][:n]


def _published(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _timed_loop(fn: Callable[[dict[str, Any]], object], sample: list[dict[str, Any]],
                budget: float) -> tuple[int, int, float]:
    """Run fn per article until done or `budget` seconds; (articles, chars, seconds)."""
    done = chars = 0
    t0 = time.perf_counter()
    for rec in sample:
        fn(rec)
        done += 1
        chars += len(rec["text"])
        if time.perf_counter() - t0 > budget:
            break
    return done, chars, time.perf_counter() - t0


def peers(sample: list[dict[str, Any]], budget: float) -> list[dict[str, Any]]:
    import polars as pl

    from pipelines.extract.dates import extract_dates
    from pipelines.extract.entities import extract_entities
    from pipelines.extract.figures import extract_figures

    frame = pl.DataFrame(
        [{"article_id": str(i), "text": r["text"], "published_at": _published(r.get("published")),
          "language": "en"} for i, r in enumerate(sample)],
        schema={"article_id": pl.String, "text": pl.String,
                "published_at": pl.Datetime("us", "UTC"), "language": pl.String})
    chars_total = int(frame["text"].str.len_chars().sum())
    ours: dict[str, float] = {}
    for family, fn in (("figures", extract_figures), ("dates", extract_dates),
                       ("entities", extract_entities)):
        fn(frame.head(20))  # compile patterns, load seeds
        t0 = time.perf_counter()
        fn(frame)
        ours[family] = chars_total / (time.perf_counter() - t0)

    rows: list[dict[str, Any]] = []

    def row(family: str, peer: str, result: tuple[int, int, float] | None, note: str = "") -> None:
        mine = ours[family]
        if result is None:
            rows.append({"family": family, "peer": peer, "peer_chars_s": None,
                         "newsfacts_chars_s": mine, "ratio": None, "note": note})
            return
        n, chars, secs = result
        rate = chars / secs if secs else 0.0
        rows.append({"family": family, "peer": peer, "peer_chars_s": rate,
                     "newsfacts_chars_s": mine, "ratio": mine / rate if rate else None,
                     "note": note or f"{n}/{len(sample)} articles in {secs:.0f} s"})

    try:
        from quantulum3 import parser as qparser

        qparser.parse("warm up with 3 km and $5 million")
        row("figures", "quantulum3", _timed_loop(lambda r: qparser.parse(r["text"]), sample,
                                                 budget))
    except ImportError:
        row("figures", "quantulum3", None, "not installed")

    try:
        from dateparser.search import search_dates

        def dp(rec: dict[str, Any]) -> object:
            base = _published(rec.get("published"))
            settings = {"RELATIVE_BASE": base.replace(tzinfo=None)} if base else {}
            return search_dates(rec["text"], languages=["en"], settings=settings)

        dp({"text": "warm up on Monday, 3 March 2020", "published": None})
        row("dates", "dateparser.search_dates", _timed_loop(dp, sample, budget))
    except ImportError:
        row("dates", "dateparser.search_dates", None, "not installed")

    try:
        import spacy

        nlp = None
        for name in ("en_core_web_sm", "en_core_web_md", "en_core_web_lg", "en_core_web_trf"):
            try:
                nlp = spacy.load(name, disable=["parser", "lemmatizer", "tagger"])
                break
            except OSError:
                continue
        if nlp is None:
            row("entities", "spaCy NER", None, "not installed (no English model)")
        else:
            model = nlp
            row("entities", f"spaCy NER ({model.meta.get('name')})",
                _timed_loop(lambda r: model(r["text"]).ents, sample, budget))
    except ImportError:
        row("entities", "spaCy NER", None, "not installed")
    return rows


def print_peers(rows: list[dict[str, Any]], sample: int, chars: int) -> None:
    print(f"\n== peers on {sample:,} real articles ({chars / 1e6:.1f} M chars), one process; "
          "ratio = newsfacts / peer")
    print(f"  {'family':<9}{'peer':<26}{'peer chars/s':>14}{'newsfacts chars/s':>19}"
          f"{'ratio':>9}  note")
    for r in rows:
        peer = f"{r['peer_chars_s']:,.0f}" if r["peer_chars_s"] is not None else "—"
        ratio = f"{r['ratio']:,.1f}x" if r["ratio"] is not None else "—"
        print(f"  {r['family']:<9}{r['peer']:<26}{peer:>14}{r['newsfacts_chars_s']:>19,.0f}"
              f"{ratio:>9}  {r['note']}")
    sys.stdout.flush()


# ---------------------------------------------------------------- main

def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = 0
    with contextlib.suppress(OSError), open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1])
    return {"nproc": os.cpu_count(), "ram_gb": round(mem / 1024 / 1024, 1), "cpu": cpu,
            "python": platform.python_version(), "date": datetime.now(UTC).isoformat()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000",
                    help="comma-separated article counts (default 10000,100000,1000000)")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--batch-size", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=0, help="0: one per core")
    ap.add_argument("--tmp", type=Path, default=None, help="scratch dir (default: system temp)")
    ap.add_argument("--keep", action="store_true", help="keep corpora and warehouses")
    ap.add_argument("--no-peers", action="store_true", help="skip the peer comparison")
    ap.add_argument("--no-build", action="store_true", help="only the peer comparison")
    ap.add_argument("--peer-sample", type=int, default=2000)
    ap.add_argument("--peer-seconds", type=float, default=120.0,
                    help="time budget per peer; a slow peer is measured on the articles it "
                    "got through")
    ap.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = ap.parse_args(argv)

    info = machine()
    print(f"machine: {info['nproc']} cores, {info['ram_gb']} GB RAM, {info['cpu']}, "
          f"Python {info['python']}; {info['date']}")
    real = load_real(args.shared.resolve())
    print(f"real articles in the shared corpora: {len(real):,}; rows past that are REPLICAS "
          "(title + ' [replica N]', text + ' [replica <letters>]')")
    sys.stdout.flush()
    report: dict[str, Any] = {"machine": info, "real_articles": len(real), "sizes": [],
                              "peers": None}
    results: list[Result] = []
    if not args.no_build:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        for size in sizes:
            scratch = Path(tempfile.mkdtemp(prefix=f"newsfacts-bench-{size}-", dir=args.tmp))
            try:
                r = bench_size(real, size, scratch, batch_size=args.batch_size,
                               workers=args.workers, keep=args.keep)
            finally:
                if not args.keep:
                    shutil.rmtree(scratch, ignore_errors=True)
            if args.keep:
                print(f"  kept in {scratch}")
            results.append(r)
            print_result(r)
            report["sizes"].append({**r.__dict__, "articles_per_s": r.articles_per_s,
                                    "mb_per_s": r.mb_per_s})
            if args.json:
                args.json.write_text(json.dumps(report, indent=2, default=str))
        print("\n" + linearity(results))
        self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"getrusage max RSS: parent {self_kb / 1024:,.0f} MB, largest worker "
              f"{child_kb / 1024:,.0f} MB")
    if not args.no_peers:
        sample = peer_sample(real, args.peer_sample)
        rows = peers(sample, args.peer_seconds)
        print_peers(rows, len(sample), sum(len(r["text"]) for r in sample))
        report["peers"] = rows
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

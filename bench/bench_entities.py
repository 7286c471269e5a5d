"""Throughput of extract_entities over a news corpus (one process).

    .venv/bin/python bench/bench_entities.py [--corpus PATH] [--batch 5000] [--limit N]

Prints MB/s of article text (UTF-8 bytes) by wall clock and by process CPU time (with
POLARS_MAX_THREADS=1 the latter is the single-core rate, less sensitive to a busy machine),
rows out and peak RSS.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.extract.entities import extract_entities  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "allsides_news" / "allsides_26k.jsonl.gz"


def batches(path: Path, size: int, limit: int | None):
    rows: list[dict[str, object]] = []
    n = 0
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            if not d.get("text"):
                continue
            rows.append({"article_id": str(d.get("id", n)), "text": d["text"],
                         "published_at": None, "language": "en"})
            n += 1
            if len(rows) == size:
                yield rows
                rows = []
            if limit and n >= limit:
                break
    if rows:
        yield rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "article_id": pl.String, "text": pl.String,
        "published_at": pl.Datetime("us", "UTC"), "language": pl.String,
    }
    extract_entities(pl.DataFrame([{"article_id": "warmup", "text": "Warm up in Paris.",
                                    "published_at": None, "language": "en"}], schema=schema))
    total_mb = 0.0
    total_s = 0.0
    total_cpu = 0.0
    rows_out = 0
    docs = 0
    for rows in batches(args.corpus, args.batch, args.limit):
        frame = pl.DataFrame(rows, schema=schema)
        mb = float(frame["text"].str.len_bytes().sum()) / 1e6
        t = time.perf_counter()
        c = time.process_time()
        out = extract_entities(frame)
        dt = time.perf_counter() - t
        dc = time.process_time() - c
        total_cpu += dc
        total_mb += mb
        total_s += dt
        rows_out += out.height
        docs += frame.height
        print(f"batch {docs:>6} docs  {mb:6.1f} MB  {dt:5.2f} s  {mb / dt:5.1f} MB/s  "
              f"cpu {dc:5.2f} s  {mb / dc:5.1f} MB/s", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"docs {docs}  text {total_mb:.1f} MB  time {total_s:.1f} s  "
          f"throughput {total_mb / total_s:.1f} MB/s  cpu {total_cpu:.1f} s  "
          f"{total_mb / total_cpu:.1f} MB/s per cpu  rows {rows_out}  peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()

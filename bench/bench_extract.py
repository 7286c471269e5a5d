"""Throughput of one extractor over a news corpus: MB/s of article text (wall clock and per
CPU-second), rows, peak RSS. For per-core numbers run with POLARS_MAX_THREADS=1.

Usage: .venv/bin/python bench/bench_extract.py dates|figures|entities
                                               [--corpus PATH] [--batch 5000] [--limit N]
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

from pipelines.evaluate import FAMILIES, extract  # noqa: E402
from pipelines.ingest.base import parse_published  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "corpora" / "allsides_news" / "allsides_26k.jsonl.gz"


def load(path: Path, limit: int | None) -> pl.DataFrame:
    """The corpus as an articles-like frame (article_id, text, published_at, language)."""
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if limit is not None and i >= limit:
                break
            d = json.loads(line)
            rows.append({"article_id": str(d.get("id", i)), "text": d.get("text") or "",
                         "published_at": parse_published(d.get("published")), "language": "en"})
    return pl.DataFrame(rows, schema={"article_id": pl.String, "text": pl.String,
                                      "published_at": pl.Datetime("us", "UTC"),
                                      "language": pl.String})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("family", choices=FAMILIES)
    ap.add_argument("--corpus", type=Path, default=DEFAULT)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args(argv)
    articles = load(args.corpus, args.limit)
    mb = float(articles["text"].str.len_bytes().sum()) / 1e6
    extract(articles.head(50), args.family)  # compile patterns and load seeds once
    t0, c0 = time.perf_counter(), time.process_time()
    rows = 0
    for off in range(0, articles.height, args.batch):
        rows += extract(articles.slice(off, args.batch), args.family).height
    secs = time.perf_counter() - t0
    cpu = time.process_time() - c0  # all threads: MB per CPU-second is load-independent
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.family}: articles={articles.height} text={mb:.1f} MB time={secs:.2f}s "
          f"throughput={mb / secs:.1f} MB/s cpu={cpu:.2f}s ({mb / cpu:.1f} MB per CPU-s) "
          f"rows={rows} peak_rss={rss:.0f} MB (POLARS_MAX_THREADS={pl.thread_pool_size()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

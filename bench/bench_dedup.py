"""Pairwise precision/recall and speed of `cluster_duplicates` on a corpus with known copies.

Base: N AllSides articles (>= 150 words) from the shared corpora. Base articles that are
already near-duplicates of each other in the source (real syndication; exact shingle Jaccard
>= 0.5, found by an independent inverted-index count) are dropped so the ground truth holds.
Copies with known clusters are then added:
  exact      - same text with changed case, spacing and punctuation
  drop       - one sentence dropped
  boiler     - a boilerplate line added at the start or end
  swap       - three pairs of adjacent words swapped
  multi      - two edited copies of the same article (cluster of three)
Usage: .venv/bin/python bench/bench_dedup.py [--shared ../shared] [--n 2000] [--speed-n 20000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.dedup import cluster_duplicates, normalise, shingles  # noqa: E402

BOILER = [
    "Sign up for our daily newsletter to get the latest headlines delivered to your inbox.",
    "This article originally appeared on our partner site and is republished with permission.",
    "Copyright 2019 The Associated Press. All rights reserved. This material may not be "
    "published, broadcast, rewritten or redistributed.",
    "Follow us on Twitter and Facebook for more breaking news updates.",
]
_SENT = re.compile(r"(?<=[.!?])\s+")


def load(corpora: Path, limit: int) -> list[dict[str, str]]:
    out = []
    with gzip.open(corpora / "allsides_news" / "allsides_26k.jsonl.gz", "rt") as fh:
        for line in fh:
            r = json.loads(line)
            if len((r.get("text") or "").split()) >= 150:
                out.append({"id": r["id"], "text": r["text"]})
            if len(out) >= limit:
                break
    return out


def drop_source_duplicates(docs: list[dict[str, str]], thr: float = 0.5) -> list[dict[str, str]]:
    """Remove later members of pairs that already overlap in the source (inverted index)."""
    norm = pl.DataFrame({"t": [d["text"] for d in docs]}).select(normalise(pl.col("t")))["t"]
    sh = shingles(norm)
    sizes = sh.group_by("doc").agg(pl.len().alias("n"))
    common = sh.group_by("sh").agg(pl.col("doc")).filter(pl.col("doc").list.len().is_between(2, 50))
    pairs = (common.explode("doc").join(common.explode("doc"), on="sh", suffix="_b")
             .filter(pl.col("doc") < pl.col("doc_b"))
             .group_by("doc", "doc_b").agg(pl.len().alias("inter"))
             .join(sizes, on="doc").join(sizes.rename({"doc": "doc_b", "n": "n_b"}), on="doc_b")
             .filter(pl.col("inter") / (pl.col("n") + pl.col("n_b") - pl.col("inter")) >= thr))
    drop = set(pairs["doc_b"].to_list())
    return [d for i, d in enumerate(docs) if i not in drop]


def exact_variant(text: str, rng: random.Random) -> str:
    t = text.upper() if rng.random() < 0.5 else text.lower()
    t = re.sub(r"\s+", lambda m: "  " if rng.random() < 0.2 else " ", t)
    return t.replace(",", " ,").replace(".", " . ") + " ..."


def drop_sentence(text: str, rng: random.Random) -> str:
    sents = _SENT.split(text)
    if len(sents) > 3:
        del sents[rng.randrange(1, len(sents) - 1)]
    return " ".join(sents)


def add_boiler(text: str, rng: random.Random) -> str:
    line = rng.choice(BOILER)
    return f"{line}\n\n{text}" if rng.random() < 0.5 else f"{text}\n\n{line}"


def swap_words(text: str, rng: random.Random, n: int = 3) -> str:
    words = text.split(" ")
    for _ in range(n):
        i = rng.randrange(0, len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


EDITS = {"drop": drop_sentence, "boiler": add_boiler, "swap": swap_words}


def build(docs: list[dict[str, str]], seed: int = 13) -> pl.DataFrame:
    rng = random.Random(seed)
    rows = [{"article_id": d["id"], "text": d["text"], "truth": d["id"], "kind": "base",
             "published_at": i} for i, d in enumerate(docs)]
    picks = rng.sample(range(len(docs)), k=min(len(docs), int(len(docs) * 0.6)))
    per = len(picks) // 5
    plan = (["exact"] * per + ["drop"] * per + ["boiler"] * per + ["swap"] * per
            + ["multi"] * (len(picks) - 4 * per))
    for n, (i, kind) in enumerate(zip(picks, plan, strict=True)):
        d = docs[i]
        if kind == "exact":
            variants = [("exact", exact_variant(d["text"], rng))]
        elif kind == "multi":
            a, b = rng.sample(list(EDITS), 2)
            variants = [(a, EDITS[a](d["text"], rng)), (b, EDITS[b](d["text"], rng))]
        else:
            variants = [(kind, EDITS[kind](d["text"], rng))]
        for j, (k, text) in enumerate(variants):
            rows.append({"article_id": f"{d['id']}~{k}{j}", "text": text, "truth": d["id"],
                         "kind": k, "published_at": len(docs) + n * 2 + j})
    return pl.DataFrame(rows).sample(fraction=1.0, shuffle=True, seed=seed)


def pair_counts(truth: pl.Series, pred: pl.Series) -> tuple[int, int, int]:
    def c2(s: pl.Series) -> int:
        return int((s * (s - 1) // 2).sum())

    df = pl.DataFrame({"t": truth, "p": pred})
    tp = c2(df.group_by("t", "p").len()["len"])
    return tp, c2(df.group_by("p").len()["len"]), c2(df.group_by("t").len()["len"])


def _mean(s: pl.Series) -> float:
    value = s.cast(pl.Float64).mean()
    return value if isinstance(value, float) else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT / ".." / "shared"))
    ap.add_argument("--n", type=int, default=2000, help="base articles")
    ap.add_argument("--speed-n", type=int, default=20000,
                    help="articles for the throughput run (0 to skip)")
    args = ap.parse_args()
    corpora = Path(args.shared) / "corpora"

    raw = load(corpora, args.n)
    docs = drop_source_duplicates(raw)
    corpus = build(docs)
    print(f"base articles: {len(raw)} loaded, {len(raw) - len(docs)} dropped as already "
          f"overlapping in the source; corpus rows: {corpus.height} "
          f"({dict(Counter(corpus['kind'].to_list()))})")

    t0 = time.perf_counter()
    res = cluster_duplicates(corpus.select("article_id", "text", "published_at"))
    dt = time.perf_counter() - t0
    j = corpus.join(res, on="article_id")
    tp, pp, tt = pair_counts(j["truth"], j["dup_cluster"])
    print(f"pairwise precision: {tp / pp if pp else 1.0:.4f}  recall: {tp / tt:.4f}  "
          f"(tp {tp}, predicted pairs {pp}, true pairs {tt})   targets >= 0.95")
    found = j.with_columns((pl.col("dup_cluster") == pl.col("truth")).alias("ok"))
    for kind in ["exact", "drop", "boiler", "swap"]:
        sub = found.filter(pl.col("kind") == kind)
        print(f"  {kind:7s} copies pointed at their original: {_mean(sub['ok']):.4f} "
              f"(n={sub.height})")
    ex = found.filter(pl.col("kind") == "exact")
    edited = found.filter(pl.col("kind").is_in(list(EDITS)))
    print(f"  exact copies labelled 'exact': {_mean(ex['dup_kind'] == 'exact'):.4f}; "
          f"edited copies labelled 'near': {_mean(edited['dup_kind'] == 'near'):.4f}")
    print(f"speed: {corpus.height / dt:.0f} articles/s ({corpus.height} in {dt:.2f} s)")

    if args.speed_n:
        big = load(corpora, args.speed_n)
        frame = pl.DataFrame({"article_id": [d["id"] for d in big],
                              "text": [d["text"] for d in big]})
        mb = int(frame["text"].str.len_bytes().sum()) / 1e6
        t0 = time.perf_counter()
        out = cluster_duplicates(frame)
        dt = time.perf_counter() - t0
        dups = out.filter(pl.col("dup_kind").is_not_null())
        print(f"throughput: {frame.height} AllSides articles ({mb:.0f} MB) in {dt:.1f} s = "
              f"{frame.height / dt:.0f} articles/s; found {dups.height} duplicates "
              f"({dict(Counter(dups['dup_kind'].to_list()))}) in the real data")


if __name__ == "__main__":
    main()

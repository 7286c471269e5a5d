"""Train the entity token typer on CoNLL-2003 train; writes seeds/entities/model_weights.parquet.

    .venv/bin/python scripts/train_entities.py [--train PATH] [--epochs N]

The model is a multiclass averaged perceptron over the string features that
`pipelines.extract.entities.token_features` computes for every token of a capitalised
candidate run; labels are O/PER/ORG/LOC/MISC (a token inside a gold span of that kind).
Only the training split is read (never the dev split, which is the evaluation set). The
weights table has one row per feature and one Float32 column per label, so inference is a
join and a sum in polars. CPU only, standard library + numpy + polars; ~1 minute.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.extract.entities import (  # noqa: E402
    FEATURES,
    LABELS,
    WEIGHTS,
    candidate_tokens,
    token_features,
)

TRAIN = ROOT.parent / "shared" / "eval" / "dev" / "conll2003_train.jsonl.gz"
_KIND = {"person": "PER", "org": "ORG", "place": "LOC", "misc": "MISC"}


def load(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    docs, spans = [], []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            docs.append({"article_id": str(d["id"]), "text": d["text"]})
            for e in d["expected"]:
                if e["kind"] in _KIND:
                    spans.append({"article_id": str(d["id"]), "g_start": e["start"],
                                  "g_end": e["end"], "gold": _KIND[e["kind"]]})
    return pl.DataFrame(docs), pl.DataFrame(spans)


def labelled_features(docs: pl.DataFrame, spans: pl.DataFrame) -> pl.DataFrame:
    feats = token_features(candidate_tokens(docs)).with_row_index("_t")
    lab = (
        feats.select("_t", "article_id", "start", "end").sort("article_id", "start")
        .join_asof(spans.sort("article_id", "g_start"), left_on="start", right_on="g_start",
                   by="article_id", strategy="backward")
        .select("_t", pl.when(pl.col("end") <= pl.col("g_end")).then(pl.col("gold"))
                .otherwise(pl.lit("O")).alias("gold"))
    )
    return feats.join(lab, on="_t", how="left").sort("_t")


def train(feats: pl.DataFrame, epochs: int, seed: int = 13) -> pl.DataFrame:
    names = feats.select(pl.concat_list(list(FEATURES)).alias("f"))["f"].to_list()
    vocab: dict[str, int] = {}
    rows = [np.array([vocab.setdefault(f, len(vocab)) for f in fs], dtype=np.int64)
            for fs in names]
    gold = [LABELS.index(g) for g in feats["gold"].to_list()]
    n_f, n_l = len(vocab), len(LABELS)
    w = np.zeros((n_f, n_l))
    acc = np.zeros((n_f, n_l))  # sum over steps of updates weighted by step (averaging trick)
    step = 1
    order = list(range(len(rows)))
    rng = random.Random(seed)
    for ep in range(epochs):
        rng.shuffle(order)
        errors = 0
        for i in order:
            x, y = rows[i], gold[i]
            guess = int(w[x].sum(axis=0).argmax())
            if guess != y:
                errors += 1
                w[x, y] += 1.0
                w[x, guess] -= 1.0
                acc[x, y] += step
                acc[x, guess] -= step
            step += 1
        print(f"epoch {ep + 1}: {errors} errors / {len(rows)}", flush=True)
    avg = w - acc / step
    keep = np.abs(avg).max(axis=1) > 1e-3
    inv = np.array(list(vocab), dtype=object)
    data = {"feat": inv[keep].tolist()}
    for j, lab in enumerate(LABELS):
        data[f"w_{lab}"] = avg[keep, j].astype(np.float32)
    return pl.DataFrame(data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--train", type=Path, default=TRAIN)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--out", type=Path, default=WEIGHTS)
    args = ap.parse_args()
    t0 = time.time()
    docs, spans = load(args.train)
    if args.out.exists():
        args.out.unlink()  # features never depend on the old model, but start clean
    feats = labelled_features(docs, spans)
    print(f"{feats.height} candidate tokens; labels {feats['gold'].value_counts().rows()}")
    table = train(feats, args.epochs)
    table.write_parquet(args.out, compression="zstd")
    print(f"wrote {args.out} ({table.height} features) in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()

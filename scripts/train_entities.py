"""Train the entity token typer on CoNLL-2003 train; writes seeds/entities/model_weights.parquet.

    .venv/bin/python scripts/train_entities.py [--train PATH] [--epochs N] [--holdout F]

The model is a multiclass averaged perceptron over the feature templates of
`pipelines.extract.entities` (WORD_TEMPLATES once per distinct word, TOKEN_TEMPLATES per
token of a capitalised candidate run); labels are O/PER/ORG/LOC/MISC (a token inside a gold
span of that kind). Pass 2 (STACK_TEMPLATES, the pass-1 labels around a token) is a second
perceptron on top of fixed pass-1 scores, trained on out-of-fold (by document) pass-1
scores. Only the training split is read (never the dev split, which is the evaluation set).
The weights table has one row per feature - its template and parts as strings (`tpl`,
`p0`..`p2`) - and one Float32 column per label; inference hashes the parts at load time and
scores by integer joins. With `--holdout F` the last fraction F of the training documents is
held out and scored (entity F1) instead of writing the model. CPU only, ~90 s, deterministic.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.extract import entities as ent  # noqa: E402

TRAIN = ROOT.parent / "shared" / "eval" / "dev" / "conll2003_train.jsonl.gz"
SCORER = ROOT.parent / "shared" / "eval" / "score.py"
_KIND = {"person": "PER", "org": "ORG", "place": "LOC", "misc": "MISC"}
MAX_PARTS = 3


def load(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def labelled(docs: list[dict]) -> tuple[np.ndarray, np.ndarray, pl.DataFrame, pl.DataFrame]:
    """(feature keys per token, gold label per token, key -> template parts table, tokens)."""
    frame = pl.DataFrame({"text": [d["text"] for d in docs]})
    spans = pl.DataFrame(
        [{"_doc": i, "g_start": e["start"], "g_end": e["end"], "gold": _KIND[e["kind"]]}
         for i, d in enumerate(docs) for e in d["expected"] if e["kind"] in _KIND],
        schema={"_doc": pl.UInt32, "g_start": pl.Int64, "g_end": pl.Int64, "gold": pl.String})
    cands = ent.candidate_tokens(frame)
    toks = ent.token_columns(cands.toks).with_row_index("_t").with_columns(
        cands.runs.select(pl.col(*ent._CTX_COLS).gather(cands.toks["run_id"])))
    toks = toks.join(cands.words.select("_hw", "lower", "shape"), on="_hw", how="left",
                     maintain_order="left")
    gold = (
        toks.select("_t", "_doc", "start", "end").sort("_doc", "start")
        .join_asof(spans.sort("_doc", "g_start"), left_on="start", right_on="g_start",
                   by="_doc", strategy="backward")
        .select("_t", pl.when(pl.col("end") <= pl.col("g_end")).then(pl.col("gold"))
                .otherwise(pl.lit("O")).alias("gold"))
        .sort("_t")["gold"].replace_strict({lab: i for i, lab in enumerate(ent.LABELS)},
                                           return_dtype=pl.Int64).to_numpy()
    )
    words = ent.word_columns(cands.words)
    wk = ent.word_keys(cands.words)
    widx = toks.select("_hw").join(words.select("_hw").with_row_index("_wi"), on="_hw",
                                   how="left", maintain_order="left")["_wi"].to_numpy()
    keys = np.hstack([wk.to_numpy()[widx], ent.slot_keys(toks).to_numpy()])
    # every template's key and parts, to store the features the model keeps
    tables = []
    for table, frm in ((ent.WORD_TEMPLATES, words), (ent.TOKEN_TEMPLATES, toks)):
        for tpl in table:
            parts = ent.template_parts(tpl, table)
            parts += [pl.lit(None, pl.String).alias(f"p{k}")
                      for k in range(len(parts), MAX_PARTS)]
            tables.append(ent.with_base_hashes(frm, table).select(
                ent.template_key(tpl, table).alias("_key"),
                                     pl.lit(tpl).alias("tpl"), *parts))
    feats = pl.concat(tables).unique("_key", keep="first")
    return keys, gold, feats, toks


def stack_table(st: pl.DataFrame) -> pl.DataFrame:
    """key -> template parts of the pass-2 (stacking) features."""
    parts = []
    for tpl in ent.STACK_TEMPLATES:
        ps = ent.template_parts(tpl, ent.STACK_TEMPLATES)
        ps += [pl.lit(None, pl.String).alias(f"p{k}") for k in range(len(ps), MAX_PARTS)]
        parts.append(ent.with_base_hashes(st, ent.STACK_TEMPLATES).select(
            ent.template_key(tpl, ent.STACK_TEMPLATES).alias("_key"),
                               pl.lit(tpl).alias("tpl"), *ps))
    return pl.concat(parts).unique("_key", keep="first")


def predict_scores(vocab: np.ndarray, avg: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Summed weights of every row's keys (unknown keys weigh nothing)."""
    at = np.searchsorted(vocab, keys).clip(max=max(vocab.size - 1, 0))
    known = vocab[at] == keys
    return (avg[at] * known[..., None]).sum(axis=1)


def train(keys: np.ndarray, gold: np.ndarray, epochs: int, seed: int = 13,
          base: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(feature keys, averaged weights) of a multiclass perceptron; with `base`, the
    perceptron learns on top of fixed per-row scores (pass 2 of stacking)."""
    vocab, inv = np.unique(keys, return_inverse=True)
    rows = inv.reshape(keys.shape)
    n_f, n_l = vocab.size, len(ent.LABELS)
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
            sc = w[x].sum(axis=0)
            guess = int((sc if base is None else sc + base[i]).argmax())
            if guess != y:
                errors += 1
                w[x, y] += 1.0
                w[x, guess] -= 1.0
                acc[x, y] += step
                acc[x, guess] -= step
            step += 1
        print(f"seed {seed} epoch {ep + 1}: {errors} errors / {len(rows)}", flush=True)
    avg = w - acc / step
    keep = np.abs(avg).max(axis=1) > 1e-3
    return vocab[keep], avg[keep]


def train_avg(keys: np.ndarray, gold: np.ndarray, epochs: int, seeds: int,
              base: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The mean of `seeds` perceptrons trained on different shuffles (less variance)."""
    runs = [train(keys, gold, epochs, seed=13 + s, base=base) for s in range(seeds)]
    vocab, inv = np.unique(np.concatenate([v for v, _ in runs]), return_inverse=True)
    avg = np.zeros((vocab.size, len(ent.LABELS)))
    np.add.at(avg, inv, np.concatenate([a for _, a in runs]))
    return vocab, avg / seeds


def table(vocab: np.ndarray, avg: np.ndarray, feats: pl.DataFrame) -> pl.DataFrame:
    """The weights file: template, parts and one weight column per label."""
    data: dict[str, object] = {"_key": pl.Series(vocab, dtype=pl.UInt64)}
    for j, lab in enumerate(ent.LABELS):
        data[f"w_{lab}"] = avg[:, j].astype(np.float32)
    out = pl.DataFrame(data).join(feats, on="_key", how="left", maintain_order="left")
    assert out["tpl"].null_count() == 0
    return out.select("tpl", *(f"p{k}" for k in range(MAX_PARTS)),
                      *(f"w_{lab}" for lab in ent.LABELS)).sort("tpl", "p0", "p1", "p2")


def holdout_score(docs: list[dict], weights: Path) -> dict:
    """Entity scores of held-out training documents under the model in `weights`."""
    from pipelines.evaluate import predict

    spec = importlib.util.spec_from_file_location("nf_score", SCORER)
    assert spec and spec.loader
    score = importlib.util.module_from_spec(spec)
    sys.modules["nf_score"] = score
    spec.loader.exec_module(score)
    ent.WEIGHTS = weights
    ent.model.cache_clear()
    res = score.score(docs, predict(docs, ["entities"]))["entities"]
    return {k: (round(v["f1"], 4) if "f1" in v else {kk: round(vv["f1"], 4)
                                                     for kk, vv in v.items()})
            for k, v in res.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--train", type=Path, default=TRAIN)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--epochs2", type=int, default=12, help="pass-2 (stacking) epochs")
    ap.add_argument("--folds", type=int, default=5, help="pass-1 out-of-fold splits")
    ap.add_argument("--seeds", type=int, default=3, help="perceptrons averaged (shuffles)")
    ap.add_argument("--out", type=Path, default=ent.WEIGHTS)
    ap.add_argument("--holdout", type=float, default=0.0,
                    help="hold out this fraction of train documents and score them")
    args = ap.parse_args()
    t0 = time.time()
    docs = load(args.train)
    cut = len(docs) - int(len(docs) * args.holdout)
    train_docs, held = docs[:cut], docs[cut:]
    keys, gold, feats, toks = labelled(train_docs)
    print(f"{len(gold)} candidate tokens; labels {np.bincount(gold).tolist()}")
    # pass 1 out of fold (by document), so pass 2 learns from realistic pass-1 mistakes
    fold = toks["_doc"].to_numpy() % args.folds
    oof = np.zeros((len(gold), len(ent.LABELS)))
    for f in range(args.folds):
        fit = fold != f
        v, a = train_avg(keys[fit], gold[fit], args.epochs, args.seeds)
        oof[~fit] = predict_scores(v, a, keys[~fit])
    print(f"pass-1 out-of-fold token accuracy {(oof.argmax(1) == gold).mean():.4f}")
    vocab, avg = train_avg(keys, gold, args.epochs, args.seeds)
    st = ent.stack_columns(toks, oof.astype(np.float32))
    sk = ent.stack_keys(st).to_numpy()
    v2, a2 = train_avg(sk, gold, args.epochs2, args.seeds, base=oof)
    out = pl.concat([table(vocab, avg, feats), table(v2, a2, stack_table(st))])
    if held:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "w.parquet"
            out.write_parquet(path, compression="zstd")
            print(json.dumps(holdout_score(held, path)))
        return
    out.write_parquet(args.out, compression="zstd")
    print(f"wrote {args.out} ({out.height} features) in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()

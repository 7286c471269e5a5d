"""Per-batch work of the extract stage, as plain functions a worker process can run."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.clean import clean
from pipelines.extract import extractable, extractors, isolate_failures
from pipelines.staging import write_part
from schemas.tables import (
    EXTRACTED,
    Articles,
    Quarantine,
    conform,
    empty,
    polars_schema,
    split_valid,
)


def clean_part(raw_path: str, out: dict[str, str]) -> dict[str, int]:
    """Clean one raw part into articles, segments and ingest_quarantine parts."""
    raw = pl.read_parquet(raw_path)
    readable = raw.filter(pl.col("why").is_null()).drop("why", "what")
    rejects = raw.filter(pl.col("why").is_not_null()).select(
        pl.col("input").alias("where"), "what", "why", pl.lit("ingest").alias("stage"))
    articles, segments, cleaning = clean(readable)
    quarantine = conform(pl.concat([rejects, cleaning], how="diagonal_relaxed"), Quarantine)
    _write(conform(articles, Articles), out["articles"])
    _write(segments, out["segments"])
    _write(quarantine, out["ingest_quarantine"])
    return {"articles": articles.height, "segments": segments.height,
            "ingest_quarantine": quarantine.height,
            "mb": int(readable["text"].str.len_bytes().sum() or 0)}


def extract_part(articles_path: str, out: dict[str, str]) -> dict[str, int]:
    """Extract entities, figures and dates from one articles part; write each table's part
    (valid rows) and the rejected rows (invalid rows, articles an extractor failed on) to the
    paths in `out`. Returns row counts."""
    articles = pl.read_parquet(articles_path)
    frame = extractable(articles)
    counts: dict[str, int] = {}
    rejected = []
    for name, extract in extractors().items():
        results, failures = isolate_failures(extract, frame)
        model = EXTRACTED[name]
        rows = pl.concat([conform(r, model) for r in results]) if results else empty(model)
        valid, bad = split_valid(rows, model, table=name, articles=articles)
        _write(valid, out[name])
        rejected.append(bad)
        rejected.append(pl.DataFrame(
            {"where": [f"{name}:{a}" for a, _ in failures], "what": ["article"] * len(failures),
             "why": [f"{name} extractor failed: {e}" for _, e in failures],
             "stage": [name] * len(failures)},
            schema=polars_schema(Quarantine)))
        counts[name] = valid.height
    quarantine = pl.concat(rejected)
    _write(quarantine, out["extract_quarantine"])
    counts["extract_quarantine"] = quarantine.height
    return counts


def _write(frame: pl.DataFrame, path: str) -> None:
    write_part(frame, Path(path))

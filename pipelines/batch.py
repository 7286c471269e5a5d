"""Per-batch work of the extract stage, as plain functions a worker process can run."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.extract import run_extractors
from schemas.tables import EXTRACTED, split_valid


def extract_part(articles_path: str, out: dict[str, str]) -> dict[str, int]:
    """Extract entities, figures and dates from one articles part; write each table's part
    (valid rows) and the rejected rows to the paths in `out`. Returns row counts."""
    articles = pl.read_parquet(articles_path)
    counts: dict[str, int] = {}
    rejected = []
    for name, frame in run_extractors(articles).items():
        valid, bad = split_valid(frame, EXTRACTED[name], table=name, articles=articles)
        _write(valid, out[name])
        rejected.append(bad)
        counts[name] = valid.height
    quarantine = pl.concat(rejected)
    _write(quarantine, out["extract_quarantine"])
    counts["extract_quarantine"] = quarantine.height
    return counts


def _write(frame: pl.DataFrame, path: str) -> None:
    tmp = Path(path).with_suffix(".tmp")
    frame.write_parquet(tmp)
    tmp.replace(path)

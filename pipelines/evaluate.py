"""Run the extractors over a gold file and write (and optionally score) predictions.

Gold and prediction formats are those of the project's scorer (`eval/README.md` in the shared
evaluation folder): gold documents carry `id`, `text`, `reference_date`; predictions carry
`id` and `predicted` items of `kind`, `text`, `start`, `end`, `value`.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl

from pipelines.ingest.base import parse_published

FAMILIES = ("entities", "figures", "dates")
_KIND = {"PERSON": "person", "ORG": "org", "PLACE": "place", "MISC": "misc"}


def read_gold(path: Path) -> Iterator[dict[str, Any]]:
    """Documents of a gold JSON Lines file (.jsonl or .jsonl.gz)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def gold_frame(docs: Iterable[dict[str, Any]]) -> pl.DataFrame:
    """Gold documents as an articles-like frame (article_id = gold id)."""
    rows = [
        {"article_id": str(d["id"]), "text": d["text"],
         "published_at": parse_published(d.get("reference_date")), "language": "en"}
        for d in docs
    ]
    return pl.DataFrame(
        rows,
        schema={"article_id": pl.String, "text": pl.String,
                "published_at": pl.Datetime("us", "UTC"), "language": pl.String},
    )


def extract(articles: pl.DataFrame, family: str) -> pl.DataFrame:
    """Run one extractor family over an articles frame."""
    if family == "dates":
        from pipelines.extract.dates import extract_dates

        return extract_dates(articles)
    if family == "figures":
        from pipelines.extract.figures import extract_figures

        return extract_figures(articles)
    if family == "entities":
        from pipelines.extract.entities import extract_entities

        return extract_entities(articles)
    raise ValueError(f"unknown family {family!r}; choose from {', '.join(FAMILIES)}")


def to_predictions(family: str, rows: pl.DataFrame) -> list[tuple[str, dict[str, Any]]]:
    """(doc id, predicted item) pairs in the scorer's format."""
    out: list[tuple[str, dict[str, Any]]] = []
    for r in rows.iter_rows(named=True):
        item: dict[str, Any] = {"text": r["text"], "start": r["start"], "end": r["end"]}
        if family == "entities":
            item["kind"] = _KIND.get(r["type"], "misc")
        elif family == "dates":
            item["kind"] = "date"
            item["value"] = {"value": r["value"], "timex_type": r["timex_type"]}
        else:
            unit = r["currency"] if r["kind"] == "money" and r["currency"] else r["unit"]
            item["kind"] = r["kind"]
            item["value"] = {"amount": r["value"], "amount_max": r["value_max"], "unit": unit}
        out.append((r["article_id"], item))
    return out


def predict(gold: list[dict[str, Any]], families: Iterable[str]) -> list[dict[str, Any]]:
    """Predictions for every gold document (documents with no prediction are listed empty)."""
    frame = gold_frame(gold)
    by_doc: dict[str, list[dict[str, Any]]] = {str(d["id"]): [] for d in gold}
    for family in families:
        for doc_id, item in to_predictions(family, extract(frame, family)):
            by_doc[doc_id].append(item)
    return [{"id": k, "predicted": v} for k, v in by_doc.items()]


def load_scorer(path: Path) -> ModuleType:
    """Import the scorer module (score.py) from a file path."""
    spec = importlib.util.spec_from_file_location("newsfacts_scorer", path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"no scorer at {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses in the scorer look their module up
    spec.loader.exec_module(module)
    return module


def family_of(gold: list[dict[str, Any]]) -> list[str]:
    """Extractor families a gold set needs, from the kinds of its expected items."""
    kinds = {e["kind"] for d in gold for e in d.get("expected", [])}
    fams = []
    if kinds & {"person", "org", "place", "misc"}:
        fams.append("entities")
    if kinds & {"money", "percent", "count", "quantity"}:
        fams.append("figures")
    if "date" in kinds:
        fams.append("dates")
    return fams

"""Pure polars extractors: no Dagster here. Each takes an articles frame (article_id, text,
published_at, language) and returns the rows of its table."""

from __future__ import annotations

import polars as pl

EXTRACT_LANGUAGES = ("en",)


def extractable(articles: pl.DataFrame) -> pl.DataFrame:
    """The articles the extractors read: English (or undetected) ones."""
    return articles.filter(
        pl.col("language").is_null() | pl.col("language").is_in(EXTRACT_LANGUAGES)
    ).select("article_id", "text", "published_at", "language")


def run_extractors(articles: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """entities, figures and dates for the extractable articles."""
    from pipelines.extract.dates import extract_dates
    from pipelines.extract.entities import extract_entities
    from pipelines.extract.figures import extract_figures

    frame = extractable(articles)
    return {
        "entities": extract_entities(frame),
        "figures": extract_figures(frame),
        "dates": extract_dates(frame),
    }

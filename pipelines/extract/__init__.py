"""Pure polars extractors: no Dagster here. Each takes an articles frame (article_id, text,
published_at, language) and returns the rows of its table."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

EXTRACT_LANGUAGES = ("en",)
Extractor = Callable[[pl.DataFrame], pl.DataFrame]


def extractable(articles: pl.DataFrame) -> pl.DataFrame:
    """The articles the extractors read: English (or undetected) ones."""
    return articles.filter(
        pl.col("language").is_null() | pl.col("language").is_in(EXTRACT_LANGUAGES)
    ).select("article_id", "text", "published_at", "language")


def extractors() -> dict[str, Extractor]:
    """Table name -> extractor function."""
    from pipelines.extract.dates import extract_dates
    from pipelines.extract.entities import extract_entities
    from pipelines.extract.figures import extract_figures

    return {"entities": extract_entities, "figures": extract_figures, "dates": extract_dates}


def isolate_failures(
    extract: Extractor, frame: pl.DataFrame
) -> tuple[list[pl.DataFrame], list[tuple[str, str]]]:
    """Run `extract` over `frame`; if it raises, split the batch in halves until the articles
    that make it fail are found. Returns (result frames, [(article_id, error)]), so one
    article an extractor cannot handle never costs the rest of its batch. The normal path is
    one call over the whole batch."""
    try:
        return [extract(frame)], []
    except Exception as err:
        if frame.height <= 1:
            ids = frame["article_id"].to_list() or ["?"]
            return [], [(ids[0], f"{type(err).__name__}: {err}"[:300])]
    half = frame.height // 2
    left, left_bad = isolate_failures(extract, frame.head(half))
    right, right_bad = isolate_failures(extract, frame.tail(frame.height - half))
    return left + right, left_bad + right_bad

"""Raw articles -> clean articles: boilerplate labelled as segments, body text kept, stable ids.

Paragraphs (blocks separated by blank lines) are labelled by the rules in
`seeds/boilerplate/rules.yaml` and by evidence (paragraphs repeated across a source's
articles); the article's `text` is its body paragraphs joined by blank lines, so every
extractor reads body text only. The labelled paragraphs form the `segments` table. Each
article also gets its detected language and its duplicate cluster (exact and near copies).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from pipelines.dedup import cluster_duplicates
from pipelines.extract.spans import ascii_word_boundaries, regex_spans
from pipelines.ingest.base import parse_published
from pipelines.language import detect_language

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
_PARAGRAPH = r"[^\n]*\S[^\n]*(?:\n[^\n]*\S[^\n]*)*"


@cache
def rules() -> dict[str, Any]:
    """The boilerplate rules (seeds/boilerplate/rules.yaml), loaded once."""
    with open(SEEDS / "boilerplate" / "rules.yaml", encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def _alternation(patterns: list[str]) -> str:
    return ascii_word_boundaries("(?i)" + "|".join(f"(?:{p})" for p in patterns))


def _first_match(groups: dict[str, list[str]]) -> pl.Expr:
    """The name of the first group whose patterns match the trimmed paragraph, else null."""
    chain: Any = None
    for name, patterns in groups.items():
        cond = pl.col("_t").str.contains(_alternation(patterns))
        chain = pl.when(cond).then(pl.lit(name)) if chain is None else \
            chain.when(cond).then(pl.lit(name))
    return pl.lit(None, pl.String) if chain is None else chain.otherwise(pl.lit(None, pl.String))


def normalise_text(expr: pl.Expr) -> pl.Expr:
    """Line endings to \\n, NUL and other C0 controls (but tab/newline) removed, no trailing
    blanks on lines, runs of blank lines collapsed."""
    return (
        expr.str.replace_all("\r\n?", "\n")
        .str.replace_all(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "")
        .str.replace_all(r"[ \t\u00a0]+\n", "\n")
        .str.replace_all(r"\n{3,}", "\n\n")
        .str.strip_chars()
    )


def label_paragraphs(raw: pl.DataFrame) -> pl.DataFrame:
    """Segments: (row, source, start, end, text, label) for every paragraph of `raw.text`."""
    spec = rules()
    paras = regex_spans(raw.with_row_index("row").select("row", "text"), _PARAGRAPH,
                        keys=("row",)).rename({"match": "text"})
    paras = paras.join(raw.with_row_index("row").select("row", "source"), on="row", how="left")
    paras = paras.with_columns(
        pl.int_range(pl.len()).over("row").alias("_i"),
        pl.len().over("row").alias("_n"),
        pl.col("text").str.strip_chars().alias("_t"),
    )
    label = _first_match(spec["paragraph"])
    footer = _first_match(spec["footer_start"])
    paras = paras.with_columns(
        label.alias("_label"),
        pl.when(pl.col("_i") * 3 >= pl.col("_n")).then(footer).alias("_footer"),
    )
    # Everything from the first footer marker on belongs to the footer's label.
    paras = paras.with_columns(pl.col("_footer").forward_fill().over("row").alias("_footer"))
    rep = spec["repeated"]
    paras = paras.with_columns(
        pl.col("_t").str.to_lowercase().str.replace_all(r"\s+", " ").alias("_key"),
        (pl.col("_t").str.count_matches(r"\S+") >= rep["min_words"]).alias("_long"),
    )
    per_source = paras.group_by("source").agg(pl.col("row").n_unique().alias("_docs"))
    per_key = (
        paras.filter(pl.col("_long") & pl.col("source").is_not_null())
        .group_by("source", "_key")
        .agg(pl.col("row").n_unique().alias("_seen"))
        .join(per_source, on="source")
        .filter((pl.col("_seen") >= rep["min_articles"])
                & (pl.col("_seen") >= rep["min_share"] * pl.col("_docs")))
        .select("source", "_key", pl.lit(True).alias("_repeated"))
    )
    paras = paras.join(per_key, on=["source", "_key"], how="left", nulls_equal=False)
    return paras.with_columns(
        pl.coalesce(
            pl.col("_footer"), pl.col("_label"),
            pl.when(pl.col("_repeated")).then(pl.lit("repeated")), pl.lit("body"),
        ).alias("label")
    ).select("row", "start", "end", "text", "label")


def _sha(values: pl.Series) -> pl.Series:
    return pl.Series([hashlib.sha256(v.encode("utf-8")).hexdigest()[:32] for v in values],
                     dtype=pl.String)


def clean(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(articles, segments, quarantine) from a raw-articles frame.

    Articles with no body left after cleaning are quarantined; duplicate content (same
    article_id) keeps its first occurrence and quarantines the rest with a pointer to it.
    """
    raw = raw.with_columns(normalise_text(pl.col("text")).alias("text"))
    segments = label_paragraphs(raw)
    body = (
        segments.filter(pl.col("label") == "body")
        .group_by("row", maintain_order=True)
        .agg(pl.col("text").str.join("\n\n").alias("body"))
    )
    frame = (
        raw.with_row_index("row")
        .join(body, on="row", how="left")
        .with_columns(pl.col("body").fill_null(""))
    )
    empty = frame.filter(pl.col("body").str.strip_chars() == "")
    frame = frame.filter(pl.col("body").str.strip_chars() != "")
    frame = frame.with_columns(
        (pl.col("title").fill_null("") + "\x1f" + pl.col("body"))
        .map_batches(_sha, return_dtype=pl.String)
        .alias("article_id"),
        pl.col("published")
        .map_elements(parse_published, return_dtype=pl.Datetime("us", "UTC"))
        .alias("published_at"),
    )
    dup = frame.filter(~pl.col("article_id").is_first_distinct())
    firsts = frame.filter(pl.col("article_id").is_first_distinct()).select("article_id", "input")
    frame = frame.filter(pl.col("article_id").is_first_distinct())
    frame = frame.with_columns(
        pl.coalesce(detect_language(frame["body"]), pl.col("language_hint")).alias("language")
    )
    articles = frame.select(
        "article_id", "source_id", "url", "source", "title", "published_at", "language",
        pl.col("body").alias("text"),
        pl.col("body").str.count_matches(r"\S+").cast(pl.Int64).alias("word_count"),
        "input", "content_sha256", "row",
    )
    segments = segments.join(articles.select("row", "article_id"), on="row", how="inner").select(
        "article_id", "start", "end", "text", "label"
    )
    quarantine = pl.concat(
        [
            empty.select(pl.col("input").alias("where"), pl.lit("record").alias("what"),
                         pl.lit("no body text left after removing boilerplate").alias("why")),
            dup.join(firsts, on="article_id", suffix="_first").select(
                pl.col("input").alias("where"), pl.lit("record").alias("what"),
                pl.format("duplicate content of {} (same article_id {})", "input_first",
                          "article_id").alias("why")),
        ]
    ).with_columns(pl.lit("articles").alias("stage"))
    articles = articles.join(
        cluster_duplicates(articles.select("article_id", "text", "published_at")),
        on="article_id", how="left",
    )
    return articles.drop("row"), segments, quarantine

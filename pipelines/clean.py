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
# Text whose paragraphs are not just its pieces between "\n\n": a line of whitespace, two
# empty lines in a row, or an empty line first or last.
_IRREGULAR = r"(?m)^[^\S\n]+$|\A\n|\n\z|\n\n\n"
# Replacing this with " " collapses whitespace runs like `\s+` does, but leaves the single
# spaces (most runs) unmatched, which is several times faster.
SPACE_RUNS = r"\s{2,}|[^\S ]"


@cache
def rules() -> dict[str, Any]:
    """The boilerplate rules (seeds/boilerplate/rules.yaml), loaded once."""
    with open(SEEDS / "boilerplate" / "rules.yaml", encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def _alternation(patterns: list[str]) -> str:
    return ascii_word_boundaries("(?i)" + "|".join(f"(?:{p})" for p in patterns))


def _matches(patterns: list[str]) -> pl.Expr:
    """Whether any pattern matches `_t`. Anchored (`^`) and unanchored patterns are two
    regexes: one alternation of both loses the unanchored ones' literal prefilter and is
    several times slower."""
    anchored = [p for p in patterns if p.startswith("^")]
    floating = [p for p in patterns if not p.startswith("^")]
    return pl.any_horizontal(
        [pl.col("_t").str.contains(_alternation(ps)) for ps in (anchored, floating) if ps])


def _first_match(groups: dict[str, list[str]]) -> pl.Expr:
    """The name of the first group whose patterns match the trimmed paragraph, else null."""
    chain: Any = None
    for name, patterns in groups.items():
        cond = _matches(patterns)
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


def paragraphs(raw: pl.DataFrame) -> pl.DataFrame:
    """(row, start, end, text) of every paragraph (`_PARAGRAPH` match) of `raw.text`.

    The paragraphs of regular text (all cleaned text, nearly) are its pieces between "\n\n":
    a literal split, about twice as fast as `regex_spans`, which does the other rows.
    """
    frame = raw.with_row_index("row").select("row", "text")
    irregular = frame["text"].str.contains(_IRREGULAR).fill_null(True)
    split = (
        frame.filter(~irregular).lazy()
        .select("row", pl.col("text").str.split("\n\n"))
        .explode("text")
        .with_columns(pl.col("text").str.len_chars().cast(pl.Int64).alias("_len"))
        .with_columns(((pl.col("_len") + 2).cum_sum().over("row") - 2).alias("end"))
        .select("row", (pl.col("end") - pl.col("_len")).alias("start"), "end", "text")
        .filter(pl.col("end") > pl.col("start"))
        .collect()
    )
    spans = regex_spans(frame.filter(irregular), _PARAGRAPH, keys=("row",))
    return pl.concat([split, spans.rename({"match": "text"})]).sort("row", "start")


def label_paragraphs(raw: pl.DataFrame) -> pl.DataFrame:
    """Segments: (row, start, end, text, label, words) for every paragraph of `raw.text`."""
    spec = rules()
    paras = paragraphs(raw)
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
        pl.col("_t").str.to_lowercase().str.replace_all(SPACE_RUNS, " ").alias("_key"))
    # `_t` is trimmed and not empty, so its words are the single spaces of `_key` plus one
    paras = paras.with_columns(
        (pl.col("_key").str.count_matches(" ", literal=True) + 1).cast(pl.Int64).alias("words"))
    paras = paras.with_columns((pl.col("words") >= rep["min_words"]).alias("_long"))
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
    ).select("row", "start", "end", "text", "label", "words")


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
        .agg(pl.col("text").str.join("\n\n").alias("body"), pl.col("words").sum())
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
        pl.col("words").alias("word_count"),
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

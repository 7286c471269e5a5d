"""Asset checks generated from one table of (asset, check, blocking, rule).

Integrity checks (schema, keys, offsets, references) are blocking: a failure stops the
publication. Coverage checks warn with counts and a sample of the failing rows.
"""


from collections.abc import Callable

import dagster as dg
import pandera.errors as pa_errors
import polars as pl

from pipelines.preview import markdown_preview
from pipelines.staging import Parts
from schemas.tables import TABLES, check_offsets

Rule = Callable[[pl.DataFrame, pl.DataFrame], pl.DataFrame]  # (table, articles) -> failing rows


def _schema(name: str) -> Rule:
    def rule(frame: pl.DataFrame, _articles: pl.DataFrame) -> pl.DataFrame:
        try:
            TABLES[name].validate(frame, lazy=True)
        except pa_errors.SchemaErrors as err:
            return err.failure_cases
        return pl.DataFrame()
    return rule


def _offsets(frame: pl.DataFrame, articles: pl.DataFrame) -> pl.DataFrame:
    return check_offsets(frame, articles)


def _unique_key(frame: pl.DataFrame, _articles: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("article_id").is_duplicated()).select("article_id", "input")


def _no_body(frame: pl.DataFrame, _articles: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("word_count") < 20).select("article_id", "input", "word_count")


def _articles_without(frame: pl.DataFrame, articles: pl.DataFrame) -> pl.DataFrame:
    return articles.join(frame.select("article_id").unique(), on="article_id", how="anti").select(
        "article_id", "title"
    )


# The articles columns a rule reads; other rules get no articles (reading the text is slow).
_ARTICLE_COLUMNS: dict[Rule, list[str]] = {_offsets: ["article_id", "text"],
                                           _articles_without: ["article_id", "title"]}
# The columns of its own table a rule reads, where that is not all of them (skips the text).
_TABLE_COLUMNS: dict[Rule, list[str]] = {_unique_key: ["article_id", "input"],
                                         _no_body: ["article_id", "input", "word_count"]}

# (asset, check name, blocking, description, rule)
CHECKS: list[tuple[str, str, bool, str, Rule]] = [
    *[(t, f"{t}_schema", True, f"Rows of {t} satisfy the {model.__name__} pandera model.",
       _schema(t)) for t, model in TABLES.items()],
    *[(t, f"{t}_offsets", True,
       f"Every {t} row's text equals articles.text[start:end] of a known article.", _offsets)
      for t in ("entities", "figures", "dates")],
    ("articles", "articles_unique_id", True, "article_id is unique.", _unique_key),
    ("articles", "articles_have_body", False, "Articles have at least 20 words of body text.",
     _no_body),
    ("entities", "articles_have_entities", False, "Every article has at least one entity.",
     _articles_without),
    ("dates", "articles_have_dates", False, "Every article has at least one date.",
     _articles_without),
]


def _run(rule: Rule, table: Parts, articles: Parts) -> tuple[int, int, pl.DataFrame]:
    """Apply a rule part by part (part i of a table comes from part i of articles)."""
    checked = failing = 0
    sample = pl.DataFrame()
    columns = _ARTICLE_COLUMNS.get(rule)
    for name, frame in table.frames(_TABLE_COLUMNS.get(rule)):
        if table.folder == articles.folder:
            body: pl.DataFrame | None = frame
        else:
            body = articles.part(name, columns) if columns else None
        bad = rule(frame, body if body is not None else frame.clear())
        checked += frame.height
        failing += bad.height
        if sample.height < 10 and bad.height:
            sample = pl.concat([sample, bad.head(10)], how="diagonal_relaxed")
    return checked, failing, sample


def _result(rule: Rule, table: Parts, articles: Parts, blocking: bool) -> dg.AssetCheckResult:
    checked, failing, sample = _run(rule, table, articles)
    return dg.AssetCheckResult(
        passed=failing == 0,
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        metadata={"failing_rows": failing, "checked_rows": checked,
                  "sample": dg.MetadataValue.md(markdown_preview(sample))},
    )


def _make(asset: str, name: str, blocking: bool, description: str,
          rule: Rule) -> dg.AssetChecksDefinition:
    if asset == "articles":
        @dg.asset_check(asset=asset, name=name, blocking=blocking, description=description)
        def check_articles(articles: Parts) -> dg.AssetCheckResult:
            return _result(rule, articles, articles, blocking)

        return check_articles

    @dg.asset_check(asset=asset, name=name, blocking=blocking, description=description,
                    additional_ins={"articles": dg.AssetIn("articles")})
    def check_table(table: Parts, articles: Parts) -> dg.AssetCheckResult:
        return _result(rule, table, articles, blocking)

    return check_table


ASSET_CHECKS = [_make(*spec) for spec in CHECKS]

"""The published tables: one pandera DataFrameModel each, the single place columns are declared.

Validation, the Arrow/Parquet schema, the data dictionary and the dataset card all derive from
these models. Offsets (`start`, `end`) are Python string character offsets into
`articles.text`, end exclusive; `check_offsets` enforces `text[start:end] == mention`.
"""

from __future__ import annotations

import pandera.errors as pa_errors
import pandera.polars as pa
import polars as pl
from pandera.api.polars.model_config import BaseConfig


class _Config(BaseConfig):
    strict = True
    coerce = True


class Articles(pa.DataFrameModel):
    """One row per cleaned article; every extracted mention indexes into `text`."""

    article_id: str = pa.Field(unique=True, str_length={"min_value": 16},
                               description="Stable id: a hash of the cleaned title and text "
                               "(same content gives the same id).")
    source_id: str = pa.Field(nullable=True, description="The input's own id for the article.")
    url: str = pa.Field(nullable=True, description="Canonical URL when known.")
    source: str = pa.Field(nullable=True, description="Outlet or feed name.")
    title: str = pa.Field(nullable=True, description="Headline.")
    published_at: pl.Datetime(time_unit="us", time_zone="UTC") = pa.Field(  # type: ignore[valid-type]
       nullable=True, description="Publication time in UTC; a time "
                                 "written without a zone is taken as UTC; null when unknown.")
    language: str = pa.Field(nullable=True, description="ISO 639-1 language code (detected).")
    text: str = pa.Field(description="The clean body text; all offsets index into it (Python "
                         "string characters).")
    word_count: pl.Int64 = pa.Field(ge=0, description="Whitespace-separated words in `text`.")
    input: str = pa.Field(description="Input file (relative to the build's source) and record.")
    content_sha256: str = pa.Field(description="SHA-256 of the raw input record (its "
                                   "original bytes where the reader has them).")
    dup_cluster: str = pa.Field(description="article_id of the first article of this "
                                "article's duplicate cluster (itself when it has no copies).")
    dup_kind: str = pa.Field(nullable=True, isin=["exact", "near"],
                             description="exact | near for a copy of the cluster's first "
                             "article (syndicated or lightly edited), else null.")

    class Config(_Config):
        pass


class _Mention(pa.DataFrameModel):
    article_id: str = pa.Field(description="The article (articles.article_id).")
    start: pl.Int64 = pa.Field(ge=0, description="Start offset in articles.text (characters).")
    end: pl.Int64 = pa.Field(ge=1, description="End offset in articles.text, exclusive.")
    text: str = pa.Field(str_length={"min_value": 1}, description="The mention as written: "
                         "articles.text[start:end].")

    @pa.dataframe_check(description="start < end")
    @classmethod
    def start_before_end(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("start") < pl.col("end"))


class Entities(_Mention):
    """Named entities: people, organisations, places and MISC, with canonical identity."""

    type: str = pa.Field(isin=["PERSON", "ORG", "PLACE", "MISC"],
                         description="PERSON | ORG | PLACE | MISC (nationalities, events, laws, "
                         "products).")
    canonical_name: str = pa.Field(description="Canonical name (gazetteer or longest in-article "
                                   "form).")
    entity_id: str = pa.Field(description="Stable id: ISO 3166 code for countries (iso:KP), "
                              "GeoNames id for places (geonames:N), Wikidata QID or seed id where "
                              "known, else a normalised key (key:type:name).")

    class Config(_Config):
        pass


class Figures(_Mention):
    """Numbers with meaning: money, percentages, counts and measured quantities."""

    kind: str = pa.Field(isin=["money", "percent", "count", "quantity"],
                         description="money | percent | count | quantity.")
    value: pl.Float64 = pa.Field(description="The full amount: 115000000 for '$115 million', "
                                 "90 for '90%'; the lower end of a range.")
    value_max: pl.Float64 = pa.Field(nullable=True, description="Upper end of a range, else null.")
    unit: str = pa.Field(nullable=True, description="Canonical unit name, singular: "
                         "'kilometre', 'degree Celsius', 'engineering brigade' (the counted "
                         "noun), 'percent', 'percentage point'; the as-written form is in "
                         "`text`.")
    currency: str = pa.Field(nullable=True, description="ISO 4217 code for money, else null.")
    period: str = pa.Field(nullable=True, description="Rate period: year, quarter, month, week, "
                           "day, hour ('annually', 'per month').")
    qualifier: str = pa.Field(nullable=True, description="up_to, about, at_least, more_than, "
                              "less_than, nearly, exactly, … ; null when the figure is bare.")
    direction: str = pa.Field(nullable=True, description="up | down when the figure is a change "
                              "('rose by 5%', 'fell 3 million'), else null.")
    normalized_unit: str = pa.Field(nullable=True, description="Canonical unit for quantities "
                                    "(m, kg, s, m2, l, K, m/s, W, …), else null.")
    normalized_value: pl.Float64 = pa.Field(nullable=True, description="`value` converted to "
                                            "`normalized_unit`, else null.")

    class Config(_Config):
        pass


class Dates(_Mention):
    """Temporal expressions (TimeML TIMEX3), resolved against the publication time."""

    timex_type: str = pa.Field(isin=["DATE", "TIME", "DURATION", "SET"],
                               description="TimeML type: DATE | TIME | DURATION | SET.")
    value: str = pa.Field(nullable=True, description="TimeML value: 2024-06-26, 2024-07, "
                          "2024-W26, 2024-Q3, 199X, 2024-06-26T06:30, P3Y, XXXX-WXX-1, "
                          "PRESENT_REF …; unresolved forms keep X placeholders.")
    start_date: pl.Date = pa.Field(nullable=True, description="First calendar day the "
                                   "DATE/TIME (or range) covers.")
    end_date: pl.Date = pa.Field(nullable=True, description="Last calendar day covered "
                                 "(inclusive).")
    anchor: str = pa.Field(description="How the value was obtained: explicit, publication_date, "
                           "previous_date, unresolved, …")
    modifier: str = pa.Field(nullable=True, description="TimeML mod: START, MID, END, BEFORE, "
                             "AFTER, ON_OR_AFTER, ON_OR_BEFORE, APPROX, EQUAL_OR_LESS, …")

    class Config(_Config):
        pass


class Segments(pa.DataFrameModel):
    """Paragraphs of the text as read, labelled body or boilerplate; only body is extracted."""

    article_id: str = pa.Field(description="The article (articles.article_id).")
    start: pl.Int64 = pa.Field(ge=0, description="Start offset in the text as read (before "
                               "cleaning), in characters.")
    end: pl.Int64 = pa.Field(ge=1, description="End offset in the text as read, exclusive.")
    text: str = pa.Field(description="The paragraph's text.")
    label: str = pa.Field(description="body | related_links | donation_appeal | newsletter | "
                          "share | caption | advert | copyright | repeated (seen across many "
                          "articles of the same source).")

    class Config(_Config):
        pass


class Quarantine(pa.DataFrameModel):
    """Every input or row that was rejected, with the reason; the build goes on without it."""

    where: str = pa.Field(description="Input file (and line/record) or table and key.")
    what: str = pa.Field(description="What was rejected: file, record, row.")
    why: str = pa.Field(description="The reason, as a human-readable message.")
    stage: str = pa.Field(description="Stage that rejected it: ingest, articles, entities, …")

    class Config(_Config):
        pass


EXTRACTED = {"entities": Entities, "figures": Figures, "dates": Dates}
TABLES: dict[str, type[pa.DataFrameModel]] = {
    "articles": Articles, "segments": Segments, **EXTRACTED, "quarantine": Quarantine,
}


def empty(model: type[pa.DataFrameModel]) -> pl.DataFrame:
    """An empty frame with the model's columns and dtypes."""
    return pl.DataFrame(schema=polars_schema(model))


def polars_schema(model: type[pa.DataFrameModel]) -> dict[str, pl.DataType]:
    """Column name -> polars dtype, in declaration order."""
    return {name: col.dtype.type for name, col in model.to_schema().columns.items()}


def conform(frame: pl.DataFrame, model: type[pa.DataFrameModel]) -> pl.DataFrame:
    """Select and cast the model's columns (missing nullable columns become null)."""
    schema = polars_schema(model)
    return frame.select(
        [
            (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in schema.items()
        ]
    )


def check_offsets(mentions: pl.DataFrame, articles: pl.DataFrame) -> pl.DataFrame:
    """Mentions whose `text` is not `articles.text[start:end]` (or whose article is unknown)."""
    joined = mentions.join(
        articles.select("article_id", pl.col("text").alias("_body")), on="article_id", how="left"
    )
    return joined.filter(
        pl.col("_body").is_null()
        | (pl.col("start") < 0)
        | (pl.col("end") <= pl.col("start"))
        | (pl.col("_body").str.slice(pl.col("start").clip(0),
                                     (pl.col("end") - pl.col("start")).clip(0))
           != pl.col("text"))
    ).drop("_body")


def split_valid(
    frame: pl.DataFrame,
    model: type[pa.DataFrameModel],
    *,
    table: str,
    articles: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(valid rows, quarantine rows) of `frame` under `model` (and offsets against `articles`).

    Every failing row is reported with the checks it failed; the valid rows are kept, so one
    bad row never costs the rest. Frame-level failures (a missing column) still raise.
    """
    frame = conform(frame, model).with_row_index("_row")
    reasons: list[pl.DataFrame] = []
    try:
        model.validate(frame.drop("_row"), lazy=True)
    except pa_errors.SchemaErrors as err:
        cases = err.failure_cases.filter(pl.col("index").is_not_null())
        if cases.height < err.failure_cases.height:
            raise
        reasons.append(cases.select(
            pl.col("index").cast(pl.UInt32).alias("_row"),
            pl.format("failed {} on column {}: {}", "check", pl.col("column").fill_null("*"),
                      pl.col("failure_case").str.slice(0, 120)).alias("why"),
        ))
    if articles is not None and "start" in frame.columns:
        bad = check_offsets(frame, articles)
        reasons.append(bad.select(
            pl.col("_row"),
            pl.format("text {} is not articles.text[{}:{}] (or the article is unknown)",
                      pl.col("text").str.slice(0, 80), "start", "end").alias("why"),
        ))
    if not reasons:
        return frame.drop("_row"), empty(Quarantine)
    why = pl.concat(reasons).group_by("_row").agg(pl.col("why").str.join("; "))
    rejected = frame.join(why, on="_row", how="inner")
    key = "article_id" if "article_id" in frame.columns else "_row"
    quarantine = rejected.select(
        pl.format("{}:{}", pl.lit(table), pl.col(key).cast(pl.String)).alias("where"),
        pl.lit("row").alias("what"),
        pl.col("why"),
        pl.lit(table).alias("stage"),
    )
    return frame.join(why, on="_row", how="anti").drop("_row"), quarantine

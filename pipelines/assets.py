"""The asset graph: raw_articles -> articles (+ segments) -> entities, figures, dates ->
quarantine -> snapshot (a published warehouse version). Assets are thin: the logic lives in
plain modules (ingest, clean, extract, publish)."""


from datetime import UTC, datetime

import dagster as dg
import polars as pl
from dagster import AssetExecutionContext

from pipelines.clean import clean
from pipelines.extract import run_extractors
from pipelines.ingest.registry import common_root, discover, read_files, rejected_frame
from pipelines.preview import markdown_preview
from pipelines.publish import publish
from pipelines.resources import Settings
from schemas.tables import EXTRACTED, TABLES, Quarantine, conform, split_valid


def _meta(frame: pl.DataFrame, **extra: object) -> dict[str, dg.MetadataValue]:
    meta: dict[str, dg.MetadataValue] = {
        "rows": dg.MetadataValue.int(frame.height),
        "preview": dg.MetadataValue.md(markdown_preview(frame)),
    }
    meta.update({k: dg.MetadataValue.text(str(v)) for k, v in extra.items()})
    return meta


@dg.asset(
    group_name="ingest",
    kinds={"polars"},
    description="Every input record as read (JSON Lines, text, HTML, feeds, WARC), with the "
    "inputs that could not be read kept as rejection rows (column `why`).",
)
def raw_articles(context: AssetExecutionContext, settings: Settings) -> dg.Output[pl.DataFrame]:
    sources = settings.source_list()
    files, rejected, skipped = discover(sources)
    raw, read_rejects = read_files(files, root=common_root(sources))
    rejects = rejected_frame([*rejected, *read_rejects])
    frame = pl.concat([raw.with_columns(pl.lit(None, pl.String).alias("why")),
                       rejects.select("where", "why", "what").rename({"where": "input"})],
                      how="diagonal_relaxed")
    context.log.info(f"read {raw.height} records from {len(files)} files; "
                     f"{rejects.height} rejected, {skipped} files skipped")
    return dg.Output(frame, metadata=_meta(raw, files=len(files), rejected=rejects.height,
                                           skipped_files=skipped))


@dg.multi_asset(
    group_name="ingest",
    outs={
        "articles": dg.AssetOut(kinds={"polars"}, description=TABLES["articles"].__doc__),
        "segments": dg.AssetOut(kinds={"polars"}, description=TABLES["segments"].__doc__),
        "ingest_quarantine": dg.AssetOut(
            kinds={"polars"}, description="Inputs and records rejected while reading and cleaning."
        ),
    },
    ins={"raw_articles": dg.AssetIn()},
)
def clean_articles(raw_articles: pl.DataFrame):  # type: ignore[no-untyped-def]
    """Clean the raw records: boilerplate labelled and removed, stable ids, UTC times."""
    readable = raw_articles.filter(pl.col("why").is_null()).drop("why", "what")
    rejects = raw_articles.filter(pl.col("why").is_not_null()).select(
        pl.col("input").alias("where"), "what", "why", pl.lit("ingest").alias("stage"))
    articles, segments, cleaning = clean(readable)
    quarantine = conform(pl.concat([rejects, cleaning], how="diagonal_relaxed"), Quarantine)
    yield dg.Output(articles, "articles", metadata=_meta(articles.drop("text")))
    yield dg.Output(segments, "segments", metadata=_meta(
        segments.group_by("label").len().sort("len", descending=True)))
    yield dg.Output(quarantine, "ingest_quarantine", metadata=_meta(quarantine))


@dg.multi_asset(
    group_name="extract",
    outs={
        **{name: dg.AssetOut(kinds={"polars"}, description=model.__doc__)
           for name, model in EXTRACTED.items()},
        "extract_quarantine": dg.AssetOut(
            kinds={"polars"}, description="Extracted rows that failed validation, with reasons."
        ),
    },
    ins={"articles": dg.AssetIn()},
)
def extract_mentions(articles: pl.DataFrame):  # type: ignore[no-untyped-def]
    """Entities, figures and dates from the body text of English articles."""
    rejected = []
    for name, frame in run_extractors(articles).items():
        valid, bad = split_valid(frame, EXTRACTED[name], table=name, articles=articles)
        rejected.append(bad)
        yield dg.Output(valid, name, metadata=_meta(valid, rejected_rows=bad.height))
    quarantine = pl.concat(rejected)
    yield dg.Output(quarantine, "extract_quarantine", metadata=_meta(quarantine))


@dg.asset(
    group_name="publish",
    kinds={"polars"},
    description=TABLES["quarantine"].__doc__,
)
def quarantine(ingest_quarantine: pl.DataFrame, extract_quarantine: pl.DataFrame) -> dg.Output[
    pl.DataFrame
]:
    frame = pl.concat([ingest_quarantine, extract_quarantine]).unique(maintain_order=True)
    return dg.Output(frame, metadata=_meta(frame))


@dg.asset(
    group_name="publish",
    kinds={"duckdb"},
    description="Publishes articles, segments, entities, figures, dates and quarantine as one "
    "new DuckLake version (atomic; readers see the old or the new version, never a mix).",
)
def snapshot(
    context: AssetExecutionContext,
    settings: Settings,
    articles: pl.DataFrame,
    segments: pl.DataFrame,
    entities: pl.DataFrame,
    figures: pl.DataFrame,
    dates: pl.DataFrame,
    quarantine: pl.DataFrame,
) -> dg.MaterializeResult:
    if articles.height == 0:
        raise dg.Failure("no valid article was read; see the ingest_quarantine asset for why")
    started = datetime.now(UTC)
    inputs = (
        articles.group_by(pl.col("input").str.replace(r":\d+$", "").alias("file"))
        .agg(pl.len().alias("articles"))
        .sort("file")
        .to_dicts()
    )
    build = publish(
        settings.warehouse_dir(),
        {"articles": articles, "segments": segments, "entities": entities, "figures": figures,
         "dates": dates, "quarantine": quarantine},
        inputs=inputs,
        full_refresh=settings.full_refresh,
        run_id=context.run_id,
        started_at=started,
    )
    counts = pl.DataFrame([{"table": k, "rows": v, "added": build["added"][k]}
                           for k, v in build["counts"].items()])
    return dg.MaterializeResult(metadata={
        "version": dg.MetadataValue.int(int(build["version"])),
        "changed": dg.MetadataValue.bool(bool(build["changed"])),
        "counts": dg.MetadataValue.md(markdown_preview(counts)),
        "warehouse": dg.MetadataValue.path(str(settings.warehouse_dir())),
    })

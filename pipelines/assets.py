"""The asset graph: raw_articles -> articles (+ segments) -> entities, figures, dates ->
quarantine -> snapshot (a published warehouse version).

Assets are thin: the logic lives in plain modules (ingest, clean, extract, publish). Values are
staged as Parquet parts, one per ingest batch (`pipelines.staging`), so a build streams: memory
stays flat however many articles come in, and extraction runs batches on every core.
"""

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime

import dagster as dg
import polars as pl
from dagster import AssetExecutionContext

from pipelines.batch import extract_part
from pipelines.clean import clean
from pipelines.ingest.registry import common_root, discover, read_batches, rejected_frame
from pipelines.preview import markdown_preview
from pipelines.progress import Progress
from pipelines.publish import publish
from pipelines.resources import Settings
from pipelines.staging import Parts, part_name
from schemas.tables import EXTRACTED, TABLES, Articles, Quarantine, conform


def _meta(parts: Parts, **extra: object) -> dict[str, dg.MetadataValue]:
    meta: dict[str, dg.MetadataValue] = {
        "rows": dg.MetadataValue.int(parts.rows),
        "batches": dg.MetadataValue.int(len(parts.files())),
        "preview": dg.MetadataValue.md(markdown_preview(parts.head().drop("text", strict=False))),
    }
    meta.update({k: dg.MetadataValue.text(str(v)) for k, v in extra.items()})
    return meta


@dg.asset(
    group_name="ingest",
    kinds={"polars"},
    description="Every input record as read (JSON Lines, text, HTML, feeds, WARC), in batches, "
    "with the inputs that could not be read kept as rejection rows (column `why`).",
)
def raw_articles(context: AssetExecutionContext, settings: Settings) -> dg.Output[Parts]:
    sources = settings.source_list()
    files, rejected, skipped = discover(sources)
    total_mb = sum(f.stat().st_size for f in files) / 1e6
    writer = settings.writer("raw_articles")
    progress = Progress("read", enabled=settings.progress)
    n_rejected = 0
    batches = read_batches(files, root=common_root(sources), batch_size=settings.batch_size)
    for i, (raw, read_rejects) in enumerate(batches):
        rejects = rejected_frame([*rejected, *read_rejects]) if i == 0 else \
            rejected_frame(read_rejects)
        n_rejected += rejects.height
        frame = pl.concat(
            [raw.with_columns(pl.lit(None, pl.String).alias("why"), pl.lit(None, pl.String)
                              .alias("what")),
             rejects.select(pl.col("where").alias("input"), "what", "why")],
            how="diagonal_relaxed",
        )
        writer.write(part_name(i), frame)
        context.log.info(f"batch {i}: {raw.height} articles, {rejects.height} rejected")
        progress.update(raw.height, mb=raw["text"].str.len_bytes().sum() / 1e6)
    if not writer.parts.files():  # nothing at all: keep the rejections of discovery
        writer.write(part_name(0), rejected_frame(rejected).select(
            pl.col("where").alias("input"), "what", "why"))
        n_rejected = len(rejected)
    progress.close()
    return dg.Output(writer.parts, metadata=_meta(
        writer.parts, files=len(files), input_mb=round(total_mb, 1), rejected=n_rejected,
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
def clean_articles(context: AssetExecutionContext, settings: Settings, raw_articles: Parts):  # type: ignore[no-untyped-def]
    """Clean the raw records: boilerplate labelled and removed, stable ids, UTC times."""
    out = {name: settings.writer(name) for name in ("articles", "segments", "ingest_quarantine")}
    seen: set[str] = set()
    progress = Progress("clean", total=raw_articles.rows, enabled=settings.progress)
    for name, raw in raw_articles.frames():
        readable = raw.filter(pl.col("why").is_null()).drop("why", "what")
        rejects = raw.filter(pl.col("why").is_not_null()).select(
            pl.col("input").alias("where"), "what", "why", pl.lit("ingest").alias("stage"))
        articles, segments, cleaning = clean(readable)
        repeated = articles.filter(pl.col("article_id").is_in(list(seen)))
        articles = articles.filter(~pl.col("article_id").is_in(list(seen)))
        seen.update(articles["article_id"])
        earlier = repeated.select(
            pl.col("input").alias("where"), pl.lit("record").alias("what"),
            pl.format("duplicate content of an earlier article of this build ({})",
                      "article_id").alias("why"), pl.lit("articles").alias("stage"))
        out["articles"].write(name, conform(articles, Articles))
        out["segments"].write(name, segments.join(articles.select("article_id"), on="article_id"))
        out["ingest_quarantine"].write(name, conform(
            pl.concat([rejects, cleaning, earlier], how="diagonal_relaxed"), Quarantine))
        progress.update(raw.height, mb=readable["text"].str.len_bytes().sum() / 1e6)
        context.log.info(f"{name}: {articles.height} articles cleaned")
    progress.close()
    for key, writer in out.items():
        yield dg.Output(writer.parts, key, metadata=_meta(writer.parts))


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
def extract_mentions(context: AssetExecutionContext, settings: Settings, articles: Parts):  # type: ignore[no-untyped-def]
    """Entities, figures and dates from the body text of English articles, batch by batch;
    rows failing their schema or offsets go to quarantine, the rest are kept."""
    names = [*EXTRACTED, "extract_quarantine"]
    out = {name: settings.writer(name) for name in names}
    jobs = [
        (str(path), {n: str(out[n].parts.folder / f"{path.stem}.parquet") for n in names})
        for path in articles.files()
    ]
    progress = Progress("extract", total=len(jobs), unit="batches", enabled=settings.progress)
    workers = min(settings.worker_count(), len(jobs))
    if workers > 1:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
            for counts in pool.map(extract_part, *zip(*jobs, strict=True)):
                context.log.info(f"extracted {counts}")
                progress.update()
    else:
        for job in jobs:
            context.log.info(f"extracted {extract_part(*job)}")
            progress.update()
    progress.close()
    for name in names:
        yield dg.Output(out[name].parts, name, metadata=_meta(out[name].parts))


@dg.asset(
    group_name="publish",
    kinds={"polars"},
    description=TABLES["quarantine"].__doc__,
)
def quarantine(ingest_quarantine: Parts, extract_quarantine: Parts) -> dg.Output[pl.DataFrame]:
    frame = conform(
        pl.concat([ingest_quarantine.read(), extract_quarantine.read()], how="diagonal_relaxed"),
        Quarantine,
    ).unique(maintain_order=True)
    return dg.Output(frame, metadata={"rows": dg.MetadataValue.int(frame.height),
                                      "preview": dg.MetadataValue.md(markdown_preview(frame))})


@dg.asset(
    group_name="publish",
    kinds={"duckdb"},
    description="Publishes articles, segments, entities, figures, dates and quarantine as one "
    "new DuckLake version (atomic; readers see the old or the new version, never a mix).",
)
def snapshot(
    context: AssetExecutionContext,
    settings: Settings,
    articles: Parts,
    segments: Parts,
    entities: Parts,
    figures: Parts,
    dates: Parts,
    quarantine: Parts,
) -> dg.MaterializeResult:
    if articles.rows == 0:
        raise dg.Failure("no valid article was read; see the ingest_quarantine asset for why")
    started = datetime.now(UTC)
    inputs = (
        pl.scan_parquet([str(f) for f in articles.files()])
        .group_by(pl.col("input").str.replace(r":\d+$", "").alias("file"))
        .agg(pl.len().alias("articles"))
        .sort("file")
        .collect()
        .to_dicts()
    )
    build = publish(
        settings.warehouse_dir(),
        {"articles": articles, "segments": segments, "entities": entities, "figures": figures,
         "dates": dates, "quarantine": quarantine},
        inputs=inputs,
        full_refresh=settings.full_refresh,
        run_id=context.run.run_id,
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

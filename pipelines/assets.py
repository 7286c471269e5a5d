"""The asset graph: raw_articles -> articles (+ segments) -> entities, figures, dates ->
quarantine -> snapshot (a published warehouse version).

Assets are thin: the logic lives in plain modules (ingest, clean, extract, publish). The assets
up to extraction are partitioned by ingest batch (`pipelines.batches`); values are staged as
Parquet parts of at most `batch_size` articles (`pipelines.staging`), so a build streams:
memory stays flat however many articles come in, and cleaning and extraction run parts on
every core. snapshot publishes all staged batches as one version.
"""

import json
import multiprocessing as mp
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import polars as pl
from dagster import AssetExecutionContext

from pipelines.batch import clean_part, extract_part
from pipelines.batches import INGEST_BATCHES, batch_sources
from pipelines.diff import describe_inputs
from pipelines.ingest.registry import (
    RAW_SCHEMA,
    common_root,
    discover,
    file_manifest,
    read_batches,
    rejected_frame,
)
from pipelines.preview import markdown_preview
from pipelines.progress import Progress
from pipelines.publish import publish
from pipelines.resources import Settings, staging_folder
from pipelines.staging import Parts, PartWriter, batch_of, part_name
from pipelines.warehouse import known_input_hashes
from schemas.tables import EXTRACTED, TABLES, Quarantine, conform

MANIFEST = ".manifest.json"  # <batch>.manifest.json: a batch's input files, beside its parts


def _meta(parts: Parts, **extra: object) -> dict[str, dg.MetadataValue]:
    meta: dict[str, dg.MetadataValue] = {
        "rows": dg.MetadataValue.int(parts.rows),
        "batches": dg.MetadataValue.int(len(parts.files())),
        "preview": dg.MetadataValue.md(markdown_preview(parts.head().drop("text", strict=False))),
    }
    meta.update({k: dg.MetadataValue.text(str(v)) for k, v in extra.items()})
    return meta


# single-run backfills: many batches in one run, their parts processed in parallel
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)
SINGLE_RUN = dg.BackfillPolicy.single_run()


@dg.asset(
    group_name="ingest",
    kinds={"polars"},
    description="Every input record as read (JSON Lines, text, HTML, feeds, WARC), in parts, "
    "with the inputs that could not be read kept as rejection rows (column `why`). "
    "Partitioned by ingest batch (the sources a build or an inbox tick registered).",
    partitions_def=INGEST_BATCHES,
    backfill_policy=SINGLE_RUN,
)
def raw_articles(context: AssetExecutionContext, settings: Settings) -> dg.Output[Parts]:
    keys = context.partition_keys
    writer = settings.writer("raw_articles", keys)
    known = set() if settings.full_refresh else known_input_hashes(settings.warehouse_dir())
    totals = {"files": 0, "mb": 0.0, "rejected": 0, "already_published": 0, "skipped": 0}
    progress = Progress("read", enabled=settings.progress)
    for key in keys:
        counts = _read_batch(context, settings, writer, key, known, progress)
        totals = {k: totals[k] + counts[k] for k in totals}
    progress.close()
    return dg.Output(writer.parts, metadata=_meta(
        writer.parts, files=totals["files"], input_mb=round(totals["mb"], 1),
        rejected=totals["rejected"], already_published_files=totals["already_published"],
        other_files_skipped=totals["skipped"]))


def _read_batch(context: AssetExecutionContext, settings: Settings, writer: PartWriter,
                key: str, known: set[str], progress: Progress) -> dict[str, float]:
    """Read one ingest batch's sources into parts `<key>.part-<i>`, with its manifest."""
    sources = batch_sources(settings.warehouse_dir(), key)
    files, rejected, skipped = discover(sources)
    root = common_root(sources)
    manifest = file_manifest(files, root=root, known=known)
    todo = [Path(m["path"]) for m in manifest if not m["skipped"]]
    (writer.parts.folder / f"{key}{MANIFEST}").write_text(json.dumps(manifest, indent=1))
    if len(todo) < len(files):
        context.log.info(f"{key}: {len(files) - len(todo)} input files already published: "
                         "skipped")
    n_rejected = 0
    written = 0
    for i, (raw, read_rejects) in enumerate(read_batches(todo, root=root,
                                                          batch_size=settings.batch_size)):
        rejects = rejected_frame([*rejected, *read_rejects]) if i == 0 else \
            rejected_frame(read_rejects)
        n_rejected += rejects.height
        frame = pl.concat(
            [raw.with_columns(pl.lit(None, pl.String).alias("why"), pl.lit(None, pl.String)
                              .alias("what")),
             rejects.select(pl.col("where").alias("input"), "what", "why")],
            how="diagonal_relaxed",
        )
        writer.write(part_name(key, i), frame)
        written += 1
        context.log.info(f"{key} part {i}: {raw.height} articles, {rejects.height} rejected")
        progress.update(raw.height, mb=int(raw["text"].str.len_bytes().sum() or 0) / 1e6)
    if not written:  # nothing read: keep the rejections of discovery
        writer.write(part_name(key, 0), pl.concat(
            [pl.DataFrame(schema={**RAW_SCHEMA, "why": pl.String, "what": pl.String}),
             rejected_frame(rejected).select(pl.col("where").alias("input"), "what", "why")],
            how="diagonal_relaxed"))
        n_rejected = len(rejected)
    return {"files": len(files), "mb": sum(m["bytes"] for m in manifest) / 1e6,
            "rejected": n_rejected, "already_published": len(files) - len(todo),
            "skipped": skipped}


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
    partitions_def=INGEST_BATCHES,
    backfill_policy=SINGLE_RUN,
)
def clean_articles(context: AssetExecutionContext, settings: Settings, raw_articles: Parts):  # type: ignore[no-untyped-def]
    """Clean the raw records batch by batch, on every core: boilerplate labelled and removed,
    stable ids, UTC times, language, duplicate clusters; then drop content repeated across
    batches (kept once, quarantined with a pointer)."""
    names = ["articles", "segments", "ingest_quarantine"]
    out = {name: settings.writer(name, context.partition_keys) for name in names}
    progress = Progress("clean", total=raw_articles.rows, enabled=settings.progress)

    def done(counts: dict[str, int]) -> None:
        progress.update(counts["articles"], mb=counts["mb"] / 1e6)
        context.log.info(f"cleaned {counts}")

    _run_parts(clean_part, _jobs(raw_articles, out), settings.worker_count(), done)
    progress.close()
    _drop_repeats_across_batches(out["articles"].parts, out["segments"].parts,
                                 out["ingest_quarantine"].parts)
    for key, writer in out.items():
        yield dg.Output(writer.parts, key, metadata=_meta(writer.parts))


def _jobs(upstream: Parts, out: dict[str, PartWriter]) -> list[tuple[str, dict[str, str]]]:
    """One job per upstream part: (its path, the matching part path of every output)."""
    return [(str(path), {n: str(w.parts.folder / f"{path.stem}.parquet") for n, w in out.items()})
            for path in upstream.files()]


def _run_parts(fn: Callable[[str, dict[str, str]], dict[str, int]],
               jobs: list[tuple[str, dict[str, str]]], workers: int,
               done: Callable[[dict[str, int]], None]) -> None:
    """Run `fn` over every job, in worker processes when there is more than one job."""
    workers = min(workers, len(jobs))
    if workers > 1:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
            for counts in pool.map(fn, *zip(*jobs, strict=True)):
                done(counts)
    else:
        for job in jobs:
            done(fn(*job))


def _drop_repeats_across_batches(articles: Parts, segments: Parts, quarantine: Parts) -> None:
    """An article whose content already came in an earlier batch is kept once."""
    paths = articles.files()
    if not paths:
        return
    # only the ids are read: an id is repeated in every part after the first one holding it
    ids = pl.concat([pl.read_parquet(p, columns=["article_id"]).with_columns(pl.lit(i).alias("_p"))
                     for i, p in enumerate(paths)])
    repeats = ids.filter(pl.col("_p") > pl.col("_p").min().over("article_id"))
    for (i,), repeated in repeats.group_by("_p", maintain_order=True):
        name, frame = paths[int(i)].stem, pl.read_parquet(paths[int(i)])
        again = pl.col("article_id").is_in(repeated["article_id"].implode())
        PartWriter.rewrite(articles, name, frame.filter(~again))
        segs = segments.part(name)
        if segs is not None:
            PartWriter.rewrite(segments, name, segs.filter(~again))
        rows = frame.filter(again).select(
            pl.col("input").alias("where"), pl.lit("record").alias("what"),
            pl.format("duplicate content of an article of an earlier batch ({})",
                      "article_id").alias("why"), pl.lit("articles").alias("stage"))
        old = quarantine.part(name)
        PartWriter.rewrite(quarantine, name, pl.concat(
            [old, rows], how="diagonal_relaxed") if old is not None else rows)


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
    partitions_def=INGEST_BATCHES,
    backfill_policy=SINGLE_RUN,
)
def extract_mentions(context: AssetExecutionContext, settings: Settings, articles: Parts):  # type: ignore[no-untyped-def]
    """Entities, figures and dates from the body text of English articles, batch by batch;
    rows failing their schema or offsets go to quarantine, the rest are kept."""
    names = [*EXTRACTED, "extract_quarantine"]
    out = {name: settings.writer(name, context.partition_keys) for name in names}
    progress = Progress("extract", total=len(articles.files()), unit="batches",
                        enabled=settings.progress)

    def done(counts: dict[str, int]) -> None:
        progress.update()
        context.log.info(f"extracted {counts}")

    _run_parts(extract_part, _jobs(articles, out), settings.worker_count(), done)
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
    raw = staging_folder(settings.warehouse, dg.AssetKey("raw_articles"))
    staged = sorted({batch_of(f) for f in articles.files()} | set(articles.batches or ()))
    manifest = [entry for key in staged if (raw / f"{key}{MANIFEST}").exists()
                for entry in json.loads((raw / f"{key}{MANIFEST}").read_text())]
    for entry in manifest:
        entry.pop("path", None)
    if articles.rows == 0 and not any(m["skipped"] for m in manifest):
        raise dg.Failure("no valid article was read; see the ingest_quarantine asset for why")
    started = datetime.now(UTC)
    inputs = describe_inputs(
        pl.scan_parquet([str(f) for f in articles.files()]) if articles.files()
        else pl.DataFrame(schema={"input": pl.String, "content_sha256": pl.String}),
        manifest,
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

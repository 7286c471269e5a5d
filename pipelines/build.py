"""`newsfacts build`: materialise the asset graph through Dagster and report the new version."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import dagster as dg
import polars as pl

from pipelines.batches import register_batch
from pipelines.cli import SAMPLE_QUERY, emit, run_query
from pipelines.definitions import make_definitions
from pipelines.publish import build_lock
from pipelines.resources import DEFAULT_SOURCES, Settings
from pipelines.staging import Parts

SUMMARY_TABLES = ("articles", "entities", "figures", "dates", "quarantine")


def instance_for(warehouse: Path) -> dg.DagsterInstance:
    """The Dagster instance kept with the warehouse (the one `newsfacts ui` shows)."""
    home = warehouse / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").touch()
    return dg.DagsterInstance.from_config(str(home))


def _staged(warehouse: Path, name: str) -> pl.DataFrame:
    return Parts(warehouse / "staging" / name).read()


def build(warehouse: Path, sources: list[str], *, full_refresh: bool = False,
          fmt: str = "table", batch_size: int = 10_000, workers: int = 0,
          progress: bool = False) -> int:
    """Run one build; returns the process exit code (non-zero only if nothing valid was read)."""
    sources = [str(Path(s).resolve()) if Path(s).exists() else s for s in sources] or [
        DEFAULT_SOURCES]
    with build_lock(warehouse):
        shutil.rmtree(warehouse / "staging", ignore_errors=True)
        defs = make_definitions(Settings(
            warehouse=str(warehouse), sources=sources, full_refresh=full_refresh,
            batch_size=batch_size, workers=workers, progress=progress))
        job = defs.resolve_job_def("build")
        with instance_for(warehouse) as instance:
            batch = register_batch(instance, warehouse, sources)
            result = job.execute_in_process(
                instance=instance, raise_on_error=False, partition_key=batch,
                run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
            )
    ingest_q = _staged(warehouse, "ingest_quarantine")
    if not result.success:
        articles = _staged(warehouse, "articles")
        if articles.height == 0:
            print(f"newsfacts: no valid article was read from {', '.join(sources)}",
                  file=sys.stderr)
            for row in ingest_q.head(20).iter_rows(named=True):
                print(f"  {row['where']}: {row['why']}", file=sys.stderr)
            return 1
        for event in result.all_events:
            if event.is_failure:
                print(f"newsfacts: {event.message}", file=sys.stderr)
        print(f"newsfacts: build failed (run {result.run_id}); nothing was published",
              file=sys.stderr)
        return 1
    meta = result.asset_materializations_for_node("snapshot")[0].metadata
    version = meta["version"].value
    from pipelines.warehouse import versions

    info = next(v.info for v in versions(warehouse) if v.version == version)
    summary = {
        "warehouse": str(warehouse), "version": version, "changed": info["changed"],
        "run_id": result.run_id, "batch": batch,
        "added": {t: info["added"][t] for t in SUMMARY_TABLES},
        "totals": {t: info["counts"][t] for t in SUMMARY_TABLES},
    }
    if fmt == "json":
        print(json.dumps(summary))
        return 0
    print(f"Published version {version} to {warehouse}"
          + ("" if info["changed"] else " (nothing new: same inputs, no rows added)"))
    print(f"  {'table':<11}{'added':>8}{'total':>9}")
    for t in SUMMARY_TABLES:
        print(f"  {t:<11}{info['added'][t]:>8}{info['counts'][t]:>9}")
    if ingest_q.height:
        print(f"  quarantined inputs this build: {ingest_q.height}, e.g. "
              f"{ingest_q['where'][0]}: {ingest_q['why'][0]}")
    where = "" if warehouse == Path("warehouse").resolve() else f" --warehouse {warehouse}"
    print(f'\nSample query: newsfacts query "{SAMPLE_QUERY}"{where}')
    emit(*run_query(warehouse, SAMPLE_QUERY), "table")
    return 0

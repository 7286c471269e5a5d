"""The inbox sensor: new or changed files in $NEWSFACTS_INBOX register an ingest batch of that
folder and trigger a build of it.

Builds are incremental (files and articles already published are not added again), so a run
over the whole inbox adds only what is new. The cursor remembers each file's size and mtime.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg

from pipelines.batches import INGEST_BATCHES, record_batch
from pipelines.ingest.registry import discover
from pipelines.resources import Settings

INBOX_ENV = "NEWSFACTS_INBOX"


def _signature(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def inbox_request(inbox: str | None, cursor: str | None, warehouse: Path
                  ) -> tuple[dg.SensorResult | dg.SkipReason, str | None]:
    """What the sensor does for an inbox and cursor: (a new ingest batch and a run request
    for it, or a skip reason; the new cursor)."""
    if not inbox:
        return dg.SkipReason(f"set ${INBOX_ENV} to a folder to watch"), cursor
    if not Path(inbox).is_dir():
        return dg.SkipReason(f"inbox {inbox} is not a folder"), cursor
    seen: dict[str, str] = json.loads(cursor) if cursor else {}
    files, _, _ = discover([inbox])
    now = {str(f): _signature(f) for f in files}
    new = sorted(f for f, sig in now.items() if seen.get(f) != sig)
    if not new:
        return dg.SkipReason(f"no new files in {inbox}"), cursor
    batch = record_batch(warehouse, [inbox])
    request = dg.RunRequest(run_key=f"inbox-{batch}", partition_key=batch,
                            tags={"newsfacts/new_files": str(len(new))})
    result = dg.SensorResult(run_requests=[request], dynamic_partitions_requests=[
        INGEST_BATCHES.build_add_request([batch])])
    return result, json.dumps(now, sort_keys=True)


def make_inbox_sensor(job: dg.UnresolvedAssetJobDefinition) -> dg.SensorDefinition:
    """A sensor (stopped until switched on in the UI) that builds new inbox files."""

    @dg.sensor(job=job, minimum_interval_seconds=30,
               default_status=dg.DefaultSensorStatus.STOPPED,
               description=f"Builds new or changed files in ${INBOX_ENV}.")
    def inbox_sensor(context: dg.SensorEvaluationContext,
                     settings: Settings) -> dg.SensorResult | dg.SkipReason:
        result, cursor = inbox_request(os.environ.get(INBOX_ENV), context.cursor,
                                       settings.warehouse_dir())
        if cursor != context.cursor:
            context.update_cursor(cursor)
        return result

    return inbox_sensor

"""The inbox sensor asks for a build when files arrive, and only then."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipelines.batches import INGEST_BATCHES, batch_sources
from pipelines.build import instance_for
from pipelines.definitions import make_definitions
from pipelines.resources import Settings
from pipelines.sensors import inbox_request
from pipelines.warehouse import read_table
from tests.conftest import EXAMPLE


def _batch(result: dg.SensorResult | dg.SkipReason) -> str:
    assert isinstance(result, dg.SensorResult) and result.run_requests
    (request,) = result.run_requests
    (added,) = result.dynamic_partitions_requests or []
    assert isinstance(added, dg.AddDynamicPartitionsRequest)
    assert list(added.partition_keys) == [request.partition_key]
    return str(request.partition_key)


def test_inbox_request_sequence(tmp_path: Path) -> None:
    inbox, warehouse = tmp_path / "inbox", tmp_path / "wh"
    assert isinstance(inbox_request(None, None, warehouse)[0], dg.SkipReason)
    assert isinstance(inbox_request(str(inbox), None, warehouse)[0], dg.SkipReason)
    inbox.mkdir()
    skip, cursor = inbox_request(str(inbox), None, warehouse)
    assert isinstance(skip, dg.SkipReason) and cursor is None
    (inbox / EXAMPLE.name).write_bytes(EXAMPLE.read_bytes())
    result, cursor = inbox_request(str(inbox), None, warehouse)
    first = _batch(result)
    assert batch_sources(warehouse, first) == [str(inbox.resolve())]
    again, same = inbox_request(str(inbox), cursor, warehouse)
    assert isinstance(again, dg.SkipReason) and same == cursor
    (inbox / "more.jsonl").write_text('{"id": "m", "text": "Kyiv said on Monday it was ready."}\n')
    newer, _ = inbox_request(str(inbox), cursor, warehouse)
    assert _batch(newer) != first  # new files: a new ingest batch


def test_sensor_run_request_builds_the_inbox(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / EXAMPLE.name).write_bytes(EXAMPLE.read_bytes())
    warehouse = tmp_path / "wh"
    defs = make_definitions(Settings(warehouse=str(warehouse), sources=[str(tmp_path / "none")]))
    sensor = defs.resolve_sensor_def("inbox_sensor")
    os.environ["NEWSFACTS_INBOX"] = str(inbox)
    try:
        with instance_for(warehouse) as instance:
            ctx = dg.build_sensor_context(instance=instance, definitions=defs,
                                          resources={"settings": defs.resources["settings"]})
            batch = _batch(sensor(ctx))
            instance.add_dynamic_partitions(INGEST_BATCHES.name or "", [batch])
            result = defs.resolve_job_def("build").execute_in_process(
                instance=instance, partition_key=batch)
    finally:
        del os.environ["NEWSFACTS_INBOX"]
    assert result.success
    assert read_table(warehouse, "articles")["source_id"].to_list() == [EXAMPLE.stem]

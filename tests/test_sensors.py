"""The inbox sensor asks for a build when files arrive, and only then."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipelines.build import instance_for
from pipelines.definitions import make_definitions
from pipelines.resources import Settings
from pipelines.sensors import inbox_request
from pipelines.warehouse import read_table
from tests.conftest import EXAMPLE


def test_inbox_request_sequence(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    assert isinstance(inbox_request(None, None)[0], dg.SkipReason)
    assert isinstance(inbox_request(str(inbox), None)[0], dg.SkipReason)
    inbox.mkdir()
    skip, cursor = inbox_request(str(inbox), None)
    assert isinstance(skip, dg.SkipReason) and cursor is None
    (inbox / EXAMPLE.name).write_bytes(EXAMPLE.read_bytes())
    request, cursor = inbox_request(str(inbox), None)
    assert isinstance(request, dg.RunRequest)
    assert request.run_config["ops"]["raw_articles"]["config"]["sources"] == [str(inbox)]
    again, same = inbox_request(str(inbox), cursor)
    assert isinstance(again, dg.SkipReason) and same == cursor
    (inbox / "more.jsonl").write_text('{"id": "m", "text": "Kyiv said on Monday it was ready."}\n')
    newer, _ = inbox_request(str(inbox), cursor)
    assert isinstance(newer, dg.RunRequest) and newer.run_key != request.run_key


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
            ctx = dg.build_sensor_context(instance=instance, definitions=defs)
            request = sensor(ctx)
            assert isinstance(request, dg.RunRequest)
            result = defs.resolve_job_def("build").execute_in_process(
                instance=instance, run_config=request.run_config)
    finally:
        del os.environ["NEWSFACTS_INBOX"]
    assert result.success
    assert read_table(warehouse, "articles")["source_id"].to_list() == [EXAMPLE.stem]

"""DuckLake warehouse: atomic versions, time travel, idempotence, read-only queries, locking."""

from __future__ import annotations

import multiprocessing as mp
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from pipelines.cli import run_query
from pipelines.publish import build_lock, publish
from pipelines.warehouse import WarehouseError, read_table, versions
from schemas.tables import TABLES, empty


def tables(ids: list[str]) -> dict[str, pl.DataFrame]:
    articles = pl.DataFrame({
        "article_id": [f"{i:0>32}" for i in ids], "source_id": ids, "url": None, "source": "S",
        "title": "T", "published_at": [datetime(2024, 6, 27, 6, 30, tzinfo=UTC)] * len(ids),
        "language": "en", "text": [f"Kim met Putin {i}" for i in ids], "word_count": 4,
        "input": [f"in:{i}" for i in ids], "content_sha256": "x",
    })
    entities = pl.DataFrame({
        "article_id": [f"{i:0>32}" for i in ids], "start": 0, "end": 3, "text": "Kim",
        "type": "PERSON", "canonical_name": "Kim Jong Un", "entity_id": "wikidata:Q56226",
    })
    return {"articles": articles, "entities": entities, "segments": empty(TABLES["segments"]),
            "figures": empty(TABLES["figures"]), "dates": empty(TABLES["dates"]),
            "quarantine": pl.DataFrame({"where": ["bad.jsonl:2"], "what": ["record"],
                                        "why": ["malformed JSON"], "stage": ["ingest"]})}


def test_versions_time_travel_and_idempotence(warehouse: Path) -> None:
    first = publish(warehouse, tables(["a", "b"]), inputs=[])
    again = publish(warehouse, tables(["a", "b"]), inputs=[])
    more = publish(warehouse, tables(["a", "b", "c"]), inputs=[])
    assert first["changed"] and not again["changed"] and more["changed"]
    assert again["added"]["articles"] == 0 and again["added"]["entities"] == 0
    assert more["added"]["articles"] == 1
    assert read_table(warehouse, "articles").height == 3
    assert read_table(warehouse, "articles", version=first["version"]).height == 2
    assert read_table(warehouse, "quarantine").height == 1  # the same rejection is not repeated
    _, rows = run_query(warehouse, "select count(*) from entities", version=first["version"])
    assert rows == [(2,)]
    _, rows = run_query(warehouse, "select count(*) from entities")
    assert rows == [(3,)]
    assert [v.build_id for v in versions(warehouse)] == [1, 2, 3]
    assert set(read_table(warehouse, "entities")["build_id"]) == {1, 3}


def test_full_refresh_replaces(warehouse: Path) -> None:
    publish(warehouse, tables(["a", "b"]), inputs=[])
    publish(warehouse, tables(["c"]), inputs=[], full_refresh=True)
    assert read_table(warehouse, "articles")["source_id"].to_list() == ["c"]


@pytest.mark.parametrize(
    "sql",
    ["delete from entities", "insert into articles select * from articles",
     "create table x as select 1", "drop view entities", "attach 'x.db' as x",
     "update lake.articles set title = 'x'"],
)
def test_query_refuses_writes(warehouse: Path, sql: str) -> None:
    publish(warehouse, tables(["a"]), inputs=[])
    with pytest.raises(WarehouseError, match="read-only"):
        run_query(warehouse, sql)
    assert read_table(warehouse, "articles").height == 1


def test_query_errors_are_clear(warehouse: Path) -> None:
    with pytest.raises(WarehouseError, match="no warehouse"):
        run_query(warehouse, "select 1")
    publish(warehouse, tables(["a"]), inputs=[])
    with pytest.raises(WarehouseError, match="no version 999"):
        run_query(warehouse, "select 1", version=999)


def _hold_lock(path: str, ready: mp.synchronize.Event, done: mp.synchronize.Event) -> None:
    with build_lock(Path(path)):
        ready.set()
        done.wait(30)


def test_concurrent_build_fails_clearly(warehouse: Path) -> None:
    ctx = mp.get_context("spawn")
    ready, done = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(str(warehouse), ready, done))
    proc.start()
    try:
        assert ready.wait(30)
        with pytest.raises(WarehouseError, match="another build"):
            publish(warehouse, tables(["a"]), inputs=[])
    finally:
        done.set()
        proc.join(30)
    publish(warehouse, tables(["a"]), inputs=[])


def test_parquet_files_are_real(warehouse: Path) -> None:
    publish(warehouse, tables(["a", "b"]), inputs=[])
    files = list((warehouse / "data").rglob("*.parquet"))
    assert files
    assert any(pl.read_parquet(f).columns[:1] == ["article_id"] for f in files)

"""The whole graph through Dagster: builds, checks, bad inputs, idempotence, time travel."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import dagster as dg
import polars as pl

from pipelines.assets import _drop_repeats_across_batches
from pipelines.batches import INGEST_BATCHES, register_batch
from pipelines.build import build, instance_for
from pipelines.checks import ASSET_CHECKS
from pipelines.cli import run_query
from pipelines.definitions import ASSETS, defs, make_definitions
from pipelines.resources import Settings
from pipelines.staging import PartWriter
from pipelines.warehouse import read_table, versions
from tests.conftest import EXAMPLE


def test_definitions_load() -> None:
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"raw_articles", "articles", "segments", "entities", "figures", "dates",
            "quarantine", "snapshot"} <= keys
    checks = defs.resolve_asset_graph().asset_check_keys
    blocking = {c.name for c in checks if defs.resolve_asset_graph().get_check_spec(c).blocking}
    assert {"entities_offsets", "figures_offsets", "dates_offsets", "articles_unique_id",
            "articles_schema"} <= blocking


def test_materialize_records_runs_and_passes_checks(tmp_path: Path, example_dir: Path) -> None:
    warehouse = tmp_path / "wh"
    d = make_definitions(Settings(warehouse=str(warehouse), sources=[str(example_dir)]))
    with instance_for(warehouse) as instance:
        batch = register_batch(instance, warehouse, [str(example_dir)])
        result = dg.materialize(
            [*ASSETS, *ASSET_CHECKS], instance=instance, partition_key=batch,
            resources={k: d.resources[k] for k in ("settings", "io_manager")},
        )
        assert result.success
        evaluations = result.get_asset_check_evaluations()
        blocking = [e for e in evaluations if e.blocking]
        assert len(blocking) >= 10 and all(e.passed for e in blocking)
        assert instance.get_runs()  # recorded for the UI
    assert read_table(warehouse, "articles").height == 1


def _mixed_inputs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / EXAMPLE.name).write_bytes(EXAMPLE.read_bytes())
    good = {"id": "g1", "title": "Kyiv", "published": "2024-06-28T10:00:00+03:00",
            "text": "Ukraine said on Friday that Russia fired 40 missiles at Kyiv overnight."}
    lines = [json.dumps(good), "{broken", json.dumps({"id": "g2"})]
    (folder / "feed.jsonl").write_text("\n".join(lines) + "\n")
    (folder / "empty.txt").write_text("")
    (folder / "latin1.txt").write_bytes("Titel\n\nS\xe4tze".encode("latin-1"))
    (folder / "junk.jsonl.gz").write_bytes(b"not gzip at all")
    return folder


def test_bad_inputs_are_quarantined_and_the_build_goes_on(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh"
    folder = _mixed_inputs(tmp_path / "in")
    assert build(warehouse, [str(folder)]) == 0
    articles = read_table(warehouse, "articles")
    assert articles.height == 2
    g1 = articles.filter(pl.col("source_id") == "g1")
    assert str(g1["published_at"][0]) == "2024-06-28 07:00:00+00:00"
    q = read_table(warehouse, "quarantine")
    reasons = dict(zip(q["where"], q["why"], strict=True))
    assert "malformed JSON" in reasons["in/feed.jsonl:2"]
    assert "missing or empty 'text'" in reasons["in/feed.jsonl:3"]
    assert "empty" in reasons["in/empty.txt"]
    assert "not UTF-8" in reasons["in/latin1.txt"]
    assert "unreadable" in reasons["in/junk.jsonl.gz"]
    # idempotent: the same inputs again add nothing
    assert build(warehouse, [str(folder)]) == 0
    assert read_table(warehouse, "quarantine").height == q.height
    for table in ("articles", "entities", "figures", "dates"):
        frame = read_table(warehouse, table)
        assert frame.height == frame.drop("build_id").unique().height
    last = versions(warehouse)[-1]
    assert last.info["changed"] is False
    assert {i["file"] for i in last.info["inputs"] if i["skipped"]} >= {
        "in/feed.jsonl", f"in/{EXAMPLE.name}"}


def test_changed_input_file_is_read_again(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh"
    folder = tmp_path / "in"
    folder.mkdir()
    feed = folder / "feed.jsonl"
    feed.write_text(json.dumps({"id": "a", "text": "Kyiv said on Monday it was ready."}) + "\n")
    assert build(warehouse, [str(folder)]) == 0
    with feed.open("a") as fh:
        fh.write(json.dumps({"id": "b", "text": "Warsaw said on Tuesday it agreed."}) + "\n")
    assert build(warehouse, [str(folder)]) == 0
    assert sorted(read_table(warehouse, "articles")["source_id"]) == ["a", "b"]
    assert versions(warehouse)[-1].info["added"]["articles"] == 1


def test_no_valid_article_fails_clearly(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "a.jsonl.gz").write_bytes(gzip.compress(b"{oops\n"))
    assert build(tmp_path / "wh", [str(folder)]) == 1
    err = capsys.readouterr().err
    assert "no valid article" in err and "malformed JSON" in err


def test_time_travel_after_a_bigger_build(tmp_path: Path, example_dir: Path) -> None:
    warehouse = tmp_path / "wh"
    assert build(warehouse, [str(example_dir)]) == 0
    first = versions(warehouse)[-1].version
    _, before = run_query(warehouse, "select type, count(*) from entities group by 1 order by 1")
    folder = _mixed_inputs(tmp_path / "more")
    assert build(warehouse, [str(folder)]) == 0
    _, after_old = run_query(warehouse, "select type, count(*) from entities group by 1 "
                             "order by 1", version=first)
    _, articles = run_query(warehouse, "select count(*) from articles")
    _, articles_old = run_query(warehouse, "select count(*) from articles", version=first)
    assert after_old == before
    assert articles == [(2,)] and articles_old == [(1,)]


def _one_article_folder(folder: Path, ident: str, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / f"{ident}.jsonl").write_text(json.dumps(
        {"id": ident, "title": ident, "published": "2024-06-28T10:00:00Z", "text": text}) + "\n")
    return folder


def test_backfill_of_many_batches_is_one_run_and_one_version(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh"
    a = _one_article_folder(tmp_path / "a", "a1", "Kyiv said on Monday that 40 drones flew.")
    b = _one_article_folder(tmp_path / "b", "b1", "NATO met in Brussels on 3 July 2024.")
    defs_ = make_definitions(Settings(warehouse=str(warehouse)))
    with instance_for(warehouse) as instance:
        keys = [register_batch(instance, warehouse, [str(f)]) for f in (a, b)]
        assert instance.get_dynamic_partitions(INGEST_BATCHES.name or "") == keys
        result = defs_.resolve_job_def("build").execute_in_process(
            instance=instance, tags={"dagster/asset_partition_range_start": keys[0],
                                     "dagster/asset_partition_range_end": keys[1]})
        assert result.success
        staged = {p.name.split(".part-")[0]
                  for p in (warehouse / "staging" / "entities").glob("*.parquet")}
        assert staged == set(keys)
        materialized = instance.get_materialized_partitions(dg.AssetKey("articles"))
        assert materialized == set(keys)
        # one batch again on its own: the other batch's staged parts stay, nothing is added
        again = defs_.resolve_job_def("build").execute_in_process(
            instance=instance, partition_key=keys[0])
        assert again.success
    assert len(versions(warehouse)) == 2
    assert sorted(read_table(warehouse, "articles")["source_id"]) == ["a1", "b1"]
    assert versions(warehouse)[-1].info["changed"] is False


def test_repeats_across_batches_are_kept_once(tmp_path: Path) -> None:
    writers = {n: PartWriter(tmp_path / n, ["b1", "b2"]) for n in ("a", "s", "q")}
    for part, ids in (("b1.part-00000", ["x", "y"]), ("b2.part-00000", ["z", "y", "x"])):
        writers["a"].write(part, pl.DataFrame({"article_id": ids, "input": [f"{part}:{i}"
                                                                           for i in ids]}))
        writers["s"].write(part, pl.DataFrame({"article_id": ids * 2}))
    a, s, q = (w.parts for w in writers.values())
    _drop_repeats_across_batches(a, s, q)
    assert a.read()["article_id"].to_list() == ["x", "y", "z"]
    assert s.read()["article_id"].to_list() == ["x", "y", "x", "y", "z", "z"]
    assert q.read()["where"].to_list() == ["b2.part-00000:y", "b2.part-00000:x"]

"""`newsfacts versions` and `newsfacts diff`: what each version holds, what changed, by key."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from pipelines.cli import main
from pipelines.diff import change_rows, describe_inputs, diff, version_rows
from pipelines.ingest.registry import file_manifest
from pipelines.publish import publish
from pipelines.warehouse import WarehouseError, open_lake
from schemas.tables import TABLES, empty


def tables(ids: list[str], *, title: dict[str, str] | None = None,
           quarantine: list[str] = ("bad.jsonl:2",)) -> dict[str, pl.DataFrame]:  # type: ignore[assignment]
    title = title or {}
    aid = [f"{i:0>32}" for i in ids]
    articles = pl.DataFrame({
        "article_id": aid, "source_id": ids, "url": None, "source": "S",
        "title": [title.get(i, "T") for i in ids],
        "published_at": [datetime(2024, 6, 27, 6, 30, tzinfo=UTC)] * len(ids),
        "language": "en", "text": [f"Kim met Putin {i}" for i in ids], "word_count": 4,
        "input": [f"feed.jsonl:{ord(i)}" for i in ids],
        "content_sha256": [hashlib.sha256(i.encode()).hexdigest() for i in ids],
    })
    if "dup_cluster" in TABLES["articles"].to_schema().columns:  # no duplicates here
        articles = articles.with_columns(pl.col("article_id").alias("dup_cluster"))
    n = len(ids)
    entities = pl.DataFrame({
        "article_id": aid * 2, "start": [0] * n + [8] * n, "end": [3] * n + [13] * n,
        "text": ["Kim"] * n + ["Putin"] * n, "type": "PERSON",
        "canonical_name": ["Kim Jong Un"] * n + ["Vladimir Putin"] * n,
        "entity_id": ["wikidata:Q56226"] * n + ["wikidata:Q7747"] * n,
    })
    return {"articles": articles, "entities": entities, "segments": empty(TABLES["segments"]),
            "figures": empty(TABLES["figures"]), "dates": empty(TABLES["dates"]),
            "quarantine": pl.DataFrame({"where": list(quarantine), "what": "record",
                                        "why": "malformed JSON", "stage": "ingest"})}


INPUTS = [{"file": "feed.jsonl", "articles": 3, "sha256": "ab" * 32, "bytes": 10}]


@pytest.fixture
def three(warehouse: Path) -> tuple[Path, list[int]]:
    """v1: a, b; v2: + c (incremental); v3: full refresh to a (new title), c, d."""
    v1 = publish(warehouse, tables(["a", "b"]), inputs=INPUTS)["version"]
    v2 = publish(warehouse, tables(["a", "b", "c"]), inputs=INPUTS)["version"]
    v3 = publish(warehouse, tables(["a", "c", "d"], title={"a": "New title"},
                                   quarantine=["bad.jsonl:2", "x.txt"]),
                 inputs=INPUTS, full_refresh=True)["version"]
    return warehouse, [v1, v2, v3]


def test_diff_by_key(three: tuple[Path, list[int]]) -> None:
    warehouse, (v1, v2, v3) = three
    d = {t.table: t for t in diff(warehouse, v1, v2)}
    assert (d["articles"].added.height, d["articles"].removed.height,
            d["articles"].changed.height) == (1, 0, 0)
    assert d["entities"].added.height == 2 and d["entities"].unchanged == 4
    # quarantine: the same rejection re-published is not a change (build_id ignored)
    assert (d["quarantine"].added.height, d["quarantine"].removed.height,
            d["quarantine"].changed.height) == (0, 0, 0)
    d = {t.table: t for t in diff(warehouse, v2, v3)}
    arts = d["articles"]
    assert arts.added["source_id"].to_list() == ["d"]
    assert arts.removed["source_id"].to_list() == ["b"]
    assert arts.changed["source_id"].to_list() == ["a"]
    assert arts.changed["changed_columns"].to_list() == ["title"]
    assert arts.changed["title__b"].to_list() == ["New title"]
    assert arts.unchanged == 1  # c
    assert d["entities"].removed.height == 2 and d["entities"].added.height == 2
    assert d["quarantine"].added["where"].to_list() == ["x.txt"]
    # no change from a version to itself
    assert all(t.added.height == t.removed.height == t.changed.height == 0
               for t in diff(warehouse, v3, v3))


def test_diff_rows_and_cli(three: tuple[Path, list[int]], capsys: pytest.CaptureFixture[str]
                           ) -> None:
    warehouse, (_, v2, v3) = three
    cols, rows = change_rows(diff(warehouse, v2, v3, ["articles"]))
    kinds = sorted((r[1], r[2]) for r in rows)
    assert kinds[0][0] == "added" and "article_id=" in kinds[0][1]
    changed = next(r for r in rows if r[1] == "changed")
    assert json.loads(changed[cols.index("old")]) == {"title": "T"}
    assert json.loads(changed[cols.index("new")]) == {"title": "New title"}

    assert main(["diff", str(v2), str(v3), "--warehouse", str(warehouse), "--format",
                 "json"]) == 0
    summary = {r["table"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(summary) == set(TABLES)
    assert summary["articles"] == {"table": "articles", "rows_a": 3, "rows_b": 3, "added": 1,
                                   "removed": 1, "changed": 1, "unchanged": 1}
    assert main(["diff", str(v2), str(v3), "--table", "entities", "--rows", "--format", "csv",
                 "--warehouse", str(warehouse)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "table,change,key,changed_columns,old,new" and len(lines) == 5
    assert main(["diff", str(v2), "999", "--warehouse", str(warehouse)]) == 2
    assert "no version 999" in capsys.readouterr().err


def test_diff_in_sql_as_documented(three: tuple[Path, list[int]]) -> None:
    """The README's SQL: `at (version => …)` with except, and DuckLake's table_changes."""
    warehouse, (_, v2, v3) = three
    with open_lake(warehouse) as con:
        added = con.execute(
            f"select source_id from lake.articles at (version => {v3}) where article_id not in "
            f"(select article_id from lake.articles at (version => {v2}))").fetchall()
        assert added == [("d",)]
        changes = con.execute(
            f"select change_type, source_id from lake.table_changes('articles', {v2 + 1}, {v3}) "
            "order by all").fetchall()
    assert ("insert", "d") in changes and ("delete", "b") in changes


def test_versions_show_inputs_hashes_code_and_counts(
        three: tuple[Path, list[int]], capsys: pytest.CaptureFixture[str]) -> None:
    warehouse, vs = three
    cols, rows = version_rows(warehouse)
    assert [r[0] for r in rows] == vs
    row = dict(zip(cols, rows[0], strict=True))
    assert row["changed"] == "yes" and row["code"]
    assert "feed.jsonl (3 articles, sha256:abababababab)" in row["inputs"]
    assert "articles=2" in row["rows"] and "articles=+2" in row["added"]
    again = publish(warehouse, tables(["a", "c", "d"], title={"a": "New title"},
                                      quarantine=["bad.jsonl:2", "x.txt"]), inputs=INPUTS)
    assert main(["versions", "--format", "json", "--warehouse", str(warehouse)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[-1]["version"] == again["version"] and out[-1]["changed"] == "no (nothing new)"
    assert out[-1]["inputs"] == out[-2]["inputs"]


def test_describe_inputs_hashes_files(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "feed.jsonl").write_text("{}\n")
    (folder / "old.jsonl").write_text("[]\n")
    known = {hashlib.sha256(b"[]\n").hexdigest()}
    manifest = file_manifest(sorted(folder.iterdir()), root=tmp_path, known=known)
    frame = tables(["a", "b"])["articles"].with_columns(
        pl.format("in/feed.jsonl:{}", pl.int_range(pl.len())).alias("input"))
    entry, old = describe_inputs(frame, manifest)
    assert entry["file"] == "in/feed.jsonl" and entry["articles"] == 2
    assert entry["sha256"] == hashlib.sha256(b"{}\n").hexdigest() and entry["bytes"] == 3
    assert len(entry["records_sha256"]) == 64 and not entry["skipped"]
    assert old["file"] == "in/old.jsonl" and old["skipped"] and old["articles"] == 0


def test_unknown_table_is_refused(three: tuple[Path, list[int]]) -> None:
    warehouse, (v1, v2, _) = three
    with pytest.raises(WarehouseError, match="no table"):
        diff(warehouse, v1, v2, ["nope"])


def test_gc_keeps_the_last_versions_and_deletes_unreferenced_files(
        warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pipelines.cli import run_query
    from pipelines.housekeeping import gc

    v1 = publish(warehouse, tables(["a", "b"]), inputs=INPUTS)["version"]
    v2 = publish(warehouse, tables(["a", "b", "c"]), inputs=INPUTS)["version"]
    v3 = publish(warehouse, tables(["d"]), inputs=INPUTS, full_refresh=True)["version"]
    v4 = publish(warehouse, tables(["d", "e"]), inputs=INPUTS)["version"]
    before = set((warehouse / "data").rglob("*.parquet"))
    dry = gc(warehouse, 2, dry_run=True)
    assert dry.expired == [v1, v2] and set((warehouse / "data").rglob("*.parquet")) == before

    assert main(["gc", "--keep", "2", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert f"kept versions {v3}, {v4}; expired {v1}, {v2}; deleted" in out
    after = set((warehouse / "data").rglob("*.parquet"))
    assert after < before  # the files only old versions used are gone
    assert [r[0] for r in version_rows(warehouse)[1]] == [v3, v4]
    assert run_query(warehouse, "select count(*) from articles", version=v3)[1] == [(1,)]
    assert run_query(warehouse, "select count(*) from articles")[1] == [(2,)]
    with pytest.raises(WarehouseError, match=f"no version {v1}"):
        run_query(warehouse, "select 1", version=v1)
    with pytest.raises(WarehouseError, match="expired by `newsfacts gc`"):
        diff(warehouse, v2, v4)
    assert main(["query", "select 1", "--version", str(v2), "--warehouse", str(warehouse)]) == 2
    assert f"no version {v2}" in capsys.readouterr().err
    # everything still published is readable from the remaining files
    for v in (v3, v4):
        for t in TABLES:
            run_query(warehouse, f"select * from {t}", version=v)
    # and building goes on
    v5 = publish(warehouse, tables(["d", "e", "f"]), inputs=INPUTS)["version"]
    assert run_query(warehouse, "select count(*) from articles", version=v5)[1] == [(3,)]
    with pytest.raises(WarehouseError, match="at least 1"):
        gc(warehouse, 0)

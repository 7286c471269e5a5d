"""Release bundles: `newsfacts export` of the default dataset reads without newsfacts (DuckDB,
polars, pyarrow/pandas), documents itself (datapackage.json, card, charts), and `newsfacts
verify` catches any change."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import xml.dom.minidom
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from pipelines.build import build
from pipelines.cli import main
from pipelines.publish import publish
from pipelines.release import export, table_schema, verify
from pipelines.warehouse import BUILDS, WarehouseError, read_table, versions
from schemas.tables import TABLES
from tests.conftest import SEEDS

_CACHE: dict[str, Path] = {}


def seeds_warehouse(factory: pytest.TempPathFactory) -> Path:
    """The default dataset (seeds/articles) built once per session by the real pipeline."""
    if "seeds" not in _CACHE:
        wh = factory.mktemp("seeds") / "wh"
        assert build(wh, [str(SEEDS)]) == 0, "the default dataset must build"
        _CACHE["seeds"] = wh
    return _CACHE["seeds"]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wh = seeds_warehouse(tmp_path_factory)
    return export(wh, tmp_path_factory.mktemp("release") / "bundle")


def test_bundle_reads_without_newsfacts(bundle: Path) -> None:
    """A fresh interpreter with only duckdb/polars/pyarrow (no project on the path)."""
    code = """
import duckdb, polars as pl, pyarrow.parquet as pq, sys
n = duckdb.sql("select count(*) from read_parquet('entities.parquet')").fetchone()[0]
j = duckdb.sql("select count(*) from read_parquet('entities.parquet') e join "
               "read_parquet('builds.parquet') b using (build_id) where b.code_version is not null"
               ).fetchone()[0]
assert n == j > 0, (n, j)
a = pl.read_parquet('articles.parquet')
assert a['article_id'].is_unique().all()
t = pq.read_table('figures.parquet')
assert 'kind' in t.column_names
try:
    import pandas as pd
    assert len(pd.read_parquet('dates.parquet')) > 0
except ImportError:
    pass
print('ok')
"""
    out = subprocess.run([sys.executable, "-I", "-c", code], cwd=bundle, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_pandas_reads_the_bundle(bundle: Path) -> None:
    pd = pytest.importorskip("pandas", reason="pandas is not in the project's lock file")
    assert len(pd.read_parquet(bundle / "articles.parquet")) > 0


def test_bundle_matches_the_warehouse_and_is_sorted(bundle: Path,
                                                    tmp_path_factory: pytest.TempPathFactory
                                                    ) -> None:
    wh = seeds_warehouse(tmp_path_factory)
    for table in (*TABLES, BUILDS):
        released = pl.read_parquet(bundle / f"{table}.parquet")
        assert released.height == read_table(wh, table).height
        assert released.columns == [f["name"] for f in table_schema(table)["fields"]]
    articles = pl.read_parquet(bundle / "articles.parquet")
    assert articles["article_id"].to_list() == sorted(articles["article_id"].to_list())
    assert articles["published_at"].dtype == pl.Datetime("us", "UTC")
    entities = pl.read_parquet(bundle / "entities.parquet")
    assert entities.select("article_id", "start").rows() == sorted(
        entities.select("article_id", "start").rows())
    assert pq.ParquetFile(bundle / "entities.parquet").metadata.row_group(0).column(0)\
        .compression == "ZSTD"


def test_datapackage_from_the_models(bundle: Path) -> None:
    package = json.loads((bundle / "datapackage.json").read_text())
    assert {lic["name"] for lic in package["licenses"]} >= {"Apache-2.0"}
    assert any("publishers" in lic["title"] for lic in package["licenses"])
    assert package["sources"] and package["sources"][0]["title"].startswith("articles/")
    res = {r["name"]: r for r in package["resources"]}
    assert set(res) == {*TABLES, BUILDS}
    for r in res.values():
        path = bundle / r["path"]
        assert r["format"] == "parquet" and r["bytes"] == path.stat().st_size
        assert r["hash"] == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    fields = {f["name"]: f for f in res["entities"]["schema"]["fields"]}
    assert fields["type"]["constraints"]["enum"] == ["PERSON", "ORG", "PLACE", "MISC"]
    assert fields["start"]["constraints"] == {"required": True, "minimum": 0}
    assert fields["start"]["type"] == "integer" and fields["text"]["type"] == "string"
    assert "articles.text[start:end]" in fields["text"]["description"]
    assert "code version" in fields["build_id"]["description"]
    art = {f["name"]: f for f in res["articles"]["schema"]["fields"]}
    assert art["published_at"]["type"] == "datetime"
    assert art["published_at"]["constraints"]["required"] is False
    assert art["article_id"]["constraints"]["unique"] is True
    assert res["articles"]["schema"]["primaryKey"] == ["article_id"]
    assert {"fields": ["build_id"], "reference": {"resource": "builds", "fields": ["build_id"]}
            } in res["figures"]["schema"]["foreignKeys"]
    assert res["builds"]["rows"] == 1


def test_card_and_charts(bundle: Path) -> None:
    card = (bundle / "README.md").read_text()
    for table, model in TABLES.items():
        assert f"`{table}`" in card
        for column in model.to_schema().columns:
            assert f"`{column}`" in card
    assert "build_id" in card and "code_version" in card and "Known limits" in card
    assert "Articles published from **" in card and "Top entities" in card
    assert "© their publishers" in card
    for chart in ("charts/articles_per_month.svg", "charts/top_entities.svg"):
        assert f"]({chart})" in card
        doc = xml.dom.minidom.parse(str(bundle / chart))
        assert len(doc.getElementsByTagName("rect")) > 5
    sums = (bundle / "SHA256SUMS").read_text().splitlines()
    assert {line.split("  ", 1)[1] for line in sums} >= {"README.md", "datapackage.json",
                                                       "articles.parquet",
                                                       "charts/top_entities.svg"}
    if shutil.which("sha256sum"):
        check = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=bundle,
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr


def test_verify_ok_and_cli(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert verify(bundle) == []
    assert main(["verify", str(bundle)]) == 0
    assert "OK" in capsys.readouterr().out


def _copy(bundle: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(bundle, target)
    return target


def test_verify_catches_a_changed_file(bundle: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    b = _copy(bundle, tmp_path)
    data = bytearray((b / "quarantine.parquet").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (b / "quarantine.parquet").write_bytes(bytes(data))
    problems = verify(b)
    assert any("quarantine.parquet: checksum mismatch" in p for p in problems)
    assert main(["verify", str(b)]) == 1
    err = capsys.readouterr().err
    assert "does NOT verify" in err and "quarantine.parquet" in err


def test_verify_catches_a_schema_mismatch_even_with_fixed_checksums(
        bundle: Path, tmp_path: Path) -> None:
    b = _copy(bundle, tmp_path)
    frame = pl.read_parquet(b / "entities.parquet")
    frame = frame.with_columns(pl.lit("ALIEN").alias("type"), pl.col("start").cast(pl.String))
    frame.write_parquet(b / "entities.parquet", compression="zstd")
    # a careless re-packager updates checksums and hashes but not the schema
    package = json.loads((b / "datapackage.json").read_text())
    for r in package["resources"]:
        if r["name"] == "entities":
            r["hash"] = "sha256:" + hashlib.sha256((b / r["path"]).read_bytes()).hexdigest()
            r["bytes"] = (b / r["path"]).stat().st_size
    (b / "datapackage.json").write_text(json.dumps(package))
    files = sorted(p.relative_to(b).as_posix() for p in b.rglob("*")
                   if p.is_file() and p.name != "SHA256SUMS")
    (b / "SHA256SUMS").write_text("".join(
        f"{hashlib.sha256((b / f).read_bytes()).hexdigest()}  {f}\n" for f in files))
    problems = verify(b)
    assert any("entities.start: Parquet type" in p and "is not integer" in p for p in problems)
    # and values outside the enum are reported once the type is right again
    frame.with_columns(pl.col("start").cast(pl.Int64)).write_parquet(b / "entities.parquet")
    problems = verify(b)
    assert any("entities.type: values ['ALIEN']" in p for p in problems)


def test_verify_catches_missing_and_extra_files(bundle: Path, tmp_path: Path) -> None:
    b = _copy(bundle, tmp_path)
    (b / "dates.parquet").unlink()
    (b / "notes.txt").write_text("hi")
    problems = verify(b)
    assert any("dates.parquet: listed in SHA256SUMS but missing" in p for p in problems)
    assert any("notes.txt: not listed" in p for p in problems)
    assert any("dates: file dates.parquet is missing" in p for p in problems)
    assert verify(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'} is not a directory"]


def test_export_an_older_version_and_refuse_a_used_path(warehouse: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    from tests.test_diff import tables

    first = publish(warehouse, tables(["a", "b"]), inputs=[])["version"]
    publish(warehouse, tables(["a", "b", "c"]), inputs=[])
    out = export(warehouse, tmp_path / "v1", version=first)
    assert pl.read_parquet(out / "articles.parquet").height == 2
    assert pl.read_parquet(out / "builds.parquet").height == 1
    assert verify(out) == []
    with pytest.raises(WarehouseError, match="not an empty directory"):
        export(warehouse, out)
    with pytest.raises(WarehouseError, match="no version 999"):
        export(warehouse, tmp_path / "x", version=999)
    assert main(["export", "--to", str(tmp_path / "latest"), "--warehouse",
                 str(warehouse)]) == 0
    assert "newsfacts verify" in capsys.readouterr().out
    assert pl.read_parquet(tmp_path / "latest" / "articles.parquet").height == 3
    # the same version exported twice gives byte-identical files
    again = export(warehouse, tmp_path / "v1-again", version=first)
    assert (again / "SHA256SUMS").read_text() == (out / "SHA256SUMS").read_text()
    assert len(versions(warehouse)) == 2


def test_duckdb_reads_with_types(bundle: Path) -> None:
    con = duckdb.connect()
    types = dict(con.execute(
        f"select column_name, column_type from (describe select * from "
        f"read_parquet('{bundle / 'dates.parquet'}'))").fetchall())
    assert types["start"] == "BIGINT" and types["start_date"] == "DATE"

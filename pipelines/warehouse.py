"""The one place that knows how to open the warehouse: a DuckLake catalog in SQLite with its
Parquet data files beside it.

Layout of a warehouse directory:
    catalog.sqlite   DuckLake metadata (snapshots = published versions)
    data/            Parquet data files written by DuckLake (inlining off)
    dagster/         the Dagster instance (run history shown by `newsfacts ui`)
    staging/         per-run intermediate Parquet of the Dagster assets

Every build publishes in one transaction, so a reader sees the previous version or the new
one, never a mix; a SQLite catalog lets readers query while a build writes.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from schemas.tables import TABLES, polars_schema

ENV_VAR = "NEWSFACTS_WAREHOUSE"
DEFAULT = Path("warehouse")
CATALOG = "catalog.sqlite"
LAKE = "lake"
BUILDS = "builds"

_DUCK_TYPES = {
    pl.String: "varchar", pl.Int64: "bigint", pl.Float64: "double", pl.Date: "date",
    pl.Boolean: "boolean",
}


class WarehouseError(RuntimeError):
    """A warehouse operation that cannot go on, with a message for the user."""


def resolve(path: str | os.PathLike[str] | None = None) -> Path:
    """The warehouse directory: the argument, else $NEWSFACTS_WAREHOUSE, else ./warehouse."""
    return Path(path or os.environ.get(ENV_VAR) or DEFAULT).expanduser().resolve()


def _extension(module: str, name: str) -> str | None:
    """Path of a DuckDB extension shipped as a PyPI wheel (duckdb-extension-*), if installed."""
    try:
        mod = __import__(module)
    except ImportError:
        return None
    base = os.path.dirname(mod.__file__ or "")
    hits = glob.glob(os.path.join(base, "extensions", "*", f"{name}.duckdb_extension"))
    return hits[0] if hits else None


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the ducklake and sqlite extensions loaded (wheel, else INSTALL)."""
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    for module, name in (("duckdb_extension_sqlite_scanner", "sqlite_scanner"),
                         ("duckdb_extension_ducklake", "ducklake")):
        path = _extension(module, name)
        if path:
            con.execute(f"load '{path}'")
        else:  # fall back to DuckDB's own extension repository
            con.execute(f"install {name}")
            con.execute(f"load {name}")
    return con


def _ddl(table: str) -> str:
    model = TABLES[table]
    cols = ", ".join(
        f'"{c}" {_duck_type(t)}' for c, t in polars_schema(model).items()
    )
    return f"create table if not exists {LAKE}.{table} ({cols}, build_id bigint)"


def _duck_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Datetime):
        return "timestamptz"
    return _DUCK_TYPES[dtype.base_type()]


@contextmanager
def open_lake(
    warehouse: Path, *, read_only: bool = True, create: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection with the warehouse attached as `lake` (read-only unless asked)."""
    catalog = warehouse / CATALOG
    if not catalog.exists() and not create:
        raise WarehouseError(
            f"no warehouse at {warehouse} (no {CATALOG}); run `newsfacts build` first"
        )
    if create:
        (warehouse / "data").mkdir(parents=True, exist_ok=True)
    con = connect()
    try:
        opts = "READ_ONLY" if read_only else (
            f"DATA_PATH '{warehouse / 'data'}', DATA_INLINING_ROW_LIMIT 0"
        )
        con.execute(f"attach 'ducklake:sqlite:{catalog}' as {LAKE} ({opts})")
        if not read_only:
            con.execute("set timezone = 'UTC'")
            for table in TABLES:
                con.execute(_ddl(table))
            con.execute(
                f"create table if not exists {LAKE}.{BUILDS} (build_id bigint, started_at "
                "timestamptz, finished_at timestamptz, inputs varchar, code_version varchar, "
                "counts varchar, added varchar, changed boolean, dagster_run_id varchar)"
            )
        yield con
    finally:
        con.close()


@dataclass(frozen=True)
class Version:
    """A published version: a DuckLake snapshot made by a build."""

    version: int
    time: datetime
    build_id: int
    info: dict[str, Any]


def versions(warehouse: Path) -> list[Version]:
    """Published versions, oldest first."""
    with open_lake(warehouse) as con:
        rows = con.execute(
            f"select snapshot_id, snapshot_time, commit_message, commit_extra_info "
            f"from {LAKE}.snapshots() where commit_message like 'build %' order by snapshot_id"
        ).fetchall()
    return [
        Version(int(sid), t, int(msg.split()[1]), json.loads(extra or "{}"))
        for sid, t, msg, extra in rows
    ]


def latest_version(warehouse: Path) -> int:
    """The newest published version; raises WarehouseError when nothing is published."""
    found = versions(warehouse)
    if not found:
        raise WarehouseError(f"nothing published yet in {warehouse}; run `newsfacts build`")
    return found[-1].version


def read_table(warehouse: Path, table: str, *, version: int | None = None) -> pl.DataFrame:
    """One published table as a polars frame (latest version unless given)."""
    with open_lake(warehouse) as con:
        at = f" at (version => {int(version)})" if version is not None else ""
        return con.execute(f"select * from {LAKE}.{table}{at}").pl()


def known_article_ids(warehouse: Path) -> set[str]:
    """Article ids already published (empty for a new warehouse)."""
    if not (warehouse / CATALOG).exists():
        return set()
    with open_lake(warehouse) as con:
        try:
            rows = con.execute(f"select article_id from {LAKE}.articles").fetchall()
        except duckdb.CatalogException:
            return set()
    return {r[0] for r in rows}

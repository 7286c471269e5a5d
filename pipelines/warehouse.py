"""The one place that knows how to open the warehouse: a DuckLake catalog in SQLite with its
Parquet data files beside it.

Layout of a warehouse directory:
    catalog.sqlite   DuckLake metadata (snapshots = published versions)
    data/            Parquet data files written by DuckLake (inlining off)
    dagster/         the Dagster instance (run history shown by `newsfacts ui`)
    staging/         per-run intermediate Parquet of the Dagster assets

Every build publishes in one transaction, so a reader sees the previous version or the new
one, never a mix; a SQLite catalog lets readers query while a build writes.

Past one machine the catalog can be PostgreSQL instead ($NEWSFACTS_CATALOG or `--catalog`
`postgres:<libpq conninfo>`): several workers, each with its own warehouse directory for staging
and run history, publish to one catalog; data files go to the data/ directory of the warehouse
that created the catalog (DuckLake pins it), which must be a path every worker sees (a shared
filesystem). Concurrent publishes rely on DuckLake's optimistic concurrency (see
`pipelines.publish`).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import polars as pl

from schemas.tables import TABLES, polars_schema

ENV_VAR = "NEWSFACTS_WAREHOUSE"
CATALOG_ENV = "NEWSFACTS_CATALOG"
DEFAULT = Path("warehouse")
CATALOG = "catalog.sqlite"
LAKE = "lake"
BUILDS = "builds"
T = TypeVar("T")
HEAD = "publish_head"  # shared catalogs only: one row, rewritten by every publish (see publish)

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


def shared_catalog() -> str | None:
    """The PostgreSQL catalog to use (`postgres:<conninfo>` from $NEWSFACTS_CATALOG), or None
    for the default SQLite catalog inside the warehouse directory."""
    spec = os.environ.get(CATALOG_ENV, "").strip()
    if not spec or spec == "sqlite":
        return None
    if not spec.startswith("postgres:"):
        raise WarehouseError(f"${CATALOG_ENV} / --catalog: expected 'postgres:<conninfo>' "
                             "(e.g. 'postgres:dbname=lake host=db.internal') or 'sqlite'")
    return spec


def connect(*, postgres: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the ducklake and sqlite (or postgres) extensions loaded (wheel,
    else INSTALL)."""
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    scanner = ("duckdb_extension_postgres_scanner", "postgres_scanner") if postgres else \
        ("duckdb_extension_sqlite_scanner", "sqlite_scanner")
    for module, name in (scanner, ("duckdb_extension_ducklake", "ducklake")):
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
    """A connection with the warehouse attached as `lake` (read-only unless asked); the catalog
    is the warehouse's SQLite file, or the PostgreSQL one of $NEWSFACTS_CATALOG."""
    shared = shared_catalog()
    catalog = warehouse / CATALOG
    if shared is None and not catalog.exists() and not create:
        raise WarehouseError(
            f"no warehouse at {warehouse} (no {CATALOG}); run `newsfacts build` first"
        )
    if create:
        (warehouse / "data").mkdir(parents=True, exist_ok=True)
    con = connect(postgres=shared is not None)
    try:
        uri = f"ducklake:{shared or f'sqlite:{catalog}'}"
        write = f"DATA_PATH '{warehouse / 'data'}', DATA_INLINING_ROW_LIMIT 0"
        try:
            con.execute(f"attach '{uri}' as {LAKE} ({'READ_ONLY' if read_only else write})")
        except duckdb.Error as err:
            if shared is None:
                raise
            if read_only or "does not match existing data path" not in str(err):
                raise WarehouseError(f"cannot open the PostgreSQL catalog of ${CATALOG_ENV} "
                                     f"(run `newsfacts build` first?): {err}") from None
            # an existing shared catalog keeps the data path it was created with
            con.execute(f"attach '{uri}' as {LAKE} (DATA_INLINING_ROW_LIMIT 0)")
        if not read_only:
            con.execute("set timezone = 'UTC'")
            if shared is None:
                _create_tables(con)
            else:  # several workers may create at once: one transaction, retried on conflict
                con.execute("set ducklake_max_retry_count = 100")
                retry_conflicts(con, lambda: _create_tables(con, head=True))
        yield con
    finally:
        con.close()


def _create_tables(con: duckdb.DuckDBPyConnection, *, head: bool = False) -> None:
    for table in TABLES:
        con.execute(_ddl(table))
    con.execute(
        f"create table if not exists {LAKE}.{BUILDS} (build_id bigint, started_at "
        "timestamptz, finished_at timestamptz, inputs varchar, code_version varchar, "
        "counts varchar, added varchar, changed boolean, dagster_run_id varchar)"
    )
    if head:
        con.execute(f"create table if not exists {LAKE}.{HEAD} (build_id bigint)")
        con.execute(f"insert into {LAKE}.{HEAD} select coalesce(max(build_id), 0) from "
                    f"{LAKE}.{BUILDS} where not exists (select 1 from {LAKE}.{HEAD})")


def is_conflict(err: BaseException) -> bool:
    """A DuckLake commit that lost to a concurrent one with conflicting changes."""
    return isinstance(err, duckdb.Error) and "conflict" in str(err).lower()


def retry_conflicts(con: duckdb.DuckDBPyConnection, work: Callable[[], T], *,
                    attempts: int = 20, wait: float = 0.1) -> T:
    """Run `work` in a transaction on `con`, committing it; when the commit conflicts with a
    concurrent one, roll back and run it again (from a fresh snapshot), up to `attempts`."""
    for attempt in range(1, attempts + 1):
        con.execute("begin transaction")
        try:
            result = work()
            con.execute("commit")
            return result
        except BaseException as err:
            with contextlib.suppress(duckdb.Error):
                con.execute("rollback")
            if not is_conflict(err) or attempt == attempts:
                raise
        time.sleep(wait * attempt * (0.5 + random.random()))
    raise AssertionError("unreachable")


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


def known_input_hashes(warehouse: Path) -> set[str]:
    """SHA-256 of every input file an earlier build recorded, in the warehouse's catalog or
    the shared one (empty for a new warehouse)."""
    if shared_catalog() is None and not (warehouse / CATALOG).exists():
        return set()
    try:
        with open_lake(warehouse) as con:
            rows = con.execute(f"select inputs from {LAKE}.{BUILDS}").fetchall()
    except (duckdb.CatalogException, WarehouseError):  # no catalog or no builds table yet
        return set()
    return {i["sha256"] for (cell,) in rows for i in json.loads(cell or "[]") if i.get("sha256")}

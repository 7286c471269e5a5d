"""Publish a build's tables to the warehouse as one new DuckLake version, atomically."""

from __future__ import annotations

import fcntl
import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as pkg_version
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.housekeeping import pause_in_publish
from pipelines.staging import Parts
from pipelines.warehouse import (
    BUILDS,
    HEAD,
    LAKE,
    WarehouseError,
    open_lake,
    retry_conflicts,
    shared_catalog,
)
from schemas.tables import EXTRACTED, TABLES, conform, polars_schema


@cache
def code_version() -> str:
    """The newsfacts version plus a digest of the code and seeds that produce the rows
    ("0.1.0+3f2a9c1b7d0e"), recorded with every build: an extractor or gazetteer change shows
    up even when the package version does not move."""
    try:
        release = pkg_version("newsfacts")
    except PackageNotFoundError:
        release = "unknown"
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for folder, pattern in (("pipelines", "*.py"), ("schemas", "*.py"), ("seeds", "*")):
        for path in sorted((root / folder).rglob(pattern)):
            rel = path.relative_to(root)
            if path.is_file() and rel.parts[:2] != ("seeds", "articles") \
                    and "__pycache__" not in rel.parts:
                digest.update(rel.as_posix().encode())
                digest.update(path.read_bytes())
    return f"{release}+{digest.hexdigest()[:12]}"


_HELD: set[Path] = set()


@contextmanager
def build_lock(warehouse: Path) -> Iterator[None]:
    """Hold the warehouse's build lock; a second concurrent build fails with a clear message.

    Re-entrant within a process (the CLI holds it for a whole run, the publish step again)."""
    warehouse = warehouse.resolve()
    if warehouse in _HELD:
        yield
        return
    warehouse.mkdir(parents=True, exist_ok=True)
    with open(warehouse / ".build.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseError(
                f"another build is publishing to {warehouse}; wait for it to finish"
            ) from None
        _HELD.add(warehouse)
        try:
            yield
        finally:
            _HELD.discard(warehouse)
            fcntl.flock(fh, fcntl.LOCK_UN)


def _source(con: duckdb.DuckDBPyConnection, name: str, value: Parts | pl.DataFrame) -> str | None:
    """A SQL relation over a staged table (Parquet parts, streamed) or a frame; None if empty."""
    if isinstance(value, Parts):
        files = [str(f) for f in value.files()]
        if not files:
            return None
        return f"read_parquet({files!r}, union_by_name = true)"
    if value.height == 0:
        return None
    view = f"_frame_{name}"
    con.register(view, conform(value, TABLES[name]))
    return view


def publish(
    warehouse: Path,
    tables: Mapping[str, Parts | pl.DataFrame],
    *,
    inputs: list[dict[str, Any]],
    full_refresh: bool = False,
    run_id: str | None = None,
    started_at: datetime | None = None,
) -> dict[str, Any]:
    """Write `tables` (articles, segments, entities, figures, dates, quarantine) as one new
    version, in one transaction; staged Parquet parts stream through DuckDB.

    Incremental by default: articles already published are kept as they are and only new
    articles (and their segments and mentions) are added, so re-running on the same input adds
    nothing. `full_refresh` replaces every table's content with `tables`.
    Returns the build record (version, build_id, counts, added, changed).
    """
    with build_lock(warehouse), open_lake(warehouse, read_only=False, create=True) as con:
        shared = shared_catalog() is not None

        def attempt() -> dict[str, Any]:
            """The work of the publish transaction (`retry_conflicts` begins and commits)."""
            build_id = con.execute(
                f"select coalesce(max(build_id), 0) + 1 from {LAKE}.{BUILDS}"
            ).fetchone()[0]  # type: ignore[index]
            if shared:
                con.execute(f"delete from {LAKE}.{HEAD}")
            sources = {name: _source(con, name, tables[name]) for name in TABLES if name in tables}
            if full_refresh:
                for name in TABLES:
                    con.execute(f"delete from {LAKE}.{name}")
            staged_ids = sources.get("articles") or "(select null::varchar as article_id limit 0)"
            con.execute(
                f"create or replace temp table _new_ids as select distinct article_id "
                f"from {staged_ids} except select article_id from {LAKE}.articles"
            )
            added: dict[str, int] = {}
            for name in TABLES:
                src = sources.get(name)
                if src is None:
                    added[name] = 0
                    continue
                where = "" if name == "quarantine" else \
                    " where article_id in (select article_id from _new_ids)"
                if name == "quarantine":
                    added[name] = con.execute(
                        f"select count(*) from (select distinct \"where\", why from {src}) s "
                        f"where not exists (select 1 from {LAKE}.quarantine q "
                        f"where q.\"where\" = s.\"where\" and q.why = s.why)"
                    ).fetchone()[0]  # type: ignore[index]
                    con.execute(
                        f"delete from {LAKE}.quarantine q using (select distinct \"where\", why "
                        f"from {src}) s where q.\"where\" = s.\"where\" and q.why = s.why"
                    )
                    src = f"(select distinct * from {src})"
                cols = ", ".join(f'"{c}"' for c in polars_schema(TABLES[name]))
                before = _count(con, name)
                con.execute(
                    f"insert into {LAKE}.{name} ({cols}, build_id) "
                    f"select {cols}, {int(build_id)} from {src}{where}"
                )
                if name != "quarantine":
                    added[name] = _count(con, name) - before
            counts = {name: _count(con, name) for name in TABLES}
            changed = full_refresh or any(added[n] for n in ("articles", *EXTRACTED))
            info = {
                "build_id": build_id,
                "inputs": inputs,
                "code_version": code_version(),
                "counts": counts,
                "added": added,
                "changed": changed,
                "full_refresh": full_refresh,
                "dagster_run_id": run_id,
            }
            con.execute(
                f"insert into {LAKE}.{BUILDS} values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [build_id, started_at or datetime.now(UTC), datetime.now(UTC),
                 json.dumps(inputs), info["code_version"], json.dumps(counts),
                 json.dumps(added), changed, run_id],
            )
            con.execute(
                f"call {LAKE}.set_commit_message('newsfacts', ?, extra_info => ?)",
                [f"build {build_id}", json.dumps(info)],
            )
            if shared:
                con.execute(f"insert into {LAKE}.{HEAD} values (?)", [build_id])
            pause_in_publish(warehouse)
            return info

        # With a shared (PostgreSQL) catalog, builds on other workers may publish at the same
        # time. Every publish rewrites the one row of publish_head, so two concurrent publishes
        # always conflict in DuckLake; the loser runs again from the new snapshot, where
        # build_id = max + 1 and the set of new article ids are read afresh (no collision, no
        # duplicate). A SQLite catalog is serialised by the build lock: one attempt.
        info = retry_conflicts(con, attempt, attempts=20 if shared else 1)
        build_id = info["build_id"]
        version = con.execute(
            f"select max(snapshot_id) from {LAKE}.snapshots() where commit_message = ?",
            [f"build {build_id}"],
        ).fetchone()[0]  # type: ignore[index]
    return {"version": version, **info}


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"select count(*) from {LAKE}.{table}").fetchone()
    return int(row[0]) if row else 0

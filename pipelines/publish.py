"""Publish a build's tables to the warehouse as one new DuckLake version, atomically."""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as pkg_version
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.warehouse import BUILDS, LAKE, WarehouseError, open_lake
from schemas.tables import EXTRACTED, TABLES, conform


def code_version() -> str:
    """The installed newsfacts version (recorded with every build)."""
    try:
        return pkg_version("newsfacts")
    except PackageNotFoundError:
        return "unknown"


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


def publish(
    warehouse: Path,
    tables: Mapping[str, pl.DataFrame],
    *,
    inputs: list[dict[str, Any]],
    full_refresh: bool = False,
    run_id: str | None = None,
    started_at: datetime | None = None,
) -> dict[str, Any]:
    """Write `tables` (articles, entities, figures, dates, quarantine) as one new version.

    Incremental by default: articles already published are kept as they are and only new
    articles (and their mentions) are added, so re-running on the same input adds nothing.
    `full_refresh` replaces every table's content with `tables`.
    Returns the build record (version, build_id, counts, added, changed).
    """
    with build_lock(warehouse), open_lake(warehouse, read_only=False, create=True) as con:
        con.execute("begin transaction")
        try:
            build_id = con.execute(
                f"select coalesce(max(build_id), 0) + 1 from {LAKE}.{BUILDS}"
            ).fetchone()[0]  # type: ignore[index]
            articles = conform(tables["articles"], TABLES["articles"])
            if full_refresh:
                for name in TABLES:
                    con.execute(f"delete from {LAKE}.{name}")
                new_ids = articles["article_id"]
            else:
                known = con.execute(f"select article_id from {LAKE}.articles").pl()
                fresh = ~pl.col("article_id").is_in(known["article_id"].implode())
                new_ids = articles.filter(fresh)["article_id"]
            added: dict[str, int] = {}
            for name, model in TABLES.items():
                frame = conform(tables.get(name, pl.DataFrame()), model)
                if name == "quarantine":
                    frame = frame.unique(maintain_order=True)
                    con.register("_q", frame)
                    con.execute(
                        f"delete from {LAKE}.quarantine q using _q "
                        "where q.\"where\" = _q.\"where\" and q.why = _q.why"
                    )
                    con.unregister("_q")
                elif name in ("articles", "segments") or name in EXTRACTED:
                    frame = frame.filter(pl.col("article_id").is_in(new_ids.implode()))
                frame = frame.with_columns(pl.lit(build_id, pl.Int64).alias("build_id"))
                con.register("_new", frame)
                con.execute(f"insert into {LAKE}.{name} by name select * from _new")
                con.unregister("_new")
                added[name] = frame.height
            counts = {
                name: con.execute(f"select count(*) from {LAKE}.{name}").fetchone()[0]  # type: ignore[index]
                for name in TABLES
            }
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
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        version = con.execute(
            f"select max(snapshot_id) from {LAKE}.snapshots() where commit_message = ?",
            [f"build {build_id}"],
        ).fetchone()[0]  # type: ignore[index]
    return {"version": version, **info}

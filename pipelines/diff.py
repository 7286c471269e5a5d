"""Versions users can trust: what each version holds and what changed between two of them.

- `version_rows` is what `newsfacts versions` prints: time, inputs with hashes, code version,
  row counts and whether the build changed anything.
- `diff` compares two published versions table by table, by key: rows added, removed and
  changed (same key, other values differ; `build_id` is ignored).
- `describe_inputs` is the inputs record a build can store in its commit info (file, article
  count, SHA-256 of the file's bytes and of its records).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.warehouse import LAKE, Version, WarehouseError, open_lake, versions
from schemas.tables import TABLES, polars_schema

# The key that identifies a row of each table across versions.
KEYS: dict[str, tuple[str, ...]] = {
    "articles": ("article_id",),
    "segments": ("article_id", "start", "end"),
    "entities": ("article_id", "start", "end", "type"),
    "figures": ("article_id", "start", "end", "kind"),
    "dates": ("article_id", "start", "end", "timex_type"),
    "quarantine": ("where", "why"),
}
FILE_OF_INPUT = r":\d+$"  # "news.jsonl.gz:17" -> "news.jsonl.gz" (as the snapshot asset does)




def key_of(table: str) -> tuple[str, ...]:
    """The diff key of a table (a table without a declared key is keyed by all its columns)."""
    return KEYS.get(table) or tuple(polars_schema(TABLES[table]))


# --------------------------------------------------------------------------- versions


def check_version(warehouse: Path, version: int, found: Sequence[Version] | None = None) -> None:
    """Raise a clear WarehouseError unless `version` is a published, still available version."""
    found = versions(warehouse) if found is None else found
    known = [v.version for v in found]
    if version in known:
        return
    if not known:
        raise WarehouseError(f"nothing published yet in {warehouse}; run `newsfacts build`")
    listing = ", ".join(map(str, known))
    if version < known[0]:
        with open_lake(warehouse) as con:
            builds = con.execute(f"select count(*) from {LAKE}.builds").fetchone()[0]  # type: ignore[index]
        if builds > len(known):
            raise WarehouseError(
                f"version {version} is no longer available: versions before {known[0]} were "
                f"expired by `newsfacts gc` (available: {listing})")
    raise WarehouseError(f"no version {version}; see `newsfacts versions` (published: {listing})")


def _records_digest(sha256s: Iterable[str | None]) -> str:
    h = hashlib.sha256()
    for s in sorted(x or "" for x in sha256s):
        h.update(s.encode())
        h.update(b"\n")
    return h.hexdigest()


def describe_inputs(articles: pl.DataFrame | pl.LazyFrame,
                    manifest: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """The inputs of a build: one entry per file with its article count, the SHA-256 of its
    records (sorted content_sha256 values; stable for the same content) and, from the ingest
    manifest (`pipelines.ingest.registry.file_manifest`), the SHA-256 and size of its bytes and
    whether it was skipped as already published."""
    grouped = (
        articles.lazy()
        .group_by(pl.col("input").str.replace(FILE_OF_INPUT, "").alias("file"))
        .agg(pl.len().alias("articles"), pl.col("content_sha256"))
        .collect()
    )
    counts = {r["file"]: r for r in grouped.iter_rows(named=True)}
    entries: dict[str, dict[str, Any]] = {}
    for m in manifest:
        entries[m["file"]] = {"file": m["file"], "articles": 0, "sha256": m["sha256"],
                              "bytes": m["bytes"], "skipped": m.get("skipped", False)}
    for file, row in counts.items():
        entry = entries.setdefault(file, {"file": file})
        entry["articles"] = row["articles"]
        entry["records_sha256"] = _records_digest(row["content_sha256"])
    return [entries[f] for f in sorted(entries)]


def _inputs_cell(v: Version) -> str:
    cells = []
    for i in v.info.get("inputs") or []:
        h = f"sha256:{i['sha256'][:12]}" if i.get("sha256") else "no hash"
        what = "already published, skipped" if i.get("skipped") else f"{i['articles']} articles"
        cells.append(f"{i['file']} ({what}, {h})")
    return ", ".join(cells)


def version_rows(warehouse: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Columns and rows of `newsfacts versions`, oldest first."""
    rows = []
    for v in versions(warehouse):
        info = v.info
        added = info.get("added", {})
        rows.append((
            v.version, v.time.isoformat(timespec="seconds"), v.build_id,
            "yes" if info.get("changed") else "no (nothing new)",
            " ".join(f"{k}=+{n}" for k, n in added.items() if n),
            _inputs_cell(v),
            " ".join(f"{k}={n}" for k, n in info.get("counts", {}).items()),
            info.get("code_version"),
        ))
    return ["version", "time", "build", "changed", "added", "inputs", "rows", "code"], rows


# --------------------------------------------------------------------------- diff


@dataclass
class TableDiff:
    """The difference of one table between two versions."""

    table: str
    rows_a: int
    rows_b: int
    added: pl.DataFrame
    removed: pl.DataFrame
    changed: pl.DataFrame  # key, changed_columns, then old (`col`) and new (`col__b`) values

    @property
    def unchanged(self) -> int:
        return self.rows_b - self.added.height - self.changed.height


def _read(con: duckdb.DuckDBPyConnection, table: str, version: int) -> pl.DataFrame:
    cols = list(polars_schema(TABLES[table]))
    sel = ", ".join(f'"{c}"' for c in cols)
    frame = con.execute(
        f"select {sel} from {LAKE}.{table} at (version => {int(version)})").pl()
    key = list(key_of(table))
    # duplicates of a key are matched in a stable order (n-th with n-th)
    return frame.sort(cols, nulls_last=True).with_columns(
        pl.int_range(pl.len()).over(key).alias("_n"))


def diff_table(con: duckdb.DuckDBPyConnection, table: str, a: int, b: int) -> TableDiff:
    old, new = _read(con, table, a), _read(con, table, b)
    on = [*key_of(table), "_n"]
    values = [c for c in old.columns if c not in on]
    both = old.join(new, on=on, how="inner", suffix="__b")
    differs = [pl.col(c).ne_missing(pl.col(f"{c}__b")) for c in values]
    changed = both.filter(pl.any_horizontal(differs)) if values else both.clear()
    changed = changed.with_columns(
        pl.concat_list([pl.when(d).then(pl.lit(c)) for c, d in zip(values, differs, strict=True)])
        .list.drop_nulls().list.join(", ").alias("changed_columns")
    ) if values else changed.with_columns(pl.lit("").alias("changed_columns"))
    return TableDiff(
        table, old.height, new.height,
        added=new.join(old, on=on, how="anti").drop("_n"),
        removed=old.join(new, on=on, how="anti").drop("_n"),
        changed=changed.drop("_n"),
    )


def diff(warehouse: Path, a: int, b: int, tables: Sequence[str] | None = None
         ) -> list[TableDiff]:
    """Per table, the rows added, removed and changed from version `a` to version `b`."""
    found = versions(warehouse)
    for v in (a, b):
        check_version(warehouse, v, found)
    names = list(tables or TABLES)
    for t in names:
        if t not in TABLES:
            raise WarehouseError(f"no table {t!r}; tables: {', '.join(TABLES)}")
    with open_lake(warehouse) as con:
        return [diff_table(con, t, a, b) for t in names]


def summary_rows(diffs: Sequence[TableDiff]) -> tuple[list[str], list[tuple[Any, ...]]]:
    cols = ["table", "rows_a", "rows_b", "added", "removed", "changed", "unchanged"]
    return cols, [(d.table, d.rows_a, d.rows_b, d.added.height, d.removed.height,
                   d.changed.height, d.unchanged) for d in diffs]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + "…"
    return value


def _compact(row: dict[str, Any], cols: Sequence[str]) -> str:
    return json.dumps({c: _plain(row[c]) for c in cols}, ensure_ascii=False, default=str)


def change_rows(diffs: Sequence[TableDiff]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """One row per added, removed or changed row: table, change, key, changed_columns, and the
    old and new non-key values as compact JSON."""
    cols = ["table", "change", "key", "changed_columns", "old", "new"]
    out: list[tuple[Any, ...]] = []
    for d in diffs:
        key = key_of(d.table)
        values = [c for c in polars_schema(TABLES[d.table]) if c not in key]

        def keytext(row: dict[str, Any], key: tuple[str, ...] = key) -> str:
            return ", ".join(f"{k}={row[k]}" for k in key)

        for row in d.added.iter_rows(named=True):
            out.append((d.table, "added", keytext(row), "", "", _compact(row, values)))
        for row in d.removed.iter_rows(named=True):
            out.append((d.table, "removed", keytext(row), "", _compact(row, values), ""))
        for row in d.changed.iter_rows(named=True):
            names = [c for c in row["changed_columns"].split(", ") if c]
            new = {f"{c}__b": row[f"{c}__b"] for c in names}
            out.append((d.table, "changed", keytext(row), row["changed_columns"],
                        _compact(row, names),
                        json.dumps({c: _plain(new[f"{c}__b"]) for c in names},
                                   ensure_ascii=False, default=str)))
    return cols, out

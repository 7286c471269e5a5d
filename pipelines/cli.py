"""The `newsfacts` command line: build, query, versions, ui, eval."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.warehouse import (
    CATALOG_ENV,
    LAKE,
    WarehouseError,
    latest_version,
    open_lake,
    resolve,
    versions,
)
from schemas.tables import TABLES

READ_STATEMENTS = {"SELECT", "EXPLAIN", "PRAGMA", "SET"}
SAMPLE_QUERY = "select type, count(*) as mentions from entities group by 1 order by 2 desc"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def emit(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> None:
    """Print rows as an aligned table, CSV, or a JSON array of objects."""
    if fmt == "json":
        json.dump([{c: _jsonable(v) for c, v in zip(columns, r, strict=True)} for r in rows],
                  sys.stdout, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(columns)
        writer.writerows(rows)
        sys.stdout.write(buf.getvalue())
    else:
        cells = [[("" if v is None else str(v)).replace("\n", " ")[:80] for v in r] for r in rows]
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
        print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
        print("  ".join("-" * w for w in widths))
        for r in cells:
            print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))
        print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


def run_query(warehouse: Path, sql: str, *, version: int | None = None
              ) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run read-only SQL over the tables of a published version (latest by default)."""
    with open_lake(warehouse) as con:
        pinned = version if version is not None else latest_version(warehouse)
        known = {v.version for v in versions(warehouse)}
        if pinned not in known:
            raise WarehouseError(f"no version {pinned}; see `newsfacts versions` "
                                 f"(published: {', '.join(map(str, sorted(known)))})")
        for table in (*TABLES, "builds"):
            con.execute(f"create temp view {table} as select * from {LAKE}.{table} "
                        f"at (version => {int(pinned)})")
        statements = con.extract_statements(sql)
        for st in statements:
            kind = st.type.name
            if kind not in READ_STATEMENTS:
                raise WarehouseError(f"refused: `newsfacts query` is read-only and this is a "
                                     f"{kind} statement; the warehouse is changed only by "
                                     "`newsfacts build`")
        if not statements:
            raise WarehouseError("no SQL statement given")
        result = None
        for st in statements:
            result = con.execute(st)
        assert result is not None
        cols = [d[0] for d in result.description or []]
        return cols, result.fetchall()


def cmd_build(args: argparse.Namespace) -> int:
    from pipelines.build import build

    return build(resolve(args.warehouse), args.sources, full_refresh=args.full_refresh,
                 fmt=args.format, batch_size=args.batch_size, workers=args.workers,
                 progress=not args.quiet)


def cmd_query(args: argparse.Namespace) -> int:
    cols, rows = run_query(resolve(args.warehouse), args.sql, version=args.version)
    emit(cols, rows, args.format)
    return 0


def cmd_versions(args: argparse.Namespace) -> int:
    from pipelines.diff import version_rows

    emit(*version_rows(resolve(args.warehouse)), args.format)
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from pipelines.diff import change_rows, diff, summary_rows

    diffs = diff(resolve(args.warehouse), args.a, args.b, [args.table] if args.table else None)
    emit(*(change_rows(diffs) if args.rows else summary_rows(diffs)), args.format)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from pipelines.release import export

    out = export(resolve(args.warehouse), Path(args.to), version=args.version)
    print(f"Exported to {out}; check it with `newsfacts verify {out}`")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from pipelines.release import verify

    problems = verify(Path(args.path))
    if problems:
        print(f"newsfacts: {args.path} does NOT verify ({len(problems)} problem"
              f"{'s' if len(problems) != 1 else ''}):", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    print(f"{args.path}: OK (checksums and Parquet schemas match datapackage.json)")
    return 0


def cmd_gc(args: argparse.Namespace) -> int:
    from pipelines.housekeeping import gc

    r = gc(resolve(args.warehouse), args.keep, dry_run=args.dry_run)
    verb = "would expire" if args.dry_run else "expired"
    print(f"kept versions {', '.join(map(str, r.kept))}; {verb} "
          f"{', '.join(map(str, r.expired)) or 'none'}; "
          f"{'would delete' if args.dry_run else 'deleted'} "
          f"{len(r.deleted_files) + len(r.orphaned_files)} files "
          f"({len(r.orphaned_files)} orphaned)")
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    warehouse = resolve(args.warehouse)
    home = warehouse / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DAGSTER_HOME": str(home), "NEWSFACTS_WAREHOUSE": str(warehouse)}
    if args.sources:
        env["NEWSFACTS_SOURCES"] = os.pathsep.join(str(Path(s).resolve()) for s in args.sources)
    from pipelines.batches import register_batch
    from pipelines.build import instance_for
    from pipelines.resources import Settings

    sources = Settings(sources=[str(Path(s).resolve()) for s in args.sources]).source_list()
    with instance_for(warehouse) as instance:
        batch = register_batch(instance, warehouse, sources)
    exe = Path(sys.executable).with_name("dagster")
    cmd = [str(exe), "dev", "-m", "pipelines.definitions", "-h", "127.0.0.1", "-p", str(args.port)]
    print(f"Dagster UI on http://127.0.0.1:{args.port} (warehouse {warehouse}); Ctrl-C stops it\n"
          f"Ingest batch {batch} holds {', '.join(sources)}: materialise it from the asset "
          "graph (partition ingest_batches), or run the `build` job for it", flush=True)
    return subprocess.call(cmd, env=env)


def cmd_eval(args: argparse.Namespace) -> int:
    from pipelines.evaluate import family_of, load_scorer, predict, read_gold

    gold = list(read_gold(Path(args.gold)))
    families = args.family or family_of(gold)
    preds = predict(gold, families)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            for p in preds:
                fh.write(json.dumps(p, ensure_ascii=False) + "\n")
    scorer = Path(args.scorer) if args.scorer else None
    if scorer is None or not scorer.exists():
        print(f"wrote predictions for {len(preds)} documents" + (f" to {args.out}" if args.out
              else "") + "; no scorer given (--scorer PATH/score.py) so nothing scored")
        return 0
    result = load_scorer(scorer).score(gold, preds)
    print(json.dumps({f: result.get(f) for f in families}, indent=2))
    return 0


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="newsfacts", description="News articles in; versioned "
                                 "tables of who, how much and when out.")
    sub = ap.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser, fmt: bool = True, catalog: bool = False) -> None:
        p.add_argument("--warehouse", metavar="DIR", help="warehouse directory (default "
                       "$NEWSFACTS_WAREHOUSE or ./warehouse)")
        if catalog:
            p.add_argument("--catalog", metavar="SPEC", help="'postgres:<conninfo>' for a "
                           "DuckLake catalog in PostgreSQL shared by several workers (default "
                           "$NEWSFACTS_CATALOG, else the warehouse's catalog.sqlite)")
        if fmt:
            p.add_argument("--format", choices=["table", "csv", "json"], default="table")

    b = sub.add_parser("build", help="read sources, extract, validate, publish a new version")
    b.add_argument("sources", nargs="*", help="files, directories or globs (default: seeds/)")
    b.add_argument("--full-refresh", action="store_true",
                   help="replace the warehouse content instead of adding new articles")
    b.add_argument("--batch-size", type=int, default=10_000,
                   help="articles read, cleaned and extracted at a time (memory stays flat)")
    b.add_argument("--workers", type=int, default=0,
                   help="processes extracting batches in parallel (default: one per core)")
    b.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    common(b, catalog=True)
    b.set_defaults(func=cmd_build)
    q = sub.add_parser("query", help="read-only SQL over the published tables")
    q.add_argument("sql")
    q.add_argument("--version", type=int, help="a published version (default: latest)")
    common(q, catalog=True)
    q.set_defaults(func=cmd_query)
    v = sub.add_parser("versions", help="published versions with time, inputs and row counts")
    common(v, catalog=True)
    v.set_defaults(func=cmd_versions)
    u = sub.add_parser("ui", help="the Dagster UI for this warehouse on 127.0.0.1")
    u.add_argument("sources", nargs="*", help="sources a UI build reads (default: seeds/)")
    u.add_argument("--port", type=int, default=3000)
    common(u, fmt=False)
    u.set_defaults(func=cmd_ui)
    e = sub.add_parser("eval", help="run the extractors over a gold JSONL file and score it")
    e.add_argument("gold", help="gold file (.jsonl or .jsonl.gz) in the scorer's format")
    e.add_argument("--family", action="append", choices=["entities", "figures", "dates"])
    e.add_argument("--out", help="write predictions (JSON Lines) here")
    e.add_argument("--scorer", help="path to score.py (e.g. ../shared/eval/score.py)")
    common(e, fmt=False)
    e.set_defaults(func=cmd_eval)
    d = sub.add_parser("diff", help="rows added, removed and changed between two versions")
    d.add_argument("a", type=int, help="the older version")
    d.add_argument("b", type=int, help="the newer version")
    d.add_argument("--table", choices=list(TABLES), help="one table (default: all)")
    d.add_argument("--rows", action="store_true", help="list the rows, not a summary")
    common(d, catalog=True)
    d.set_defaults(func=cmd_diff)
    x = sub.add_parser("export", help="write a version as a release bundle (Parquet, "
                       "datapackage.json, dataset card, SHA256SUMS)")
    x.add_argument("--to", required=True, metavar="PATH", help="new or empty directory")
    x.add_argument("--version", type=int, help="a published version (default: latest)")
    common(x, fmt=False, catalog=True)
    x.set_defaults(func=cmd_export)
    c = sub.add_parser("verify", help="check a release bundle's checksums and schemas")
    c.add_argument("path")
    c.set_defaults(func=cmd_verify)
    g = sub.add_parser("gc", help="expire old versions and delete unreferenced files")
    g.add_argument("--keep", type=int, required=True, metavar="N",
                   help="keep the last N published versions")
    g.add_argument("--dry-run", action="store_true", help="only report what would go")
    common(g, fmt=False, catalog=True)
    g.set_defaults(func=cmd_gc)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "catalog", None):  # read by pipelines.warehouse wherever it opens the lake
        os.environ[CATALOG_ENV] = args.catalog
    try:
        return int(args.func(args))
    except WarehouseError as err:
        print(f"newsfacts: {err}", file=sys.stderr)
        return 2
    except duckdb.Error as err:
        print(f"newsfacts: query failed: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

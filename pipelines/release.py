"""Release bundles: `newsfacts export` writes one published version as plain files anyone can
read without newsfacts, and `newsfacts verify` checks such a bundle.

A bundle holds:
    <table>.parquet      one per table (zstd), rows sorted by key, plus builds.parquet
    datapackage.json     Frictionless Data Package: resources with path, format, bytes, sha256
                         and a Table Schema generated from the pandera models
    README.md            the dataset card, generated from the same models and the data
    charts/*.svg         articles per month, top 20 entities (referenced from the card)
    SHA256SUMS           `sha256sum -c SHA256SUMS` checks every other file
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

import pandera.polars as pa
import polars as pl

from pipelines.diff import KEYS, check_version
from pipelines.ingest.registry import file_sha256
from pipelines.warehouse import BUILDS, LAKE, Version, WarehouseError, open_lake, versions
from schemas.tables import TABLES, polars_schema

SUMS = "SHA256SUMS"
PACKAGE = "datapackage.json"
CARD = "README.md"
CHARTS = "charts"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"

BUILD_ID_DOC = ("The build that wrote this row: join `builds` using (build_id) for the code "
                "version, inputs and time of that build.")
BUILDS_FIELDS: list[tuple[str, str, str]] = [
    ("build_id", "integer", "Build number (1, 2, …); every row of every table carries the "
     "build_id that wrote it."),
    ("started_at", "datetime", "When the build started (UTC)."),
    ("finished_at", "datetime", "When the build published (UTC)."),
    ("inputs", "string", "JSON array: input files with article counts (and hashes)."),
    ("code_version", "string", "Version of the newsfacts code (extractors, rules) that ran."),
    ("counts", "string", "JSON object: rows per table after the build."),
    ("added", "string", "JSON object: rows per table the build added."),
    ("changed", "boolean", "Whether the build changed the content."),
    ("dagster_run_id", "string", "The Dagster run that made the build (null outside Dagster)."),
]
BUILDS_DOC = "One row per build up to this version: provenance for every row's build_id."

LICENSES = [
    {"name": "Apache-2.0", "path": "https://www.apache.org/licenses/LICENSE-2.0",
     "title": "newsfacts code, table structure and the extracted annotations: Apache License 2.0"},
    {"name": "other-closed",
     "title": "Article texts, titles and quoted mentions: © their publishers; included for "
              "research and verification of the annotations, not relicensed"},
]
KNOWN_LIMITS = [
    "Offsets (`start`, `end`) are Python string character offsets into `articles.text`, end "
    "exclusive; in SQL use `substring(text, start + 1, end - start)`.",
    "Entities, figures and dates are extracted from English (or undetected-language) articles "
    "only; other articles have rows in `articles` and `segments` but no mentions.",
    "Extraction is rule-, lexicon- and gazetteer-based and makes mistakes; measured scores are "
    "in the project's evaluation (`newsfacts eval`).",
    "`published_at` is null when the input had no usable date; a time written without a zone "
    "is taken as UTC.",
    "`entity_id` is a global id (ISO 3166, GeoNames, Wikidata) only where the gazetteer knows "
    "the entity; otherwise a normalised key (`key:TYPE:name`) that is stable but local.",
    "Inputs that could not be read and rows that failed validation are listed in "
    "`quarantine`, not silently dropped.",
    "Article texts are © their publishers (see Licences).",
]


# --------------------------------------------------------------------------- schema


def _frictionless_type(dtype: pl.DataType | type[pl.DataType]) -> str:
    base = dtype if isinstance(dtype, type) else type(dtype)
    return {pl.String: "string", pl.Int64: "integer", pl.Float64: "number", pl.Date: "date",
            pl.Datetime: "datetime", pl.Boolean: "boolean"}[base]


def table_schema(table: str) -> dict[str, Any]:
    """The Frictionless Table Schema of a table, generated from its pandera model."""
    if table == BUILDS:
        required = ("build_id", "started_at", "finished_at")
        first: dict[str, Any] = {"unique": True, "minimum": 1}
        return {"fields": [{"name": n, "type": t, "description": d,
                            "constraints": {"required": n in required,
                                            **(first if n == "build_id" else {})}}
                           for n, t, d in BUILDS_FIELDS],
                "primaryKey": ["build_id"]}
    model: type[pa.DataFrameModel] = TABLES[table]
    schema = model.to_schema()
    dtypes = polars_schema(model)
    fields = []
    for name, col in schema.columns.items():
        cons: dict[str, Any] = {"required": not col.nullable}
        if col.unique:
            cons["unique"] = True
        for check in col.checks:
            stats = check.statistics or {}
            if check.name == "isin":
                cons["enum"] = list(stats["allowed_values"])
            elif check.name == "greater_than_or_equal_to":
                cons["minimum"] = stats["min_value"]
            elif check.name == "less_than_or_equal_to":
                cons["maximum"] = stats["max_value"]
            elif check.name == "str_length":
                if stats.get("min_value") is not None:
                    cons["minLength"] = stats["min_value"]
                if stats.get("max_value") is not None:
                    cons["maxLength"] = stats["max_value"]
        fields.append({"name": name, "type": _frictionless_type(dtypes[name]),
                       "description": col.description or "", "constraints": cons})
    fields.append({"name": "build_id", "type": "integer", "description": BUILD_ID_DOC,
                   "constraints": {"required": True, "minimum": 1}})
    out: dict[str, Any] = {"fields": fields}
    if table == "articles":
        out["primaryKey"] = ["article_id"]
    foreign = []
    if "article_id" in schema.columns and table != "articles":
        foreign.append({"fields": ["article_id"],
                        "reference": {"resource": "articles", "fields": ["article_id"]}})
    foreign.append({"fields": ["build_id"],
                    "reference": {"resource": BUILDS, "fields": ["build_id"]}})
    out["foreignKeys"] = foreign
    return out


def _doc(table: str) -> str:
    if table == BUILDS:
        return BUILDS_DOC
    return " ".join((TABLES[table].__doc__ or "").split())


# --------------------------------------------------------------------------- charts (SVG)


def svg_bars(title: str, labels: Sequence[str], values: Sequence[float], *,
             horizontal: bool = False) -> str:
    """A small dependency-free bar chart as SVG text."""
    top = max(values) if values else 1
    top = top or 1
    if horizontal:
        bar, gap, left, width = 18, 4, 220, 640
        height = 40 + len(values) * (bar + gap) + 10
        parts = [f'<text x="10" y="24" font-size="16" font-weight="bold">{escape(title)}</text>']
        for i, (label, v) in enumerate(zip(labels, values, strict=True)):
            y = 40 + i * (bar + gap)
            w = (width - left - 60) * v / top
            parts.append(f'<text x="{left - 6}" y="{y + 13}" font-size="12" '
                         f'text-anchor="end">{escape(label[:32])}</text>')
            parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" '
                         'fill="#4c78a8"/>')
            parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 13}" font-size="11">'
                         f'{v:g}</text>')
    else:
        n = max(len(values), 1)
        width, height, left, bottom = 900, 320, 50, 70
        plot_h, slot = height - 50 - bottom, (width - left - 10) / n
        every = max(1, round(n / 24))  # at most ~24 labels
        parts = [f'<text x="10" y="24" font-size="16" font-weight="bold">{escape(title)}</text>',
                 f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" '
                 f'y2="{height - bottom}" stroke="#333"/>',
                 f'<text x="{left - 6}" y="54" font-size="11" text-anchor="end">{top:g}</text>',
                 f'<text x="{left - 6}" y="{height - bottom}" font-size="11" '
                 'text-anchor="end">0</text>']
        for i, (label, v) in enumerate(zip(labels, values, strict=True)):
            h = plot_h * v / top
            x = left + i * slot + slot * 0.1
            top_y = height - bottom - h
            parts.append(f'<rect x="{x:.1f}" y="{top_y:.1f}" width="{slot * 0.8:.1f}" '
                         f'height="{h:.1f}" fill="#4c78a8"><title>{escape(label)}: {v:g}'
                         '</title></rect>')
            if i % every == 0:
                lx, ly = x + slot * 0.4, height - bottom + 12
                parts.append(f'<text x="{lx:.1f}" y="{ly}" font-size="10" text-anchor="end" '
                             f'transform="rotate(-60 {lx:.1f} {ly})">{escape(label)}</text>')
    body = "\n  ".join(parts)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="sans-serif">\n'
            f'  <rect width="100%" height="100%" fill="white"/>\n  {body}\n</svg>\n')


# --------------------------------------------------------------------------- export


def sort_for_release(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Rows in a stable order: by key, then by every other column."""
    key = list(KEYS.get(table, ("build_id",)))
    rest = [c for c in frame.columns if c not in key and frame.schema[c] != pl.Object]
    return frame.sort([*key, *rest], nulls_last=True)


def read_version(warehouse: Path, version: int) -> dict[str, pl.DataFrame]:
    """Every table (and builds) at `version`, release-sorted, columns in declaration order."""
    out: dict[str, pl.DataFrame] = {}
    with open_lake(warehouse) as con:
        con.execute("set timezone = 'UTC'")
        for table in (*TABLES, BUILDS):
            names = ([n for n, _, _ in BUILDS_FIELDS] if table == BUILDS
                     else [*polars_schema(TABLES[table]), "build_id"])
            sel = ", ".join(f'"{c}"' for c in names)
            frame = con.execute(
                f"select {sel} from {LAKE}.{table} at (version => {int(version)})").pl()
            out[table] = sort_for_release(table, frame)
    return out


def _md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(v: Any) -> str:
        return str("" if v is None else v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)


def _constraints_text(cons: dict[str, Any]) -> str:
    parts = ["required" if cons.get("required") else "nullable"]
    if cons.get("unique"):
        parts.append("unique")
    if "enum" in cons:
        parts.append("one of " + ", ".join(f"`{v}`" for v in cons["enum"]))
    if "minimum" in cons:
        parts.append(f"≥ {cons['minimum']}")
    if "minLength" in cons:
        parts.append(f"length ≥ {cons['minLength']}")
    return "; ".join(parts)


def _stats(tables: dict[str, pl.DataFrame]) -> dict[str, Any]:
    articles, entities = tables["articles"], tables["entities"]
    published = articles["published_at"].drop_nulls()
    counted = (articles.filter(pl.col("published_at").is_not_null())
               .group_by(pl.col("published_at").dt.truncate("1mo").dt.date().alias("month"))
               .len())
    if counted.height:  # every month of the range, empty ones as 0
        lo, hi = counted["month"].min(), counted["month"].max()
        months = pl.select(pl.date_range(lo, hi, "1mo").alias("month"))  # type: ignore[arg-type]
        counted = months.join(counted, on="month", how="left")
    per_month = counted.select(pl.col("month").dt.strftime("%Y-%m"),
                               pl.col("len").fill_null(0)).sort("month")
    top_sources = (articles.group_by(pl.col("source").fill_null("(unknown)")).len()
                   .sort(["len", "source"], descending=[True, False]).head(10))
    top_entities = (entities.group_by("entity_id", "canonical_name", "type").len()
                    .sort(["len", "entity_id"], descending=[True, False]).head(20))
    return {
        "first": published.min() if published.len() else None,
        "last": published.max() if published.len() else None,
        "undated": articles.height - published.len(),
        "per_month": per_month, "top_sources": top_sources, "top_entities": top_entities,
        "languages": (articles.group_by(pl.col("language").fill_null("(unknown)")).len()
                      .sort(["len", "language"], descending=[True, False]).head(10)),
    }


def _card(v: Version, tables: dict[str, pl.DataFrame], package: dict[str, Any],
          stats: dict[str, Any]) -> str:
    builds = tables[BUILDS]
    codes = sorted(set(builds["code_version"].drop_nulls().to_list()))
    fmt = "%Y-%m-%d %H:%M UTC"
    first = stats["first"].strftime(fmt) if stats["first"] else "n/a"
    last = stats["last"].strftime(fmt) if stats["last"] else "n/a"
    out = [
        f"# newsfacts dataset — version {v.version}",
        "",
        "News articles and what they mention — **who** (entities), **how much** (figures) and "
        "**when** (dates) — each mention with exact character offsets into the article text "
        "and a normalised value. Generated by `newsfacts export` from published version "
        f"{v.version} (build {v.build_id}, {v.time.strftime(fmt)}; code version "
        f"{', '.join(codes) or 'unknown'}).",
        "",
        _md_table(["table", "rows", "one row per"],
                  [(f"`{r['name']}`", r["rows"], r["description"]) for r in package["resources"]]),
        "",
        "## Reading it (no newsfacts needed)",
        "",
        "```sql",
        "-- DuckDB",
        "select type, count(*) from read_parquet('entities.parquet') group by 1;",
        "select e.text, b.code_version from read_parquet('entities.parquet') e",
        "  join read_parquet('builds.parquet') b using (build_id) limit 5;",
        "```",
        "",
        "```python",
        "import polars as pl; pl.read_parquet('articles.parquet')",
        "import pandas as pd; pd.read_parquet('figures.parquet')  # pyarrow",
        "```",
        "",
        f"Check the files: `sha256sum -c {SUMS}` or `newsfacts verify .` (also checks every "
        f"Parquet file against the schema in `{PACKAGE}`).",
        "",
        "## Coverage",
        "",
        f"- Articles published from **{first}** to **{last}**"
        + (f" ({stats['undated']} without a date)." if stats["undated"] else "."),
        "- Languages: " + ", ".join(f"{r['language']} ({r['len']})"
                                    for r in stats["languages"].iter_rows(named=True)) + ".",
        "",
        f"![Articles per month]({CHARTS}/articles_per_month.svg)",
        "",
        "Top sources:",
        "",
        _md_table(["source", "articles"], stats["top_sources"].rows()),
        "",
        f"![Top 20 entities]({CHARTS}/top_entities.svg)",
        "",
        "Top entities:",
        "",
        _md_table(["entity_id", "canonical name", "type", "mentions"],
                  stats["top_entities"].rows()),
        "",
        "## Tables and columns",
        "",
    ]
    for res in package["resources"]:
        keyinfo = KEYS.get(res["name"], ("build_id",))
        out += [f"### `{res['name']}` ({res['rows']} rows)", "", res["description"], "",
                f"Key: ({', '.join(keyinfo)}). File `{res['path']}`.", "",
                _md_table(["column", "type", "meaning", "constraints"],
                          [(f"`{f['name']}`", f["type"], f["description"],
                            _constraints_text(f["constraints"]))
                           for f in res["schema"]["fields"]]), ""]
    out += [
        "## Provenance",
        "",
        "Every row carries `build_id`, the build that wrote it. The `builds` table has one row "
        "per build with its `code_version` (the newsfacts version whose extractors and rules "
        "produced the row), its inputs (files, article counts, hashes) and its times:",
        "",
        "```sql",
        "select f.*, b.code_version, b.finished_at",
        "from read_parquet('figures.parquet') f join read_parquet('builds.parquet') b "
        "using (build_id);",
        "```",
        "",
        "Sources (input files):",
        "",
        _md_table(["file", "articles", "sha256"],
                  [(s["title"], s.get("articles"), s.get("sha256") or s.get("records_sha256"))
                   for s in package["sources"]]),
        "",
        "## Known limits",
        "",
        *[f"- {line}" for line in KNOWN_LIMITS],
        "",
        "## Licences",
        "",
        *[f"- {lic['title']} (`{lic['name']}`)" for lic in package["licenses"]],
        "",
    ]
    return "\n".join(out)


def _sources(builds: pl.DataFrame) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for raw in builds.sort("build_id")["inputs"].drop_nulls().to_list():
        for entry in json.loads(raw):
            src = {"title": entry["file"], "articles": entry.get("articles")}
            for k in ("sha256", "records_sha256", "bytes"):
                if entry.get(k) is not None:
                    src[k] = entry[k]
            seen[entry["file"]] = src
    return [seen[k] for k in sorted(seen)]


def export(warehouse: Path, to: Path, *, version: int | None = None) -> Path:
    """Write the release bundle of `version` (latest by default) to the directory `to`, which
    must not exist or be empty. Written to a temporary folder first, then moved into place."""
    found = versions(warehouse)
    if not found:
        raise WarehouseError(f"nothing published yet in {warehouse}; run `newsfacts build`")
    number = found[-1].version if version is None else version
    check_version(warehouse, number, found)
    v = next(x for x in found if x.version == number)
    to = to.expanduser().resolve()
    if to.exists() and (not to.is_dir() or any(to.iterdir())):
        raise WarehouseError(f"{to} exists and is not an empty directory; choose a new path")
    tables = read_version(warehouse, number)
    to.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{to.name}.", dir=to.parent))
    try:
        resources = []
        for name, frame in tables.items():
            path = tmp / f"{name}.parquet"
            frame.write_parquet(path, compression="zstd", statistics=True)
            resources.append({
                "name": name, "path": path.name, "format": "parquet",
                "mediatype": PARQUET_MEDIATYPE, "bytes": path.stat().st_size,
                "hash": f"sha256:{file_sha256(path)}", "rows": frame.height,
                "description": _doc(name), "schema": table_schema(name),
            })
        builds = tables[BUILDS]
        package: dict[str, Any] = {
            "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
            "name": "newsfacts",
            "title": f"newsfacts: who, how much and when in the news (version {number})",
            "version": str(number),
            "created": v.time.isoformat(),
            "description": "Articles, the entities, figures and dates they mention (with "
                           "character offsets), labelled text segments, quarantined inputs and "
                           "build provenance. See README.md.",
            "licenses": LICENSES,
            "sources": _sources(builds),
            "resources": resources,
            "newsfacts": {"version": number, "build_id": v.build_id,
                          "code_versions": sorted(set(builds["code_version"].drop_nulls()))},
        }
        (tmp / PACKAGE).write_text(json.dumps(package, indent=2, ensure_ascii=False,
                                              default=str) + "\n", encoding="utf-8")
        stats = _stats(tables)
        (tmp / CHARTS).mkdir()
        (tmp / CHARTS / "articles_per_month.svg").write_text(svg_bars(
            "Articles per month (published_at, UTC)", stats["per_month"]["month"].to_list(),
            stats["per_month"]["len"].to_list()), encoding="utf-8")
        top = stats["top_entities"]
        (tmp / CHARTS / "top_entities.svg").write_text(svg_bars(
            "Top 20 entities (mentions)",
            [f"{n} ({t})" for n, t in zip(top["canonical_name"], top["type"], strict=True)],
            top["len"].to_list(), horizontal=True), encoding="utf-8")
        (tmp / CARD).write_text(_card(v, tables, package, stats), encoding="utf-8")
        files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
        (tmp / SUMS).write_text("".join(f"{file_sha256(tmp / f)}  {f}\n" for f in files),
                                encoding="utf-8")
        if to.exists():
            to.rmdir()
        os.replace(tmp, to)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return to


# --------------------------------------------------------------------------- verify

_ARROW_OK = {
    "string": ("string", "large_string", "string_view"),
    "integer": ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"),
    "number": ("float", "double", "halffloat"),
    "date": ("date32[day]", "date64[ms]"),
    "boolean": ("bool",),
}


def _arrow_matches(kind: str, arrow_type: str) -> bool:
    if kind == "datetime":
        return arrow_type.startswith("timestamp")
    return arrow_type in _ARROW_OK.get(kind, ())


def _check_resource(root: Path, res: dict[str, Any]) -> list[str]:
    import pyarrow.parquet as pq

    name, path = res.get("name", "?"), root / str(res.get("path", ""))
    if not path.is_file():
        return [f"{name}: file {res.get('path')} is missing"]
    problems = []
    if res.get("bytes") is not None and path.stat().st_size != res["bytes"]:
        problems.append(f"{name}: {path.name} has {path.stat().st_size} bytes, datapackage "
                        f"says {res['bytes']}")
    algo, _, want = str(res.get("hash", "")).rpartition(":")
    if want and (algo or "md5") == "sha256" and file_sha256(path) != want:
        problems.append(f"{name}: {path.name} sha256 does not match the datapackage hash")
    try:
        arrow_schema = pq.read_schema(path)
        frame = pl.read_parquet(path)
    except Exception as err:  # a damaged file is a finding, not a crash
        return [*problems, f"{name}: {path.name} is not readable Parquet ({err})"]
    fields = res.get("schema", {}).get("fields", [])
    want_names = [f["name"] for f in fields]
    if arrow_schema.names != want_names:
        problems.append(f"{name}: columns {arrow_schema.names} differ from the datapackage "
                        f"fields {want_names}")
        return problems
    if res.get("rows") is not None and frame.height != res["rows"]:
        problems.append(f"{name}: {frame.height} rows, datapackage says {res['rows']}")
    for f in fields:
        col, kind, cons = f["name"], f.get("type", "any"), f.get("constraints", {})
        arrow_type = str(arrow_schema.field(col).type)
        if kind != "any" and not _arrow_matches(kind, arrow_type):
            problems.append(f"{name}.{col}: Parquet type {arrow_type} is not {kind}")
            continue
        s = frame[col]
        if cons.get("required") and s.null_count():
            problems.append(f"{name}.{col}: {s.null_count()} nulls in a required column")
        values = s.drop_nulls()
        if cons.get("unique") and values.n_unique() != values.len():
            problems.append(f"{name}.{col}: values are not unique")
        if "enum" in cons:
            bad = values.filter(~values.is_in(cons["enum"])).unique().head(5).to_list()
            if bad:
                problems.append(f"{name}.{col}: values {bad} not in {cons['enum']}")
        if "minimum" in cons and values.len() and values.min() < cons["minimum"]:  # type: ignore[operator]
            problems.append(f"{name}.{col}: minimum {values.min()} below {cons['minimum']}")
        if "maximum" in cons and values.len() and values.max() > cons["maximum"]:  # type: ignore[operator]
            problems.append(f"{name}.{col}: maximum {values.max()} above {cons['maximum']}")
        if "minLength" in cons and values.len() and \
                values.str.len_chars().min() < cons["minLength"]:  # type: ignore[operator]
            problems.append(f"{name}.{col}: a value is shorter than {cons['minLength']}")
    return problems


def verify(path: Path) -> list[str]:
    """Problems found in the bundle at `path` (an empty list: the bundle is intact)."""
    root = path.expanduser()
    if not root.is_dir():
        return [f"{root} is not a directory"]
    problems: list[str] = []
    sums = root / SUMS
    listed: set[str] = set()
    if not sums.is_file():
        problems.append(f"{SUMS} is missing")
    else:
        for n, line in enumerate(sums.read_text(encoding="utf-8").splitlines(), 1):
            digest, sep, name = line.partition("  ")
            if not sep or len(digest) != 64:
                problems.append(f"{SUMS} line {n} is malformed: {line[:80]!r}")
                continue
            listed.add(name)
            target = root / name
            if not target.is_file():
                problems.append(f"{name}: listed in {SUMS} but missing")
            elif file_sha256(target) != digest:
                problems.append(f"{name}: checksum mismatch (the file changed after export)")
        on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
        for extra in sorted(on_disk - listed - {SUMS}):
            problems.append(f"{extra}: not listed in {SUMS}")
    try:
        package = json.loads((root / PACKAGE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [*problems, f"{PACKAGE} is missing"]
    except json.JSONDecodeError as err:
        return [*problems, f"{PACKAGE} is not valid JSON ({err})"]
    resources = package.get("resources") or []
    if not resources:
        problems.append(f"{PACKAGE} lists no resources")
    for res in resources:
        problems += _check_resource(root, res)
    return problems


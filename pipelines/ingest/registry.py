"""Find input files and dispatch each to the reader module that takes its suffix.

Every module of this package with `SUFFIXES` and `read()` is a reader; adding a format is
adding one module. Output: a frame of raw articles and a list of rejected inputs.
"""

from __future__ import annotations

import glob
import importlib
import json
import os
import pkgutil
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from types import ModuleType

import polars as pl

import pipelines.ingest as package
from pipelines.ingest.base import RawArticle, Rejected

RAW_SCHEMA = {
    "source_id": pl.String, "url": pl.String, "source": pl.String, "title": pl.String,
    "published": pl.String, "language_hint": pl.String, "text": pl.String, "input": pl.String,
    "content_sha256": pl.String, "metadata": pl.String,
}
# Files in a directory that are documentation, not input.
_DOC_NAMES = {"readme", "source", "license", "licence", "changelog"}


@cache
def readers() -> dict[str, ModuleType]:
    """Suffix -> reader module, for every reader in this package."""
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for suffix in getattr(module, "SUFFIXES", ()):
            if hasattr(module, "read"):
                found[suffix] = module
    return found


def reader_for(path: Path) -> ModuleType | None:
    """The reader whose longest suffix ends the file name, if any."""
    name = path.name.lower()
    matches = [s for s in readers() if name.endswith(s)]
    return readers()[max(matches, key=len)] if matches else None


def display_name(path: Path, root: Path) -> str:
    """How an input is named in the tables: relative to the folder holding the source, so
    the same inputs give the same rows wherever the checkout lives."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def discover(sources: Iterable[str]) -> tuple[list[Path], list[Rejected], int]:
    """Input files from files, directories (recursive) and globs.

    Returns (files, rejected, skipped): an explicitly named file no reader takes is rejected;
    such files found inside a directory are only counted in `skipped`.
    """
    files: list[Path] = []
    rejected: list[Rejected] = []
    skipped = 0
    for source in sources:
        path = Path(source)
        if path.is_dir():
            for p in sorted(q for q in path.rglob("*") if q.is_file()):
                if reader_for(p):
                    files.append(p)
                elif p.stem.lower() not in _DOC_NAMES and not p.name.startswith("."):
                    skipped += 1
        elif path.is_file():
            if reader_for(path):
                files.append(path)
            else:
                rejected.append(Rejected(str(path), "file", "no reader for this file type "
                                         f"(supported: {', '.join(sorted(readers()))})"))
        else:
            hits = sorted(Path(p) for p in glob.glob(source, recursive=True) if Path(p).is_file())
            if not hits:
                rejected.append(Rejected(source, "file", "no such file, directory or glob match"))
            files.extend(p for p in hits if reader_for(p))
            skipped += sum(1 for p in hits if not reader_for(p))
    unique = list(dict.fromkeys(p.resolve() for p in files))
    return unique, rejected, skipped


def common_root(sources: Iterable[str]) -> Path:
    """The folder that input names are made relative to: the sources' common parent."""
    parents = [Path(s).resolve().parent for s in sources if Path(s).exists()]
    if not parents:
        return Path.cwd()
    return Path(os.path.commonpath([str(p) for p in parents]))


def _row(a: RawArticle) -> dict[str, str | None]:
    return {
        "source_id": a.source_id, "url": a.url, "source": a.source, "title": a.title,
        "published": a.published, "language_hint": a.language, "text": a.text,
        "input": a.input, "content_sha256": a.content_sha256,
        "metadata": json.dumps(a.metadata, ensure_ascii=False, default=str) if a.metadata else None,
    }


def read_files(
    files: Iterable[Path], *, root: Path | None = None
) -> tuple[pl.DataFrame, list[Rejected]]:
    """Read every file with its reader; one bad file or record never stops the others.

    Inputs are named relative to `root` (see `display_name`)."""
    rows: list[dict[str, str | None]] = []
    rejected: list[Rejected] = []
    for path in files:
        before_rows, before_rejected = len(rows), len(rejected)
        reader = reader_for(path)
        if reader is None:
            rejected.append(Rejected(str(path), "file", "no reader for this file type"))
            continue
        try:
            for item in reader.read(path):
                if isinstance(item, Rejected):
                    rejected.append(item)
                else:
                    rows.append(_row(item))
        except Exception as err:  # a reader bug must not sink the build
            why = f"reader failed: {type(err).__name__}: {err}"
            rejected.append(Rejected(str(path), "file", why))
        if root is not None:
            full, short = str(path), display_name(path, root)
            for row in rows[before_rows:]:
                row["input"] = (row["input"] or full).replace(full, short, 1)
            rejected[before_rejected:] = [
                Rejected(r.where.replace(full, short, 1), r.what, r.why)
                for r in rejected[before_rejected:]
            ]
    return pl.DataFrame(rows, schema=RAW_SCHEMA), rejected


def rejected_frame(rejected: Iterable[Rejected], *, stage: str = "ingest") -> pl.DataFrame:
    """Rejected inputs as quarantine rows."""
    return pl.DataFrame(
        [{"where": r.where, "what": r.what, "why": r.why, "stage": stage} for r in rejected],
        schema={"where": pl.String, "what": pl.String, "why": pl.String, "stage": pl.String},
    )

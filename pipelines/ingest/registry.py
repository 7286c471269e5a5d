"""Find input files and dispatch each to the reader module that takes its suffix.

Every module of this package with `SUFFIXES` and `read()` is a reader; adding a format is
adding one module. Output: a frame of raw articles and a list of rejected inputs.
"""

from __future__ import annotations

import glob
import hashlib
import importlib
import json
import os
import pkgutil
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

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


def iter_records(
    files: Iterable[Path], *, root: Path | None = None
) -> Iterator[dict[str, str | None] | Rejected]:
    """Raw-article rows and rejections of every file, streamed; one bad file or record never
    stops the others. Inputs are named relative to `root` (see `display_name`)."""
    for path in files:
        full = str(path)
        short = display_name(path, root) if root is not None else full
        reader = reader_for(path)
        if reader is None:
            yield Rejected(short, "file", "no reader for this file type")
            continue
        try:
            for item in reader.read(path):
                if isinstance(item, Rejected):
                    yield Rejected(item.where.replace(full, short, 1), item.what, item.why)
                else:
                    row = _row(item)
                    row["input"] = (row["input"] or full).replace(full, short, 1)
                    yield row
        except Exception as err:  # a reader bug must not sink the build
            yield Rejected(short, "file", f"reader failed: {type(err).__name__}: {err}")


def read_batches(
    files: Iterable[Path], *, root: Path | None = None, batch_size: int = 10_000
) -> Iterator[tuple[pl.DataFrame, list[Rejected]]]:
    """(raw articles, rejected) in batches of at most `batch_size` articles."""
    rows: list[dict[str, str | None]] = []
    rejected: list[Rejected] = []
    for item in iter_records(files, root=root):
        if isinstance(item, Rejected):
            rejected.append(item)
            continue
        rows.append(item)
        if len(rows) >= batch_size:
            yield _frame(rows), rejected
            rows, rejected = [], []
    if rows or rejected:
        yield _frame(rows), rejected


def _frame(rows: list[dict[str, str | None]]) -> pl.DataFrame:
    """Raw-article rows as a frame (built column by column: ~2x cheaper than from dicts)."""
    return pl.DataFrame({k: [r[k] for r in rows] for k in RAW_SCHEMA}, schema=RAW_SCHEMA)


def read_files(
    files: Iterable[Path], *, root: Path | None = None
) -> tuple[pl.DataFrame, list[Rejected]]:
    """All raw articles and rejections of `files` in one frame."""
    frames, rejected = [], []
    for frame, rej in read_batches(files, root=root, batch_size=1 << 62):
        frames.append(frame)
        rejected.extend(rej)
    return (pl.concat(frames) if frames else pl.DataFrame(schema=RAW_SCHEMA)), rejected


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks (memory stays flat for huge inputs)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_manifest(files: Iterable[Path], *, root: Path, known: set[str] = frozenset()  # type: ignore[assignment]
                  ) -> list[dict[str, Any]]:
    """One entry per input file: name (relative to `root`), sha256, bytes, and `skipped`
    when its hash is in `known` (already published by an earlier build)."""
    out = []
    for path in files:
        sha = file_sha256(path)
        out.append({"file": display_name(path, root), "sha256": sha,
                    "bytes": path.stat().st_size, "skipped": sha in known, "path": str(path)})
    return out


def rejected_frame(rejected: Iterable[Rejected], *, stage: str = "ingest") -> pl.DataFrame:
    """Rejected inputs as quarantine rows."""
    return pl.DataFrame(
        [{"where": r.where, "what": r.what, "why": r.why, "stage": stage} for r in rejected],
        schema={"where": pl.String, "what": pl.String, "why": pl.String, "stage": pl.String},
    )

"""Staged asset values: a folder of Parquet parts, named by ingest batch and part number.

Large inputs stream through the graph part by part: each asset reads its upstream parts one
at a time and writes its own, so memory stays flat in the number of articles. A part is named
`<batch>.part-<i>`: part `<batch>.part-<i>` of every table comes from the same slice of ingest
batch `<batch>` (a Dagster partition, see `pipelines.batches`), so tables can be checked part
by part against `articles`, and one batch can be re-staged without touching the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl
import pyarrow.parquet as pq

UNPARTITIONED = "all"  # the batch name of assets that are not partitioned

# Codec of staged parts (intermediate files only; published DuckLake files and releases choose
# their own). Parts are written once and read back by a stage or two, then dropped, so speed
# beats size: lz4 writes ~1.8x faster than polars' default zstd and reads back ~2.5x faster,
# for files ~1.7x larger (10k articles: 13 -> 23 MB). Readers (polars, DuckDB) take any codec.
STAGING_COMPRESSION: Literal["lz4"] = "lz4"


def part_name(batch: str, i: int) -> str:
    return f"{batch}.part-{i:05d}"


def batch_of(path: Path) -> str:
    """The ingest batch a part file belongs to."""
    return path.name.split(".part-", 1)[0]


@dataclass(frozen=True)
class Parts:
    """The Parquet parts of one staged asset: of the given batches, or of all staged ones."""

    folder: Path
    batches: tuple[str, ...] | None = None

    def files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        wanted = None if self.batches is None else set(self.batches)
        return sorted(p for p in self.folder.glob("*.part-*.parquet")
                      if wanted is None or batch_of(p) in wanted)

    def frames(self, columns: list[str] | None = None) -> Iterator[tuple[str, pl.DataFrame]]:
        """(part name, frame) for every part, in order (only `columns` when given)."""
        for path in self.files():
            yield path.stem, pl.read_parquet(path, columns=columns)

    def part(self, name: str, columns: list[str] | None = None) -> pl.DataFrame | None:
        path = self.folder / f"{name}.parquet"
        return pl.read_parquet(path, columns=columns) if path.exists() else None

    def read(self) -> pl.DataFrame:
        """All parts as one frame (for small tables and previews)."""
        files = self.files()
        return pl.concat([pl.read_parquet(f) for f in files], how="vertical_relaxed") if files \
            else pl.DataFrame()

    def head(self, n: int = 10) -> pl.DataFrame:
        files = self.files()
        return pl.read_parquet(files[0], n_rows=n) if files else pl.DataFrame()

    @property
    def rows(self) -> int:
        return sum(pq.ParquetFile(f).metadata.num_rows for f in self.files())


class PartWriter:
    """Writes an asset's parts for some batches; starting a writer clears those batches'
    previous parts (other batches' parts stay)."""

    def __init__(self, folder: Path, batches: Iterable[str] = (UNPARTITIONED,)) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.parts = Parts(folder, tuple(batches))
        for old in self.parts.files():
            old.unlink()

    def write(self, name: str, frame: pl.DataFrame) -> None:
        """Write one part atomically (a reader never sees half a file)."""
        self.rewrite(self.parts, name, frame)

    @staticmethod
    def rewrite(parts: Parts, name: str, frame: pl.DataFrame) -> None:
        """Replace (or add) one part of an existing staged asset, atomically."""
        path = parts.folder / f"{name}.parquet"
        write_part(frame, path)


def write_part(frame: pl.DataFrame, path: Path) -> None:
    """Write one staged part atomically (via a temp file), with the staging codec."""
    tmp = path.with_suffix(".tmp")
    frame.write_parquet(tmp, compression=STAGING_COMPRESSION)
    tmp.replace(path)

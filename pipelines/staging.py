"""Staged asset values: a folder of Parquet parts, one per ingest batch.

Large inputs stream through the graph batch by batch: each asset reads its upstream parts one
at a time and writes its own, so memory stays flat in the number of articles. Part `i` of every
table comes from ingest batch `i`, so tables can be checked part by part against `articles`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq


@dataclass(frozen=True)
class Parts:
    """The Parquet parts of one staged asset."""

    folder: Path

    def files(self) -> list[Path]:
        return sorted(self.folder.glob("part-*.parquet"))

    def frames(self) -> Iterator[tuple[str, pl.DataFrame]]:
        """(part name, frame) for every part, in order."""
        for path in self.files():
            yield path.stem, pl.read_parquet(path)

    def part(self, name: str) -> pl.DataFrame | None:
        path = self.folder / f"{name}.parquet"
        return pl.read_parquet(path) if path.exists() else None

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
    """Writes an asset's parts; starting a writer clears the asset's previous parts."""

    def __init__(self, folder: Path) -> None:
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        self.parts = Parts(folder)

    def write(self, name: str, frame: pl.DataFrame) -> None:
        """Write one part atomically (a reader never sees half a file)."""
        self.rewrite(self.parts, name, frame)

    @staticmethod
    def rewrite(parts: Parts, name: str, frame: pl.DataFrame) -> None:
        """Replace (or add) one part of an existing staged asset, atomically."""
        path = parts.folder / f"{name}.parquet"
        tmp = path.with_suffix(".tmp")
        frame.write_parquet(tmp)
        tmp.replace(path)


def part_name(i: int) -> str:
    return f"part-{i:05d}"

"""Staged parts: written atomically with the staging codec, read back unchanged."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
from polars.testing import assert_frame_equal

from pipelines.batch import _write
from pipelines.staging import Parts, PartWriter


def _codec(path: Path) -> str:
    return str(pq.ParquetFile(path).metadata.row_group(0).column(0).compression)


def test_staged_parts_use_the_fast_codec_and_round_trip(tmp_path: Path) -> None:
    frame = pl.DataFrame({"id": ["a", "b"], "text": ["x " * 50, None], "n": [1, 2]})
    PartWriter(tmp_path / "t").write("all.part-00000", frame)
    _write(frame, str(tmp_path / "b.parquet"))
    for path in (tmp_path / "t" / "all.part-00000.parquet", tmp_path / "b.parquet"):
        assert _codec(path).startswith("LZ4")
        assert_frame_equal(pl.read_parquet(path), frame)
    assert not list(tmp_path.rglob("*.tmp"))
    assert Parts(tmp_path / "t").rows == 2

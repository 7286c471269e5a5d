"""Dagster resources: where the warehouse is, what to read, and how assets are staged."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import polars as pl

from pipelines.staging import UNPARTITIONED, Parts, PartWriter, part_name
from pipelines.warehouse import resolve

SOURCES_ENV = "NEWSFACTS_SOURCES"
DEFAULT_SOURCES = str(Path(__file__).resolve().parents[1] / "seeds" / "articles")


def staging_folder(warehouse: str, key: dg.AssetKey) -> Path:
    """Where an asset's parts live: <warehouse>/staging/<asset>/."""
    return resolve(warehouse or None) / "staging" / "__".join(key.path)


class Settings(dg.ConfigurableResource):
    """Build settings; empty fields fall back to $NEWSFACTS_WAREHOUSE / $NEWSFACTS_SOURCES.

    `batch_size` articles are read, cleaned and extracted at a time (memory stays flat);
    `workers` processes extract batches in parallel (0: one per core).
    """

    warehouse: str = ""
    sources: list[str] = []  # noqa: RUF012 (pydantic copies field defaults)
    full_refresh: bool = False
    batch_size: int = 10_000
    workers: int = 0
    progress: bool = False

    def warehouse_dir(self) -> Path:
        return resolve(self.warehouse or None)

    def source_list(self) -> list[str]:
        if self.sources:
            return list(self.sources)
        env = os.environ.get(SOURCES_ENV)
        return env.split(os.pathsep) if env else [DEFAULT_SOURCES]

    def writer(self, asset: str, batches: Sequence[str] = (UNPARTITIONED,)) -> PartWriter:
        """A part writer for an asset's staged output of these ingest batches (their
        previous parts are cleared)."""
        return PartWriter(staging_folder(self.warehouse, dg.AssetKey(asset)), batches)

    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1


class StagingIOManager(dg.ConfigurableIOManager):
    """Asset values are folders of Parquet parts under <warehouse>/staging/<asset>/; a
    partitioned input is the parts of the requested ingest batches."""

    warehouse: str = ""

    def handle_output(self, context: dg.OutputContext, obj: Parts | pl.DataFrame) -> None:
        folder = staging_folder(self.warehouse, context.asset_key)
        if isinstance(obj, Parts):
            if obj.folder.resolve() != folder.resolve():
                raise ValueError(f"{context.asset_key.to_user_string()} staged in {obj.folder}, "
                                 f"expected {folder}")
            return
        PartWriter(folder).write(part_name(UNPARTITIONED, 0), obj)

    def load_input(self, context: dg.InputContext) -> Parts:
        folder = staging_folder(self.warehouse, context.asset_key)
        if not folder.exists():
            raise FileNotFoundError(
                f"{context.asset_key.to_user_string()} has not been materialised yet ({folder})"
            )
        batches = tuple(context.asset_partition_keys) if context.has_asset_partitions else None
        return Parts(folder, batches)

"""Dagster resources: where the warehouse is, what to read, and how assets are staged."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import polars as pl

from pipelines.warehouse import resolve

SOURCES_ENV = "NEWSFACTS_SOURCES"
DEFAULT_SOURCES = str(Path(__file__).resolve().parents[1] / "seeds" / "articles")


class Settings(dg.ConfigurableResource):
    """Build settings; empty fields fall back to $NEWSFACTS_WAREHOUSE / $NEWSFACTS_SOURCES."""

    warehouse: str = ""
    sources: list[str] = []  # noqa: RUF012 (pydantic copies field defaults)
    full_refresh: bool = False

    def warehouse_dir(self) -> Path:
        return resolve(self.warehouse or None)

    def source_list(self) -> list[str]:
        if self.sources:
            return list(self.sources)
        env = os.environ.get(SOURCES_ENV)
        return env.split(os.pathsep) if env else [DEFAULT_SOURCES]


class StagingIOManager(dg.ConfigurableIOManager):
    """Keeps each asset's frame as Parquet under <warehouse>/staging/, written atomically."""

    warehouse: str = ""

    def _path(self, key: dg.AssetKey) -> Path:
        return resolve(self.warehouse or None) / "staging" / f"{'__'.join(key.path)}.parquet"

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame) -> None:
        path = self._path(context.asset_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".parquet.tmp")
        obj.write_parquet(tmp)
        tmp.replace(path)

    def load_input(self, context: dg.InputContext) -> pl.DataFrame:
        path = self._path(context.asset_key)
        if not path.exists():
            raise FileNotFoundError(
                f"{context.asset_key.to_user_string()} has not been materialised yet ({path})"
            )
        return pl.read_parquet(path)

"""The newsfacts Dagster code location: `dagster dev -m pipelines.definitions` or `newsfacts ui`."""

from __future__ import annotations

import dagster as dg

from pipelines.assets import clean_articles, extract_mentions, quarantine, raw_articles, snapshot
from pipelines.checks import ASSET_CHECKS
from pipelines.resources import Settings, StagingIOManager

ASSETS = [raw_articles, clean_articles, extract_mentions, quarantine, snapshot]
build_job = dg.define_asset_job("build", selection=dg.AssetSelection.all(),
                                description="Read the sources, extract, validate and publish "
                                "one new warehouse version.")


def make_definitions(warehouse: str = "", sources: list[str] | None = None,
                     full_refresh: bool = False) -> dg.Definitions:
    """Definitions bound to a warehouse and sources (empty: from the environment)."""
    return dg.Definitions(
        assets=ASSETS,
        asset_checks=ASSET_CHECKS,
        jobs=[build_job],
        resources={
            "settings": Settings(warehouse=warehouse, sources=sources or [],
                                 full_refresh=full_refresh),
            "io_manager": StagingIOManager(warehouse=warehouse),
        },
    )


defs = make_definitions()

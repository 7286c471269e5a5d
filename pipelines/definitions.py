"""The newsfacts Dagster code location: `dagster dev -m pipelines.definitions` or `newsfacts ui`."""

from __future__ import annotations

import dagster as dg

from pipelines.assets import clean_articles, extract_mentions, quarantine, raw_articles, snapshot
from pipelines.checks import ASSET_CHECKS
from pipelines.resources import Settings, StagingIOManager
from pipelines.sensors import make_inbox_sensor

ASSETS = [raw_articles, clean_articles, extract_mentions, quarantine, snapshot]
build_job = dg.define_asset_job("build", selection=dg.AssetSelection.all(),
                                description="Read the sources, extract, validate and publish "
                                "one new warehouse version.")


def make_definitions(settings: Settings | None = None) -> dg.Definitions:
    """Definitions bound to build settings (default: warehouse and sources from the
    environment, as `newsfacts ui` sets them)."""
    settings = settings or Settings()
    return dg.Definitions(
        assets=ASSETS,
        asset_checks=ASSET_CHECKS,
        jobs=[build_job],
        sensors=[make_inbox_sensor(build_job)],
        resources={
            "settings": settings,
            "io_manager": StagingIOManager(warehouse=settings.warehouse),
        },
    )


defs = make_definitions()

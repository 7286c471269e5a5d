"""`newsfacts ui` serves the asset graph with its checks on 127.0.0.1; a UI-launched run
publishes a version just like the CLI. Driven over the UI's own GraphQL API."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from dagster_graphql import DagsterGraphQLClient

from pipelines.warehouse import read_table, versions

ASSET_QUERY = """
query { assetNodes { assetKey { path } hasAssetChecks assetChecksOrError {
  ... on AssetChecks { checks { name blocking } } } } }
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_ui_serves_graph_and_materialises(tmp_path: Path, example_dir: Path) -> None:
    port = _free_port()
    warehouse = tmp_path / "wh"
    exe = Path(sys.executable).with_name("newsfacts")
    log = open(tmp_path / "ui.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(exe), "ui", str(example_dir), "--port", str(port), "--warehouse", str(warehouse)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        deadline = time.time() + 180
        nodes = None
        while time.time() < deadline:
            try:
                reply = requests.post(url, json={"query": ASSET_QUERY}, timeout=10).json()
                nodes = reply.get("data", {}).get("assetNodes")
                if nodes:
                    break
            except requests.RequestException:
                pass
            assert proc.poll() is None, (tmp_path / "ui.log").read_text()[-3000:]
            time.sleep(1)
        assert nodes, "the UI did not serve the asset graph in time"
        keys = {"/".join(n["assetKey"]["path"]) for n in nodes}
        assert {"raw_articles", "articles", "entities", "figures", "dates", "snapshot"} <= keys
        checks = {c["name"]: c["blocking"] for n in nodes if n["hasAssetChecks"]
                  for c in n["assetChecksOrError"]["checks"]}
        assert checks["entities_offsets"] is True and checks["articles_have_dates"] is False

        # `newsfacts ui` registered the sources as an ingest batch (a partition)
        (record,) = (warehouse / "batches").glob("*.json")
        client = DagsterGraphQLClient("127.0.0.1", port_number=port, timeout=30)
        run_id = client.submit_job_execution(
            "build", repository_location_name="pipelines.definitions",
            repository_name="__repository__", tags={"dagster/partition": record.stem},
        )
        status = None
        while time.time() < deadline + 240:
            status = client.get_run_status(run_id).value
            if status in {"SUCCESS", "FAILURE", "CANCELED"}:
                break
            time.sleep(2)
        assert status == "SUCCESS", (tmp_path / "ui.log").read_text()[-3000:]
        assert len(versions(warehouse)) == 1
        assert read_table(warehouse, "articles").height == 1
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()

"""The `newsfacts` console script as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXE = str(Path(sys.executable).with_name("newsfacts"))


def nf(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


@pytest.mark.slow
def test_build_query_versions_json(tmp_path: Path, example_dir: Path) -> None:
    wh = str(tmp_path / "wh")
    built = nf("build", str(example_dir), "--warehouse", wh)
    assert built.returncode == 0, built.stderr
    assert "Published version" in built.stdout and "entities" in built.stdout
    q = nf("query", "select type, count(*) as n from entities group by 1 order by 1",
           "--format", "json", "--warehouse", wh)
    assert q.returncode == 0, q.stderr
    rows = json.loads(q.stdout)
    assert {r["type"] for r in rows} >= {"PERSON", "ORG", "PLACE"}
    csv_out = nf("query", "select count(*) as n from articles", "--format", "csv",
                 "--warehouse", wh)
    assert csv_out.stdout.splitlines() == ["n", "1"]
    versions = json.loads(nf("versions", "--format", "json", "--warehouse", wh).stdout)
    assert len(versions) == 1 and versions[0]["changed"] == "yes"
    again = nf("build", str(example_dir), "--warehouse", wh)
    assert "nothing new" in again.stdout
    refused = nf("query", "drop table entities", "--warehouse", wh)
    assert refused.returncode == 2 and "read-only" in refused.stderr


def test_env_var_picks_the_warehouse(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "NEWSFACTS_WAREHOUSE": str(tmp_path / "nowhere")}
    out = subprocess.run([EXE, "query", "select 1"], capture_output=True, text=True, env=env)
    assert out.returncode == 2 and str(tmp_path / "nowhere") in out.stderr


def test_help_lists_commands() -> None:
    out = nf("--help")
    for command in ("build", "query", "versions", "ui", "eval"):
        assert command in out.stdout

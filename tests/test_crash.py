"""Crash safety with real processes: `kill -9` of `newsfacts build` at several points (also
inside the publish transaction) leaves the previous version complete and the next build
succeeds; readers see the old version or the new one, never a mix; a second concurrent build
is refused with a clear message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pipelines.build import build
from pipelines.housekeeping import PAUSE_ENV, PAUSED_MARKER, gc
from pipelines.warehouse import LAKE, open_lake, versions
from schemas.tables import TABLES
from tests.conftest import SEEDS

EXE = str(Path(sys.executable).with_name("newsfacts"))

pytestmark = pytest.mark.slow


def start(warehouse: Path, source: Path, log: Path, **env: str) -> subprocess.Popen[bytes]:
    """`newsfacts build SOURCE` as its own process group, output to log files."""
    return subprocess.Popen(
        [EXE, "build", str(source), "--warehouse", str(warehouse)],
        stdout=open(log.with_suffix(".out"), "wb"), stderr=open(log.with_suffix(".err"), "wb"),
        env={**os.environ, **env}, start_new_session=True,
    )


def kill9(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)


def state(warehouse: Path) -> dict[str, Any]:
    """The latest version and its tables, checked complete: every table reads in full and its
    row count is the count the build recorded for that version."""
    found = versions(warehouse)
    latest = found[-1]
    with open_lake(warehouse) as con:
        counts = {}
        for table in (*TABLES, "builds"):
            rows = con.execute(
                f"select * from {LAKE}.{table} at (version => {latest.version})").fetchall()
            counts[table] = len(rows)
    assert {t: counts[t] for t in TABLES} == latest.info["counts"], "a mixed or partial version"
    assert counts["builds"] == latest.build_id
    return {"versions": [v.version for v in found], "counts": counts}


def wait_for(path: Path, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, "the build ended before reaching publish"
        assert time.monotonic() < deadline, f"no {path.name} after {timeout}s"
        time.sleep(0.05)


def build_ok(warehouse: Path, source: Path, log: Path) -> None:
    proc = start(warehouse, source, log)
    assert proc.wait(180) == 0, log.with_suffix(".err").read_text()


def _feed(folder: Path) -> Path:
    folder.mkdir()
    rows = [{"id": f"n{i}", "title": f"Story {i}", "published": "2024-07-01T09:00:00Z",
             "text": f"Kim Jong Un met Vladimir Putin in Pyongyang on Monday, story {i}. "
                     "Russia pledged $115 million in aid, officials said."}
            for i in range(3)]
    (folder / "news.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


def test_kill_9_at_any_point_keeps_the_previous_version(tmp_path: Path, example_dir: Path
                                                        ) -> None:
    wh = tmp_path / "wh"
    assert build(wh, [str(example_dir)]) == 0  # the first version, in-process (quicker)
    before = state(wh)
    for delay in (0.5, 1.5, 3.0):
        proc = start(wh, SEEDS, tmp_path / f"kill{delay}")
        time.sleep(delay)
        finished = proc.poll() is not None
        if not finished:
            kill9(proc)
        now = state(wh)  # complete either way
        if not finished:
            assert now == before, f"killed after {delay}s changed the warehouse"

    # inside the publish transaction: data files written, catalog not committed
    small = _feed(tmp_path / "small")
    proc = start(wh, small, tmp_path / "inpublish", **{PAUSE_ENV: "120"})
    wait_for(wh / PAUSED_MARKER, proc)
    kill9(proc)
    assert state(wh) == before
    (wh / PAUSED_MARKER).unlink(missing_ok=True)

    # the next build succeeds and publishes a complete new version
    build_ok(wh, small, tmp_path / "next")
    after = state(wh)
    assert len(after["versions"]) == len(before["versions"]) + 1
    assert after["counts"]["articles"] == before["counts"]["articles"] + 3
    # files the killed publish wrote are orphans nothing references; gc removes them
    result = gc(wh, keep=10)
    assert result.orphaned_files and not any(Path(f).exists() for f in result.orphaned_files)
    assert state(wh) == after


def test_readers_see_old_or_new_and_a_second_build_is_refused(tmp_path: Path,
                                                               example_dir: Path) -> None:
    wh = tmp_path / "wh"
    assert build(wh, [str(example_dir)]) == 0  # the first version, in-process (quicker)
    old = state(wh)
    source = _feed(tmp_path / "more")
    proc = start(wh, source, tmp_path / "slow", **{PAUSE_ENV: "120"})
    seen: set[int] = set()
    wait_for(wh / PAUSED_MARKER, proc)
    # a second build while the first is publishing: refused, clearly, nothing touched
    second = subprocess.run([EXE, "build", str(source), "--warehouse", str(wh)],
                            capture_output=True, text=True, timeout=120)
    assert second.returncode != 0
    assert "another build is publishing" in second.stderr
    # a reader in another process during the publish sees the old version
    q = subprocess.run([EXE, "query", "select count(*) from articles", "--format", "csv",
                        "--warehouse", str(wh)], capture_output=True, text=True, timeout=60)
    assert q.returncode == 0, q.stderr
    assert q.stdout.splitlines()[1] == str(old["counts"]["articles"])
    assert state(wh) == old and (wh / PAUSED_MARKER).exists()  # still paused
    seen.add(old["versions"][-1])
    (wh / PAUSED_MARKER).unlink()  # let the build commit
    while proc.poll() is None:  # and readers here see old or new, each complete
        seen.add(state(wh)["versions"][-1])
        time.sleep(0.1)
    assert proc.returncode == 0, (tmp_path / "slow.err").read_text()
    new = state(wh)
    seen.add(new["versions"][-1])
    assert seen == {old["versions"][-1], new["versions"][-1]}
    assert new["counts"]["articles"] == old["counts"]["articles"] + 3
    assert not (wh / PAUSED_MARKER).exists()

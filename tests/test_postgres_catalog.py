"""Past one machine: two builds publish at the same time to one DuckLake catalog in PostgreSQL.

Starts a real PostgreSQL server (Debian's `postgresql` package: initdb and pg_ctl under
/usr/lib/postgresql/*/bin, run as the `postgres` user when the tests run as root) on a free
loopback port in a temp dir, then runs two `newsfacts build` processes on the two halves of a
small JSON Lines set in parallel, each with its own warehouse directory and the same
`--catalog postgres:...`. Both pause inside their publish transaction so the publishes overlap:
one commit conflicts in DuckLake and that publish runs again from the new snapshot. The tables
must then hold the union of both halves, with no duplicate ids, valid offsets and two versions.
Skips when the PostgreSQL binaries are absent.
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.warehouse import CATALOG_ENV, LAKE, known_input_hashes, open_lake, versions

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "articles" / "default_news_300.jsonl.gz"
HALF = 15


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


PG_BIN = _pg_bin()
pytestmark = pytest.mark.skipif(
    PG_BIN is None, reason="PostgreSQL binaries (initdb, pg_ctl) not found: "
    "`apt-get install -y postgresql` (.ci/run does it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL server with an empty database; yields the catalog spec."""
    assert PG_BIN is not None
    base = Path(tempfile.mkdtemp(prefix="newsfacts-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as `postgres`
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no `postgres` user to run the server")
        os.chown(base, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    os.chmod(base, 0o700)
    port = _free_port()
    data = base / "data"

    def run(*cmd: str) -> None:
        subprocess.run([*as_user, *cmd], check=True, capture_output=True, timeout=60)

    run(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w", "-o",
        f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    try:
        run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
            "lake")
        yield f"postgres:dbname=lake host=127.0.0.1 port={port} user=postgres"
    finally:
        run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def _halves(tmp: Path) -> tuple[Path, Path, list[str], list[str]]:
    with gzip.open(SEED, "rt", encoding="utf-8") as fh:
        lines = [line for line, _ in zip(fh, range(2 * HALF), strict=False)]
    dirs, ids = [], []
    for name, part in (("a", lines[:HALF]), ("b", lines[HALF:])):
        folder = tmp / f"in_{name}"
        folder.mkdir()
        (folder / f"{name}.jsonl").write_text("".join(part), encoding="utf-8")
        dirs.append(folder)
        ids.append([json.loads(line)["id"] for line in part])
    return dirs[0], dirs[1], ids[0], ids[1]


def test_two_builds_publish_concurrently(postgres: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    in_a, in_b, ids_a, ids_b = _halves(tmp_path)
    env = {**os.environ, "NEWSFACTS_TEST_PAUSE_IN_PUBLISH": "3", "PYTHONPATH": str(ROOT)}
    env.pop(CATALOG_ENV, None)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "build", str(src), "--warehouse",
             str(tmp_path / f"wh_{name}"), "--catalog", postgres, "--quiet", "--format", "json"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name, src in (("a", in_a), ("b", in_b))
    ]
    outs = [p.communicate(timeout=150) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-3000:]
    summaries = [json.loads(out.splitlines()[0]) for out, _ in outs]
    pauses = sum(err.count("paused in publish") for _, err in outs)
    print(f"publish attempts: {pauses} (3 = one conflict retried)")

    monkeypatch.setenv(CATALOG_ENV, postgres)
    warehouse = tmp_path / "wh_a"
    # each worker sees the input files the other published (a re-run skips them by hash)
    sha = {hashlib.sha256(f.read_bytes()).hexdigest() for d in (in_a, in_b) for f in d.iterdir()}
    assert sha <= known_input_hashes(tmp_path / "wh_b")
    found = versions(warehouse)
    assert len(found) == 2
    assert sorted(v.build_id for v in found) == [1, 2]  # no build_id collision
    with open_lake(warehouse) as con:
        def one(sql: str) -> int:
            row = con.execute(sql).fetchone()
            assert row is not None
            return int(row[0])

        builds = con.execute(f"select build_id from {LAKE}.builds order by 1").fetchall()
        assert builds == [(1,), (2,)]
        # complete: the union of both halves, each build adding its own half
        published = {r[0] for r in con.execute(f"select source_id from {LAKE}.articles").fetchall()}
        added = sum(s["added"]["articles"] for s in summaries)
        assert published <= set(ids_a) | set(ids_b)
        assert published & set(ids_a) and published & set(ids_b)
        assert len(published) == added == one(f"select count(*) from {LAKE}.articles")
        assert max(s["totals"]["articles"] for s in summaries) == added
        # consistent: unique ids and keys, every mention points at an article, offsets valid
        assert one(f"select count(distinct article_id) from {LAKE}.articles") == added
        for table, kind in (("entities", "type"), ("figures", "kind"), ("dates", "timex_type")):
            total = one(f"select count(*) from {LAKE}.{table}")
            assert total > 0
            assert one(f'select count(*) from (select distinct article_id, start, "end", {kind} '
                       f"from {LAKE}.{table})") == total, f"duplicate {table} rows"
            assert one(f"select count(*) from {LAKE}.{table} m anti join {LAKE}.articles a "
                       "using (article_id)") == 0
            assert one(f"select count(*) from {LAKE}.{table} m join {LAKE}.articles a using "
                       '(article_id) where substring(a.text, m.start + 1, m."end" - m.start) '
                       "<> m.text") == 0, f"{table} offsets"
            assert one(f"select count(*) from {LAKE}.{table} where build_id not in (1, 2)") == 0
        # each article's rows carry the build that added it
        assert one(f"select count(*) from {LAKE}.entities e join {LAKE}.articles a using "
                   "(article_id) where e.build_id <> a.build_id") == 0

    # housekeeping on the shared catalog: keep the last version, the data stay complete
    gc = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "gc", "--keep", "1", "--warehouse",
         str(warehouse), "--catalog", postgres], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120)
    assert gc.returncode == 0, gc.stderr[-3000:]
    assert len(versions(warehouse)) == 1
    with open_lake(warehouse) as con:
        row = con.execute(f"select count(distinct article_id) from {LAKE}.articles").fetchone()
        assert row is not None and row[0] == added

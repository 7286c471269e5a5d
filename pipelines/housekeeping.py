"""Housekeeping: `newsfacts gc` (expire old versions, delete files nothing references) and the
test hook that pauses a build inside its publish transaction."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.warehouse import LAKE, WarehouseError, open_lake, shared_catalog, versions

PAUSE_ENV = "NEWSFACTS_TEST_PAUSE_IN_PUBLISH"
PAUSED_MARKER = ".paused-in-publish"


def pause_in_publish(warehouse: Path) -> None:
    """Crash-safety test hook, called inside the publish transaction just before commit: when
    $NEWSFACTS_TEST_PAUSE_IN_PUBLISH is set to N seconds, create <warehouse>/.paused-in-publish
    and wait up to N seconds, or until a test deletes that file (a test kills the build or
    queries the warehouse meanwhile)."""
    seconds = os.environ.get(PAUSE_ENV)
    if not seconds:
        return
    marker = warehouse / PAUSED_MARKER
    marker.write_text(str(os.getpid()))
    print(f"newsfacts: paused in publish for up to {seconds}s ({PAUSE_ENV})", file=sys.stderr,
          flush=True)
    deadline = time.monotonic() + float(seconds)
    try:
        while marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        marker.unlink(missing_ok=True)


@dataclass
class GcResult:
    kept: list[int]
    expired: list[int]
    deleted_files: list[str] = field(default_factory=list)
    orphaned_files: list[str] = field(default_factory=list)


def gc(warehouse: Path, keep: int, *, dry_run: bool = False) -> GcResult:
    """Keep the last `keep` published versions: expire every older snapshot and delete the data
    files no kept version references (plus orphans left by a build that crashed while
    publishing). Holds the build lock, so it never races a build."""
    if keep < 1:
        raise WarehouseError("--keep must be at least 1 (the latest version is always kept)")
    from pipelines.publish import build_lock  # publish imports this module (the test hook)

    with build_lock(warehouse), open_lake(warehouse, read_only=False) as con:
        published = [v.version for v in versions(warehouse)]
        kept = published[-keep:]
        old = [int(r[0]) for r in con.execute(
            f"select snapshot_id from {LAKE}.snapshots() where snapshot_id < ? "
            "order by snapshot_id", [kept[0] if kept else 0]).fetchall()]
        expired = [v for v in published if v in set(old)]
        if old:
            con.execute(f"call ducklake_expire_snapshots('{LAKE}', dry_run => ?, versions => ?)",
                        [dry_run, old])
        deleted = [r[0] for r in con.execute(
            f"call ducklake_cleanup_old_files('{LAKE}', dry_run => ?, cleanup_all => true)",
            [dry_run]).fetchall()]
        # the build lock covers this warehouse only: with a catalog shared by several workers
        # (PostgreSQL), a file younger than a day may belong to another worker's open publish
        recent = ("older_than => now() - interval 1 day" if shared_catalog() is not None
                  else "cleanup_all => true")
        orphans = [r[0] for r in con.execute(
            f"call ducklake_delete_orphaned_files('{LAKE}', dry_run => ?, {recent})",
            [dry_run]).fetchall()]
    return GcResult(kept=kept, expired=expired, deleted_files=deleted, orphaned_files=orphans)

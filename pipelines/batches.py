"""Ingest batches: the Dagster partitions of the asset graph.

Every build and every inbox sensor tick registers one ingest batch: a named set of sources
(files, folders, globs) recorded in `<warehouse>/batches/<batch>.json`. raw_articles, articles
and the extracted tables are partitioned by batch, so the UI lists each batch with its row
counts, one batch can be re-run on its own, and a backfill of many batches runs as one run
whose batches are read, cleaned and extracted in parallel on every core. The snapshot asset is
not partitioned: it publishes whatever batches are staged as one new warehouse version.

A batch's name is `<first source's name>-<digest>`; the digest covers the sources and the
size and modification time of every file in them, so the same unchanged inputs map to the
same batch (re-running it adds nothing) and changed inputs get a new one.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from pipelines.ingest.registry import discover

INGEST_BATCHES = dg.DynamicPartitionsDefinition(name="ingest_batches")
FOLDER = "batches"  # <warehouse>/batches/<batch>.json


def batch_key(sources: Sequence[str]) -> str:
    """The batch name for these sources as they are on disk now."""
    files, _, _ = discover(sources)
    digest = hashlib.sha256()
    for source in sources:
        digest.update(f"source {source}\n".encode())
    for path in files:
        st = path.stat()
        digest.update(f"file {path} {st.st_size} {st.st_mtime_ns}\n".encode())
    first = Path(sources[0]).name if sources else "none"
    slug = re.sub(r"[^a-z0-9]+", "-", first.lower()).strip("-")[:40] or "input"
    return f"{slug}-{digest.hexdigest()[:12]}"


def record_batch(warehouse: Path, sources: Sequence[str]) -> str:
    """Write the batch record for `sources`; returns the batch name (a partition key)."""
    sources = [str(Path(s).resolve()) if Path(s).exists() else s for s in sources]
    key = batch_key(sources)
    folder = warehouse / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.json"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"batch": key, "sources": sources}, indent=1))
        tmp.replace(path)
    return key


def register_batch(instance: dg.DagsterInstance, warehouse: Path, sources: Sequence[str]) -> str:
    """Record the batch and add it to the instance's `ingest_batches` partitions."""
    key = record_batch(warehouse, sources)
    if not instance.has_dynamic_partition(INGEST_BATCHES.name or "", key):
        instance.add_dynamic_partitions(INGEST_BATCHES.name or "", [key])
    return key


def batch_sources(warehouse: Path, key: str) -> list[str]:
    """The sources of a recorded batch."""
    path = warehouse / FOLDER / f"{key}.json"
    if not path.exists():
        raise dg.Failure(f"ingest batch {key!r} has no record at {path}; register batches with "
                         "`newsfacts build` or the inbox sensor")
    return list(json.loads(path.read_text())["sources"])

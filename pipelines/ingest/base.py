"""The raw-article shape every reader yields, and the quarantine record for what it rejects.

A reader is a module in this package with `SUFFIXES` (the file endings it takes) and
`read(path: Path) -> Iterator[RawArticle | Rejected]`; `pipelines.ingest.registry` finds it.
Adding an input format is adding one such module.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RawArticle:
    """One article as read, before cleaning."""

    text: str
    input: str  # file path and record, e.g. "news.jsonl.gz:17"
    source_id: str | None = None
    url: str | None = None
    source: str | None = None
    title: str | None = None
    published: str | None = None  # as written; parsed by `parse_published`
    language: str | None = None  # a hint from the input, if any
    metadata: dict[str, Any] = field(default_factory=dict)
    raw_sha256: str | None = None  # sha256 of the original bytes of the record/file

    @property
    def content_sha256(self) -> str:
        return self.raw_sha256 or hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Rejected:
    """An input (file, line, record) that could not be read, and why."""

    where: str
    what: str
    why: str


_FORMATS = ("%b %d, %Y - %H:%M", "%B %d, %Y - %H:%M", "%b %d, %Y", "%B %d, %Y", "%d %B %Y",
            "%a, %d %b %Y %H:%M:%S %z", "%a, %d %b %Y %H:%M:%S %Z", "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M")


def parse_published(value: str | datetime | None) -> datetime | None:
    """A publication time as an aware UTC datetime; a time without a zone is taken as UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        s = value.strip()
        if not s:
            return None
        try:
            dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError:
            for fmt in _FORMATS:
                try:
                    dt = datetime.strptime(s, fmt)
                    break
                except ValueError:
                    continue
            else:
                return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def read_capped(path: Path, max_bytes: int, *, what: str = "file") -> bytes | Rejected:
    """A whole input file's bytes, or a Rejected row when it is empty, unreadable or larger
    than `max_bytes` (formats that cannot be streamed are read whole, within that cap)."""
    where = str(path)
    try:
        size = path.stat().st_size
        if size == 0:
            return Rejected(where, "file", "empty file")
        if size > max_bytes:
            return Rejected(where, "file", f"{what} of {size:,} bytes exceeds {max_bytes:,}")
        return path.read_bytes()
    except OSError as err:
        return Rejected(where, "file", f"unreadable: {err}")

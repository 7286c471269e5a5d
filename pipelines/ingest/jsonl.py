"""JSON Lines articles (.jsonl, .jsonl.gz): one object a line with id, title, published, text,
url, source; every other field is kept as metadata."""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from collections.abc import Iterator
from pathlib import Path

from pipelines.ingest.base import RawArticle, Rejected

SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
_KNOWN = {"id", "title", "published", "text", "url", "source", "language"}


def _str(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def read(path: Path) -> Iterator[RawArticle | Rejected]:
    """Articles of one JSON Lines file; bad lines become `Rejected` rows and reading goes on."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    n = 0
    try:
        with opener(path, "rb") as fh:
            for n, raw in enumerate(fh, start=1):
                where = f"{path}:{n}"
                if not raw.strip():
                    continue
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as err:
                    why = f"not UTF-8 ({err.reason} at byte {err.start})"
                    yield Rejected(where, "record", why)
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as err:
                    why = f"malformed JSON: {err.msg} at column {err.colno}"
                    yield Rejected(where, "record", why)
                    continue
                if not isinstance(rec, dict):
                    why = f"expected a JSON object, got {type(rec).__name__}"
                    yield Rejected(where, "record", why)
                    continue
                text = rec.get("text")
                if not isinstance(text, str) or not text.strip():
                    yield Rejected(where, "record", "missing or empty 'text' field")
                    continue
                yield RawArticle(
                    text=text,
                    input=where,
                    source_id=_str(rec.get("id")),
                    url=_str(rec.get("url")),
                    source=_str(rec.get("source")),
                    title=_str(rec.get("title")),
                    published=_str(rec.get("published")),
                    language=_str(rec.get("language")),
                    metadata={k: v for k, v in rec.items() if k not in _KNOWN},
                    raw_sha256=hashlib.sha256(raw.rstrip(b"\r\n")).hexdigest(),
                )
    except (OSError, EOFError, zlib.error) as err:
        yield Rejected(f"{path}:{n + 1}" if n else str(path), "file", f"unreadable: {err}")

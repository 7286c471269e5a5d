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

try:  # ISA-L's port of the gzip module: the same bytes, inflated ~3x faster than with zlib
    from isal import igzip as _igzip
except ImportError:  # pragma: no cover - optional; gzip then reads every file
    _igzip = None  # type: ignore[assignment]

SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
_KNOWN = {"id", "title", "published", "text", "url", "source", "language"}


def _str(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def read(path: Path) -> Iterator[RawArticle | Rejected]:
    """Articles of one JSON Lines file; bad lines become `Rejected` rows and reading goes on.

    A .gz file is inflated with ISA-L when installed; if that fails anywhere (a cut or corrupt
    file), gzip reads the file again and goes on after the lines already given, so the
    rejection reads as it always has."""
    gz = path.name.lower().endswith(".gz")
    done = 0  # lines already given by the fast reader
    if gz and _igzip is not None:
        try:
            with _igzip.open(path, "rb") as fh:
                for done, raw in enumerate(fh, start=1):
                    yield from _record(path, done, raw)
            return
        except Exception:  # any failure: gzip reads the file again, below
            pass  # gzip goes on after line `done`, and words the error as it always did
    opener = gzip.open if gz else open
    n = 0
    try:
        with opener(path, "rb") as fh:
            for n, raw in enumerate(fh, start=1):
                if n > done:
                    yield from _record(path, n, raw)
    except (OSError, EOFError, zlib.error) as err:
        yield Rejected(f"{path}:{n + 1}" if n else str(path), "file", f"unreadable: {err}")


def _record(path: Path, n: int, raw: bytes) -> Iterator[RawArticle | Rejected]:
    """The article (or rejection) of line `n` (1-based); `raw` as read, line end included."""
    where = f"{path}:{n}"
    if not raw.strip():
        return
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        why = f"not UTF-8 ({err.reason} at byte {err.start})"
        yield Rejected(where, "record", why)
        return
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as err:
        why = f"malformed JSON: {err.msg} at column {err.colno}"
        yield Rejected(where, "record", why)
        return
    if not isinstance(rec, dict):
        why = f"expected a JSON object, got {type(rec).__name__}"
        yield Rejected(where, "record", why)
        return
    text = rec.get("text")
    if not isinstance(text, str) or not text.strip():
        yield Rejected(where, "record", "missing or empty 'text' field")
        return
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

"""WARC / ARC archives → articles: HTML captures go through the HTML reader's extraction.

Streams the archive with warcio (a record at a time; payloads larger than the HTML limit are
skipped unread), so multi-GB files are fine. `response` records with an HTML content type and
HTTP 200, and `resource` records with an HTML content type, become articles. Everything else is
counted and reported in one Rejected row per file, never one row per skipped record. A truncated
or corrupt archive keeps the articles read before the damage and adds one Rejected for the rest.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from pipelines.ingest.base import RawArticle, Rejected
from pipelines.ingest.html import MAX_HTML_BYTES, charset_from_content_type, extract_html

SUFFIXES: tuple[str, ...] = (".warc", ".warc.gz", ".arc", ".arc.gz")

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHUNK = 1 << 16


def _read_bounded(stream: Any, limit: int) -> bytes | None:
    """Up to `limit` bytes of a stream; None (and the rest drained) if it is longer."""
    parts: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return b"".join(parts)
        total += len(chunk)
        if total > limit:
            while stream.read(_CHUNK):
                pass
            return None
        parts.append(chunk)


def _summary(skipped: Counter[str], total: int) -> str:
    parts = ", ".join(f"{n} {what}" for what, n in skipped.most_common(8))
    more = len(skipped) - 8
    if more > 0:
        parts += f", {more} other kinds"
    return f"skipped {total} non-article records ({parts})"


def read(path: Path) -> Iterator[RawArticle | Rejected]:
    """Articles from the HTML captures of one WARC/ARC file (see the module doc)."""
    where = str(path)
    try:
        if path.stat().st_size == 0:
            yield Rejected(where, "file", "empty file")
            return
        fh = path.open("rb")
    except OSError as err:
        yield Rejected(where, "file", f"unreadable: {err}")
        return
    skipped: Counter[str] = Counter()
    with fh:
        yield from _records(fh, where, skipped)
    if skipped:
        yield Rejected(where, "file", _summary(skipped, sum(skipped.values())))


def _missing(record: Any) -> int:
    """Bytes of the record block that the file did not have (0 when the record is whole)."""
    raw = getattr(record, "raw_stream", None)
    return max(int(getattr(raw, "limit", 0) or 0), 0)


def _truncated(where: str, n: int, missing: int) -> Rejected:
    return Rejected(where, "file", f"archive truncated: record {n} lacks {missing:,} bytes; "
                    f"the {n - 1} records before it were read, nothing after it")


def _records(fh: Any, where: str, skipped: Counter[str]) -> Iterator[RawArticle | Rejected]:
    n_records = 0
    prev: Any = None
    try:
        records = ArchiveIterator(fh, arc2warc=True)
        for record in records:
            if prev is not None and _missing(prev):
                yield _truncated(where, n_records, _missing(prev))
                return
            prev = record
            n_records += 1
            rtype = record.rec_type
            if rtype not in ("response", "resource"):
                skipped[rtype or "untyped"] += 1
                continue
            if rtype == "response" and record.http_headers is not None:
                ctype = record.http_headers.get_header("Content-Type") or ""
                status = record.http_headers.get_statuscode() or ""
            else:
                ctype = record.rec_headers.get_header("Content-Type") or ""
                status = "200"
            mime = ctype.split(";")[0].strip().lower()
            if mime not in _HTML_TYPES:
                skipped[f"{rtype} {mime or 'no content-type'}"] += 1
                continue
            if status != "200":
                skipped[f"{rtype} HTTP {status or '?'}"] += 1
                continue
            payload = _read_bounded(record.content_stream(), MAX_HTML_BYTES)
            if _missing(record):  # the file ends inside this record
                yield _truncated(where, n_records, _missing(record))
                return
            loc = f"{where}:{records.get_record_offset()}"  # valid once the record is read
            if payload is None:
                skipped[f"{rtype} HTML over {MAX_HTML_BYTES:,} bytes"] += 1
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            meta: dict[str, Any] = {"warc_record_type": rtype}
            for key, name in (("WARC-Date", "warc_date"), ("WARC-Record-ID", "warc_record_id"),
                              ("WARC-Truncated", "warc_truncated")):
                value = record.rec_headers.get_header(key)
                if value:
                    meta[name] = value
            result = extract_html(
                payload, loc, url=url, http_charset=charset_from_content_type(ctype),
                raw_sha256=hashlib.sha256(payload).hexdigest(), metadata=meta,
            )
            if isinstance(result, Rejected):
                result = Rejected(loc, "record", result.why)
            yield result
        if prev is not None and _missing(prev):
            yield _truncated(where, n_records, _missing(prev))
    except Exception as err:  # corrupt gzip member, bad headers, …: keep what was read
        yield Rejected(
            where, "file",
            f"archive corrupt at record {n_records + 1} ({type(err).__name__}: {err}); "
            f"{n_records} records before it were read, nothing after it",
        )

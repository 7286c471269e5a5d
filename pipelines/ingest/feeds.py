"""RSS / Atom / RDF feeds → one article per entry, through feedparser.

Full content (`content:encoded`, Atom `<content>`) is taken when present, else the summary;
`metadata["content_kind"]` says which. HTML in either is turned into paragraphs of plain text.
Malformed feeds keep whatever entries feedparser recovered; a feed with none is one Rejected.
Entity declarations in the prolog are dropped before parsing, so entity bombs cannot expand.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import lxml.html
from lxml import etree

from pipelines.ingest.base import RawArticle, Rejected, read_capped

SUFFIXES: tuple[str, ...] = (".rss", ".atom", ".rdf", ".xml")

MAX_FEED_BYTES = 50_000_000

_PROLOG_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE_START = re.compile(rb"<!DOCTYPE\b", re.IGNORECASE)
_SUBSET_END = re.compile(rb"\]\s*>")
_ITEM = re.compile(rb"<(?:[\w.-]+:)?(item|entry)[\s>].*?</(?:[\w.-]+:)?\1\s*>", re.DOTALL)

_BLOCK_TAGS = ("p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
               "pre", "table", "tr", "section", "article", "figure", "figcaption", "header",
               "footer", "aside", "dl", "dt", "dd", "hr")
_DROP_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "form", "button",
              "svg", "template")
_PARA_SPLIT = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_WS = re.compile(r"\s+")

_MONTHS = {  # month abbreviations feedparser does not know (pt, es, fr, de, it)
    "jan": 1, "fev": 2, "fév": 2, "feb": 2, "mar": 3, "mär": 3, "abr": 4, "apr": 4, "avr": 4,
    "mai": 5, "may": 5, "mag": 5, "jun": 6, "jui": 7, "giu": 6, "jul": 7, "lug": 7, "ago": 8,
    "aug": 8, "aoû": 8, "set": 9, "sep": 9, "out": 10, "oct": 10, "okt": 10, "ott": 10,
    "nov": 11, "dez": 12, "dic": 12, "déc": 12, "dec": 12,
}
_LOOSE_DATE = re.compile(
    r"(\d{1,2})\s+([^\W\d_]{3,})\.?\s+(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
    r"(?:\s*([+-]\d{4}))?"
)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: blocks become paragraphs separated by blank lines."""
    if "<" not in fragment:
        return "\n\n".join(_WS.sub(" ", p).strip() for p in _PARA_SPLIT.split(fragment)
                           if p.strip())
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return _WS.sub(" ", re.sub(r"<[^>]*>", " ", fragment)).strip()
    for el in list(root.iter(*_DROP_TAGS)):
        if el.getparent() is not None:
            el.drop_tree()
    for el in root.iter("br"):
        el.tail = "\n" + (el.tail or "")
    for el in root.iter(*_BLOCK_TAGS):
        el.text = "\n\n" + (el.text or "")
        el.tail = "\n\n" + (el.tail or "")
    text = root.text_content()
    paras = (_WS.sub(" ", p).strip() for p in _PARA_SPLIT.split(text))
    return "\n\n".join(p for p in paras if p)


def _iso(struct: Any) -> str | None:
    """feedparser's UTC struct_time as an ISO-8601 string."""
    try:
        y, mo, d, h, mi, sec = (int(v) for v in struct[:6])
        return datetime(y, mo, d, h, mi, sec, tzinfo=UTC).isoformat()
    except (TypeError, ValueError):
        return None


def loose_date(value: str) -> str | None:
    """ISO form of an RFC-822-like date with non-English month names ("Seg, 24 Set 2018 …")."""
    m = _LOOSE_DATE.search(value)
    if not m:
        return None
    month = _MONTHS.get(m.group(2)[:3].lower())
    if month is None:
        return None
    try:
        dt = datetime(int(m.group(3)), month, int(m.group(1)), int(m.group(4) or 0),
                      int(m.group(5) or 0), int(m.group(6) or 0))
    except ValueError:
        return None
    iso = dt.isoformat()
    if m.group(7):
        iso += f"{m.group(7)[:3]}:{m.group(7)[3:]}"
    return iso


def _entry_date(entry: Any) -> tuple[str | None, str | None]:
    """(ISO date, raw date string) from published, else updated, else created."""
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        parsed = entry.get(f"{key}_parsed")
        if parsed:
            return _iso(parsed), raw
        if raw:
            return loose_date(raw) or raw, raw
    return None, None


def _detail_text(value: str) -> str:
    return html_to_text(value) if value else ""


def _lang(code: str | None) -> str | None:
    if not code:
        return None
    c = code.strip().replace("_", "-").split("-")[0].lower()
    return c if 2 <= len(c) <= 3 and c.isalpha() else None


def _strip_entity_decls(data: bytes) -> tuple[bytes, bool]:
    """Drop a DOCTYPE that declares entities (billion laughs, external entities).

    Everything from `<!DOCTYPE` to the end of its internal subset (`]>`) goes; without a
    recognisable end, everything up to the first element.
    """
    window = data[:1_000_000]
    first = re.search(rb"<[A-Za-z]", window)
    prolog_end = first.start() if first else len(window)
    if not _PROLOG_ENTITY.search(data, 0, prolog_end):
        return data, False
    start = (_DOCTYPE_START.search(window, 0, prolog_end)
             or _PROLOG_ENTITY.search(window, 0, prolog_end))
    start_at = start.start() if start else 0
    end = _SUBSET_END.search(window, start_at)
    end_at = end.end() if end else prolog_end
    return data[:start_at] + data[end_at:], True


def read(path: Path) -> Iterator[RawArticle | Rejected]:
    """One RawArticle per feed entry; Rejected rows for an unusable file or text-less entries."""
    where = str(path)
    data = read_capped(path, MAX_FEED_BYTES, what="feed")
    if isinstance(data, Rejected):
        yield data
        return
    yield from read_bytes(data, where)


def read_bytes(data: bytes, where: str) -> Iterator[RawArticle | Rejected]:
    """Entries of one feed given as bytes (see `read`)."""
    file_sha = hashlib.sha256(data).hexdigest()
    if not data.strip():
        yield Rejected(where, "file", "empty file")
        return
    clean, stripped = _strip_entity_decls(data)
    try:
        parsed = feedparser.parse(clean, sanitize_html=True, resolve_relative_uris=False)
    except Exception as err:  # feedparser is defensive, but a reader never raises
        yield Rejected(where, "file", f"feed parsing failed: {type(err).__name__}: {err}")
        return
    entries = parsed.get("entries") or []
    problem = str(parsed.get("bozo_exception") or "") if parsed.get("bozo") else ""
    if not entries:
        why = "no feed entries found"
        if problem:
            why = f"not a readable feed ({problem}); no entries recovered"
        if stripped:
            why += "; DOCTYPE with entity declarations was removed"
        yield Rejected(where, "file", why)
        return
    feed = parsed.get("feed", {})
    source = html_to_text(feed.get("title", "")) or None
    feed_lang = _lang(feed.get("language"))
    items = [m.group(0) for m in _ITEM.finditer(clean)]
    if not any(e.get("summary") or e.get("content") for e in entries):
        yield Rejected(where, "file", f"all {len(entries)} feed entries have neither content nor "
                       "summary text (title-only feed)")
        return
    raw_items = items if len(items) == len(entries) else None
    for n, entry in enumerate(entries):
        loc = f"{where}:{n}"
        content = [c for c in entry.get("content", []) if c.get("value")]
        full = ""
        if content:
            best = max(content, key=lambda c: len(c.get("value", "")))
            full = _detail_text(best.get("value", ""))
        summary = _detail_text(entry.get("summary", ""))
        if full and len(full) >= len(summary):
            text, kind = full, "full"
        else:
            text, kind = summary, "summary"
        if not text:
            yield Rejected(loc, "record", "feed entry has neither content nor summary text")
            continue
        published, raw_date = _entry_date(entry)
        meta: dict[str, Any] = {"content_kind": kind, "feed_sha256": file_sha,
                                "feed_version": parsed.get("version") or None}
        if raw_date and raw_date != published:
            meta["published_raw"] = raw_date
        if problem:
            meta["feed_warning"] = f"malformed feed, entries recovered: {problem}"[:500]
        if stripped:
            meta["feed_warning_doctype"] = "DOCTYPE with entity declarations removed"
        authors = [a.get("name") for a in entry.get("authors", []) if a.get("name")]
        if authors:
            meta["author"] = "; ".join(authors)
        tags = [t.get("term") for t in entry.get("tags", []) if t.get("term")]
        if tags:
            meta["tags"] = tags
        if raw_items is not None:
            raw_sha = hashlib.sha256(raw_items[n]).hexdigest()
        else:
            blob = json.dumps(entry, sort_keys=True, default=str, ensure_ascii=False)
            raw_sha = hashlib.sha256(blob.encode("utf-8")).hexdigest()
        title = html_to_text(entry.get("title", "")) or None
        yield RawArticle(
            text=text,
            input=loc,
            source_id=entry.get("id") or entry.get("guid") or None,
            url=entry.get("link") or None,
            source=source,
            title=title,
            published=published,
            language=_lang(entry.get("language")) or feed_lang,
            metadata=meta,
            raw_sha256=raw_sha,
        )

"""HTML pages → articles, through trafilatura (main text, title, author, date, site, canonical URL).

`extract_html` is shared with the WARC reader: it takes the raw bytes of one page and returns a
`RawArticle` or a `Rejected`, never raising. Decoding is done here, not by trafilatura, so that a
charset from HTTP headers or `<meta>` is honoured and lying or missing declarations fall back to
detection (UTF-8 validity first, then the declared charset, then charset-normalizer, then cp1252).
"""

from __future__ import annotations

import codecs
import hashlib
import html as html_lib
import json
import logging
import re
import unicodedata
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import trafilatura
from charset_normalizer import from_bytes
from lxml.html import HtmlElement

from pipelines.ingest.base import RawArticle, Rejected, read_capped

SUFFIXES: tuple[str, ...] = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz")

MAX_HTML_BYTES = 20_000_000  # pages larger than this (decompressed) are rejected, not parsed
MIN_TEXT_CHARS = 20  # less extracted text than this is navigation, not an article
_SNIFF = 8192

# trafilatura logs every discarded page at WARNING/ERROR; the reader reports those as Rejected.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{2,40})""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x7fELF",
                 b"RIFF", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf")
_CONTROL = bytes(range(0, 9)) + b"\x0b\x0e\x0f" + bytes(range(0x10, 0x20))
# WHATWG: labels that browsers decode as windows-1252
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "ascii", "us-ascii",
              "iso_8859-1", "cp819", "ibm819", "windows-1252", "cp1252", "x-cp1252"}


def sha256(data: bytes) -> str:
    """Hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def charset_from_content_type(content_type: str | None) -> str | None:
    """The `charset=` parameter of an HTTP Content-Type header, if any."""
    if not content_type:
        return None
    m = _HTTP_CHARSET.search(content_type)
    return m.group(1) if m else None


def _codec(label: str | None) -> str | None:
    """A Python codec name for a charset label (cp1252 for the latin-1 family), or None."""
    if not label:
        return None
    name = label.strip().lower()
    if name in _AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(data: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Decode page bytes to text; returns (text, encoding used).

    Order: BOM; strict UTF-8 (valid multi-byte UTF-8 is near-proof, whatever the page claims);
    the HTTP charset, then `<meta>`/XML declaration; charset-normalizer; cp1252 with replacement.
    """
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    head = data[:4096]
    declared = []
    if http_charset:
        declared.append(http_charset)
    m = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if m:
        declared.append(m.group(1).decode("ascii", "replace"))
    for label in declared:
        codec = _codec(label)
        if codec and codec not in ("utf-8", "utf-16", "utf-32"):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                continue
    try:
        sample = data if len(data) <= 200_000 else data[:100_000] + data[-100_000:]
        best = from_bytes(sample).best()
    except Exception:  # charset-normalizer is best effort
        best = None
    if best is not None and best.encoding and best.encoding not in ("utf_8", "utf_16", "utf_32"):
        try:
            return data.decode(best.encoding), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("cp1252", errors="replace"), "cp1252"


def maybe_decompress(data: bytes, limit: int = MAX_HTML_BYTES) -> bytes:
    """Gunzip gzip-compressed bytes (bounded by `limit`+1 bytes); other bytes unchanged."""
    if not data.startswith(b"\x1f\x8b"):
        return data
    d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    return d.decompress(data, limit + 1)


def binary_reason(data: bytes) -> str | None:
    """Why these bytes are not an HTML page (binary magic or control bytes), or None."""
    head = data[:_SNIFF]
    for magic in _BINARY_MAGIC:
        if head.startswith(magic):
            return f"binary content (starts with {magic[:4]!r}), not HTML"
    if not head.strip():
        return "empty or whitespace-only content"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    n_ctrl = sum(head.count(bytes([c])) for c in _CONTROL)
    if n_ctrl > max(4, len(head) // 100):
        return f"binary content ({n_ctrl} control bytes in the first {len(head)}), not HTML"
    return None


_ARTICLE_TYPES = ("Article", "Posting", "Report", "BlogPosting")
_BLOCK_SPLIT = re.compile(r"\s*\n\s*")
_TABLE_BAR = re.compile(r"(?:^|\s)\|(?=\s|$)")


def paragraphs(text: str) -> str:
    """Trafilatura's line-per-block text as paragraphs separated by blank lines.

    Table rows come out as `| cell | cell |`; the cell bars are dropped.
    """
    out = []
    for line in _BLOCK_SPLIT.split(text.strip()):
        if line.startswith("|"):
            line = " ".join(_TABLE_BAR.sub(" ", line).split())
        if line:
            out.append(line)
    return "\n\n".join(out)


def _head_meta(tree: HtmlElement) -> dict[str, str]:
    """`<html lang>`, canonical link and og:url, read before extraction."""
    out: dict[str, str] = {}
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    if lang:
        out["lang"] = lang.strip()
    for href in tree.xpath('//link[@rel="canonical"]/@href')[:1]:
        out["canonical"] = str(href).strip()
    for content in tree.xpath('//meta[@property="og:url"]/@content')[:1]:
        out["og_url"] = str(content).strip()
    return out


def _ld_headline(tree: HtmlElement) -> str | None:
    """The `headline` of the page's JSON-LD, preferring an Article-like `@type`."""
    found: list[tuple[bool, str]] = []

    def walk(obj: Any, depth: int = 0) -> None:
        if depth > 6:
            return
        if isinstance(obj, dict):
            types = obj.get("@type")
            types = types if isinstance(types, list) else [types]
            headline = obj.get("headline")
            if isinstance(headline, str) and headline.strip():
                is_article = any(isinstance(t, str) and t.endswith(_ARTICLE_TYPES) for t in types)
                found.append((is_article, headline))
            for v in obj.values():
                walk(v, depth + 1)
        elif isinstance(obj, list):
            for v in obj:
                walk(v, depth + 1)

    for script in tree.xpath('//script[@type="application/ld+json"]/text()')[:20]:
        try:
            walk(json.loads(script))
        except (ValueError, RecursionError):
            continue
    if not found:
        return None
    found.sort(key=lambda f: not f[0])  # stable: article types first, then document order
    return _clean_title(html_lib.unescape(found[0][1]))


def _clean_title(value: str | None) -> str | None:
    if not value:
        return None
    out = " ".join(unicodedata.normalize("NFC", value).split())
    return out or None


def page_title(tree: HtmlElement, fallback: str | None) -> str | None:
    """The headline: JSON-LD `headline`, else the first `<h1>`, else og:title, else `fallback`.

    On the fundus test pages this order agrees with the human-checked title most often; the
    `<title>` element and og:title often carry a site-name suffix or an SEO variant.
    """
    ld = _ld_headline(tree)
    if ld:
        return ld
    for h1 in tree.xpath("//body//h1")[:3]:
        text = _clean_title(h1.text_content())
        if text and len(text) >= 10:
            return text
    for og in tree.xpath('//meta[@property="og:title"]/@content')[:1]:
        text = _clean_title(html_lib.unescape(str(og)))
        if text:
            return text
    return _clean_title(fallback)


def _lang_hint(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().replace("_", "-").split("-")[0].lower()
    return code if 2 <= len(code) <= 3 and code.isalpha() else None


def extract_html(
    data: bytes,
    where: str,
    *,
    url: str | None = None,
    http_charset: str | None = None,
    raw_sha256: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> RawArticle | Rejected:
    """One HTML page (raw bytes, possibly gzip) as a RawArticle, or a Rejected saying why not."""
    raw_sha = raw_sha256 or sha256(data)
    try:
        body = maybe_decompress(data)
    except (zlib.error, EOFError, OSError) as err:
        return Rejected(where, "file", f"corrupt gzip-compressed HTML: {err}")
    if len(body) > MAX_HTML_BYTES:
        return Rejected(where, "file", f"HTML larger than {MAX_HTML_BYTES:,} bytes; not parsed")
    reason = binary_reason(body)
    if reason:
        return Rejected(where, "file", reason)
    try:
        decoded, encoding = decode_html(body, http_charset)
        tree = trafilatura.load_html(decoded)
        if tree is None:
            return Rejected(where, "file", "not parseable as HTML (no document tree)")
        head = _head_meta(tree)
        title = page_title(tree, None)
        page_url = url or head.get("canonical") or head.get("og_url")
        doc = trafilatura.bare_extraction(
            tree, url=page_url, favor_precision=True, with_metadata=True,
            include_comments=False, include_tables=True, include_images=False,
        )
    except Exception as err:  # a reader never raises on bad input
        return Rejected(where, "file", f"HTML extraction failed: {type(err).__name__}: {err}")
    if doc is None or isinstance(doc, dict) or not (doc.text or "").strip():
        return Rejected(where, "file", "no article text could be extracted from the HTML")
    text = paragraphs(doc.text or "")
    if len(text) < MIN_TEXT_CHARS:
        return Rejected(where, "file", f"no article text could be extracted from the HTML "
                        f"(only {len(text)} characters: {text!r})")
    meta: dict[str, Any] = dict(metadata or {})
    meta.update({"encoding": encoding, "extractor": f"trafilatura {trafilatura.__version__}"})
    for key in ("author", "sitename", "hostname", "description"):
        val = getattr(doc, key, None)
        if val:
            meta[key] = val
    if doc.categories:
        meta["categories"] = list(doc.categories)
    if doc.tags:
        meta["tags"] = list(doc.tags)
    return RawArticle(
        text=text,
        input=where,
        source_id=None,
        url=url or doc.url or page_url,
        source=doc.sitename or doc.hostname,
        title=title or _clean_title(doc.title),
        published=doc.date or None,
        language=_lang_hint(head.get("lang")) or _lang_hint(doc.language),
        metadata=meta,
        raw_sha256=raw_sha,
    )


def read(path: Path) -> Iterator[RawArticle | Rejected]:
    """One article (or one Rejected) per HTML file."""
    where = str(path)
    data = read_capped(path, MAX_HTML_BYTES, what="file")
    if isinstance(data, Rejected):
        yield data
        return
    yield extract_html(data, where)


__all__ = ["SUFFIXES", "decode_html", "extract_html", "read"]

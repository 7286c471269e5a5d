"""Plain-text articles (.txt) laid out like the project's example: the title on the first line,
an optional lead, a dateline such as "Jun 27, 2024 - 06:30" giving the publication time, then
the title repeated and a short section line, which are not body text, then the body. A file
without a dateline is all body after its title line."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from pipelines.ingest.base import RawArticle, Rejected, parse_published

SUFFIXES = (".txt",)
MAX_BYTES = 50_000_000
_DATELINE = re.compile(
    r"^\s*(?P<date>(?:[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}|\d{1,2} [A-Z][a-z]{2,8} \d{4}"
    r"|\d{4}-\d{2}-\d{2})(?:\s*[-–,]?\s*\d{1,2}:\d{2}(?::\d{2})?)?)\s*$"
)
_SECTION_MAX_WORDS = 6


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def split_layout(text: str) -> tuple[str | None, str | None, str]:
    """(title, dateline, body) of a plain-text article; a lead above the dateline is body."""
    lines = text.splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return None, None, ""
    title = lines[0].strip()
    rest = lines[1:]
    for i, line in enumerate(rest[:40]):
        m = _DATELINE.match(line)
        if m and parse_published(m["date"].replace("–", "-")) is not None:
            body_lines = rest[i + 1 :]
            # Skip the repeated title and one short section line ("Russia & North korea").
            while body_lines and not body_lines[0].strip():
                body_lines.pop(0)
            if body_lines and body_lines[0].strip() == title:
                body_lines.pop(0)
            body = "\n".join(body_lines).strip("\n")
            paras = _paragraphs(body)
            if len(paras) > 1 and len(paras[0].split()) <= _SECTION_MAX_WORDS and not re.search(
                r"[.!?:]$", paras[0]
            ):
                body = body[body.index(paras[0]) + len(paras[0]) :].strip("\n")
            lead = "\n".join(rest[:i]).strip()
            return title, m["date"], f"{lead}\n\n{body.strip()}".strip()
    return title, None, "\n".join(rest).strip()


def read(path: Path) -> Iterator[RawArticle | Rejected]:
    """One article from one text file."""
    try:
        if path.stat().st_size > MAX_BYTES:
            yield Rejected(str(path), "file", f"larger than {MAX_BYTES} bytes; not an article")
            return
        data = path.read_bytes()
    except OSError as err:
        yield Rejected(str(path), "file", f"unreadable: {err.strerror or err}")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        yield Rejected(str(path), "file", f"not UTF-8 ({err.reason} at byte {err.start})")
        return
    title, dateline, body = split_layout(text)
    if not body.strip():
        yield Rejected(str(path), "file", "empty: no body text")
        return
    yield RawArticle(
        text=body,
        input=str(path),
        source_id=path.stem,
        title=title,
        published=dateline.replace("–", "-") if dateline else None,
        raw_sha256=hashlib.sha256(data).hexdigest(),
    )

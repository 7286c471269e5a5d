"""Readers: one shape out of every format, bad input quarantined with a reason."""

from __future__ import annotations

import contextlib
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipelines.ingest import jsonl, txt
from pipelines.ingest.base import RawArticle, Rejected, parse_published
from pipelines.ingest.registry import discover, read_files, reader_for
from tests.conftest import EXAMPLE, SEEDS


def _write_jsonl(path: Path, lines: list[bytes]) -> Path:
    data = b"\n".join(lines) + b"\n"
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


GOOD = json.dumps({"id": "a1", "title": "T", "published": "2024-06-27", "text": "Body text.",
                   "url": "http://x", "source": "S", "topic": "war"}).encode()


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"{not json", "malformed JSON"),
        (b'{"id": "x", "text": "caf\xe9"}', "not UTF-8"),
        (b'{"id": "x", "title": "no text"}', "missing or empty 'text'"),
        (b'{"id": "x", "text": "   "}', "missing or empty 'text'"),
        (b"[1, 2]", "expected a JSON object"),
    ],
)
@pytest.mark.parametrize("name", ["in.jsonl", "in.jsonl.gz"])
def test_jsonl_bad_lines_are_rejected_and_good_lines_kept(
    tmp_path: Path, name: str, line: bytes, reason: str
) -> None:
    path = _write_jsonl(tmp_path / name, [GOOD, line, GOOD.replace(b"a1", b"a2")])
    items = list(jsonl.read(path))
    good = [i for i in items if isinstance(i, RawArticle)]
    bad = [i for i in items if isinstance(i, Rejected)]
    assert [g.source_id for g in good] == ["a1", "a2"]
    assert len(bad) == 1 and reason in bad[0].why and bad[0].where.endswith(":2")
    assert good[0].metadata == {"topic": "war"} and good[0].title == "T"


def test_truncated_gzip_keeps_what_was_read(tmp_path: Path) -> None:
    lines = [json.dumps({"id": str(i), "text": f"Body {i} " + "x" * (i * 37 % 500)}).encode()
             for i in range(2000)]
    whole = gzip.compress(b"\n".join(lines) + b"\n")
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    items = list(jsonl.read(path))
    assert any(isinstance(i, RawArticle) for i in items)
    assert isinstance(items[-1], Rejected) and "unreadable" in items[-1].why


def _corrupt_and_cut(tmp_path: Path) -> list[Path]:
    lines = [json.dumps({"id": str(i), "text": f"Body {i} " + "x" * (i * 37 % 500),
                         "n": i}).encode() for i in range(2000)]
    lines[5] = b"{not json"
    whole = gzip.compress(b"\n".join(lines) + b"\n")
    bad_crc = bytearray(whole)
    bad_crc[-8] ^= 0xFF
    flipped = bytearray(whole)
    flipped[len(whole) // 3] ^= 0xFF
    files = {"ok": whole, "cut": whole[: len(whole) // 2], "crc": bytes(bad_crc),
             "flipped": bytes(flipped), "twice": whole + whole, "not-gz": b"plain text\n"}
    for name, data in files.items():
        (tmp_path / f"{name}.jsonl.gz").write_bytes(data)
    return sorted(tmp_path.glob("*.jsonl.gz"))


def test_gzip_fast_path_reads_what_gzip_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    """With ISA-L (when installed) and without it: the same articles and rejections, also for
    cut, corrupted and concatenated files (a fast-path failure re-reads with gzip)."""
    files = _corrupt_and_cut(tmp_path)
    fast = {p.name: list(jsonl.read(p)) for p in files}
    monkeypatch.setattr(jsonl, "_igzip", None)
    slow = {p.name: list(jsonl.read(p)) for p in files}
    assert fast == slow
    assert len([i for i in slow["twice.jsonl.gz"] if isinstance(i, RawArticle)]) == 3998
    assert isinstance(slow["crc.jsonl.gz"][-1], Rejected)


def test_gzip_fast_path_failure_goes_on_with_gzip(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A fast reader that fails mid-file: gzip gives the rest, no line twice or missed."""
    (path,) = [p for p in _corrupt_and_cut(tmp_path) if p.name == "ok.jsonl.gz"]
    monkeypatch.setattr(jsonl, "_igzip", None)
    want = list(jsonl.read(path))

    def lines(fh: Iterator[bytes]) -> Iterator[bytes]:
        for i, line in enumerate(fh, start=1):
            if i == 700:
                raise OSError("boom")
            yield line

    @contextlib.contextmanager
    def failing_open(p: Path, mode: str) -> Iterator[Iterator[bytes]]:
        with gzip.open(p, mode) as fh:
            yield lines(fh)

    monkeypatch.setattr(jsonl, "_igzip", SimpleNamespace(open=failing_open))
    assert list(jsonl.read(path)) == want


def test_txt_layout_of_the_example() -> None:
    (article,) = list(txt.read(EXAMPLE))
    assert isinstance(article, RawArticle)
    assert article.title.startswith("South Korean media: North Korea might send")
    assert parse_published(article.published).isoformat() == "2024-06-27T06:30:00+00:00"
    assert article.text.startswith("South Korean media reports North Korea could send")
    assert "Jun 27, 2024" not in article.text
    assert "Russia & North korea" not in article.text
    assert article.text.count("South Korean media: North Korea might send") == 0


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "empty"), (b"Title only\n", "empty"), (b"\xff\xfe\x00bad", "not UTF-8")],
)
def test_txt_bad_files(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    (item,) = list(txt.read(path))
    assert isinstance(item, Rejected) and reason in item.why


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("Jun 27, 2024 - 06:30", "2024-06-27T06:30:00+00:00"),
        ("2024-06-27", "2024-06-27T00:00:00+00:00"),
        ("2024-06-27T08:30:00+02:00", "2024-06-27T06:30:00+00:00"),
        ("2024-06-27T06:30:00Z", "2024-06-27T06:30:00+00:00"),
        ("Thu, 27 Jun 2024 06:30:00 +0000", "2024-06-27T06:30:00+00:00"),
        ("not a date", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_published(value: str | None, iso: str | None) -> None:
    got = parse_published(value)
    assert (got.isoformat() if got else None) == iso


def test_discover_directory_glob_and_unknown(tmp_path: Path) -> None:
    (tmp_path / "d" / "sub").mkdir(parents=True)
    _write_jsonl(tmp_path / "d" / "sub" / "a.jsonl", [GOOD])
    (tmp_path / "d" / "notes.bin").write_bytes(b"\x00")
    (tmp_path / "d" / "README.md").write_text("docs")
    (tmp_path / "odd.xyz").write_text("?")
    files, rejected, skipped = discover(
        [str(tmp_path / "d"), str(tmp_path / "odd.xyz"), str(tmp_path / "*.nothing")]
    )
    assert [f.name for f in files] == ["a.jsonl"]
    assert skipped == 1
    reasons = sorted(r.why for r in rejected)
    assert reasons[0].startswith("no reader") and reasons[1].startswith("no such file")
    files, _, _ = discover([str(tmp_path / "d" / "**" / "*.jsonl")])
    assert [f.name for f in files] == ["a.jsonl"]


def test_registry_picks_longest_suffix() -> None:
    assert reader_for(Path("x.jsonl.gz")) is jsonl
    assert reader_for(Path("x.TXT")) is txt
    assert reader_for(Path("x.parquet")) is None


def test_read_files_names_inputs_relative_to_root() -> None:
    frame, rejected = read_files([EXAMPLE], root=SEEDS.parent)
    assert rejected == []
    assert frame["input"].to_list() == [f"articles/{EXAMPLE.name}"]

"""Score the HTML reader's extraction against ground truth in the shared corpora.

- html_scrapinghub_aeb: article-body token F1 (bag of word tokens, mean over pages) and the
  upstream AEB metric (token 4-shingle precision/recall averaged over pages, F1 of the means).
- html_fundus_testdata: title exact match (NFC, whitespace runs collapsed, and the invisible
  soft hyphen / zero-width space / word joiner / BOM dropped: the ground truth keeps a few, e.g. a
  trailing U+200B, that a reader should not output; every visible character, quotes included, must
  match) and publication date exact at day level (`YYYY-MM-DD` of the ground truth as written,
  vs. the reader's `published`).
- pages/second of `extract_html` on one core (single process), over both sets.

Usage: .venv/bin/python bench/bench_html.py [--shared ../shared] [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import tarfile
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.ingest.base import RawArticle, parse_published  # noqa: E402
from pipelines.ingest.html import extract_html  # noqa: E402

_TOKEN = re.compile(r"\w+", re.UNICODE)


def tokens(text: str | None) -> list[str]:
    return _TOKEN.findall((text or "").lower())


def prf(pred: Counter[Any], true: Counter[Any]) -> tuple[float, float, float]:
    tp = sum((pred & true).values())
    p = tp / sum(pred.values()) if pred else (1.0 if not true else 0.0)
    r = tp / sum(true.values()) if true else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def shingles(toks: list[str], n: int = 4) -> Counter[tuple[str, ...]]:
    return Counter(tuple(toks[i:i + n]) for i in range(max(len(toks) - n + 1, 1)) if toks)


def tar_pages(path: Path, suffix: str = ".html.gz") -> Iterator[tuple[str, bytes]]:
    with tarfile.open(path) as tf:
        for m in tf:
            if m.isfile() and m.name.endswith(suffix):
                fh = tf.extractfile(m)
                if fh is not None:
                    yield m.name, fh.read()


# Characters that render as nothing: soft hyphen, zero-width space, word joiner, BOM.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))


def norm_title(t: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", t or "").translate(_INVISIBLE).split())


def bench_aeb(corpora: Path, limit: int | None) -> tuple[int, float, list[str]]:
    d = corpora / "html_scrapinghub_aeb"
    gt = json.loads(gzip.decompress((d / "ground-truth.json.gz").read_bytes()))
    f1s, ps, rs, n, elapsed = [], [], [], 0, 0.0
    for name, data in tar_pages(d / "html.tar"):
        key = Path(name).name.split(".")[0]
        if key not in gt:
            continue
        t0 = time.perf_counter()
        res = extract_html(data, name)
        elapsed += time.perf_counter() - t0
        text = res.text if isinstance(res, RawArticle) else ""
        truth = tokens(gt[key]["articleBody"])
        pred = tokens(text)
        f1s.append(prf(Counter(pred), Counter(truth))[2])
        p, r, _ = prf(shingles(pred), shingles(truth))
        ps.append(p)
        rs.append(r)
        n += 1
        if limit and n >= limit:
            break
    mp, mr = sum(ps) / n, sum(rs) / n
    lines = [
        f"AEB pages: {n}",
        f"AEB body token F1 (mean per page): {sum(f1s) / n:.4f}   (target >= 0.90)",
        f"AEB upstream shingle metric: P={mp:.4f} R={mr:.4f} F1={2 * mp * mr / (mp + mr):.4f}",
    ]
    return n, elapsed, lines


def bench_fundus(corpora: Path, limit: int | None, show: int) -> tuple[int, float, list[str]]:
    d = corpora / "html_fundus_testdata"
    gt = json.loads(gzip.decompress((d / "ground-truth.json.gz").read_bytes()))
    n = title_ok = date_ok = date_found = 0
    elapsed = 0.0
    misses: list[str] = []
    f1s = []
    for name, data in tar_pages(d / "fundus_test_data.tar.gz"):
        parts = Path(name).parts
        key = "/".join(parts[-2:])
        if key not in gt:
            continue
        g = gt[key]
        t0 = time.perf_counter()
        res = extract_html(data, name)
        elapsed += time.perf_counter() - t0
        art = res if isinstance(res, RawArticle) else None
        n += 1
        title = art.title if art else None
        if norm_title(title) == norm_title(g["title"]):
            title_ok += 1
        elif len(misses) < show:
            misses.append(f"  title {key}: got {title!r} want {g['title']!r}")
        gday = str(g["publishing_date"])[:10]
        pdt = parse_published(art.published) if art and art.published else None
        if pdt is not None:
            date_found += 1
        pday = pdt.strftime("%Y-%m-%d") if pdt else None
        if pday == gday:
            date_ok += 1
        elif len(misses) < show:
            misses.append(f"  date  {key}: got {art.published if art else None!r} want {gday}")
        f1s.append(prf(Counter(tokens(art.text if art else "")),
                       Counter(tokens(g["articleBody"])))[2])
        if limit and n >= limit:
            break
    lines = [
        f"fundus pages: {n}",
        f"fundus title exact: {title_ok / n:.4f} ({title_ok}/{n})   (target >= 0.95)",
        f"fundus date exact (day): {date_ok / n:.4f} ({date_ok}/{n}; a date found for "
        f"{date_found})   (target >= 0.90)",
        f"fundus body token F1 (mean per page): {sum(f1s) / n:.4f}",
        *misses,
    ]
    return n, elapsed, lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT / ".." / "shared"), help="shared folder")
    ap.add_argument("--limit", type=int, default=None, help="pages per set (default all)")
    ap.add_argument("--show-misses", type=int, default=0, help="print up to N fundus misses")
    args = ap.parse_args()
    corpora = Path(args.shared) / "corpora"
    n1, t1, l1 = bench_aeb(corpora, args.limit)
    n2, t2, l2 = bench_fundus(corpora, args.limit, args.show_misses)
    print("\n".join(l1 + l2))
    print(f"speed: {(n1 + n2) / (t1 + t2):.1f} pages/s on one core "
          f"({n1 + n2} pages in {t1 + t2:.1f} s of extraction)")


if __name__ == "__main__":
    main()

"""One article an extractor cannot handle is quarantined; the rest of its batch is kept."""

from __future__ import annotations

import polars as pl

from pipelines.extract import isolate_failures


def fragile(frame: pl.DataFrame) -> pl.DataFrame:
    if frame["text"].str.contains("BOOM").any():
        raise ValueError("cannot parse")
    return frame.select("article_id", pl.col("text").str.len_chars().alias("n"))


def test_isolate_failures_finds_the_bad_articles() -> None:
    texts = [f"article {i}" for i in range(10)]
    texts[3] = texts[8] = "BOOM"
    frame = pl.DataFrame({"article_id": [f"a{i}" for i in range(10)], "text": texts})
    results, failures = isolate_failures(fragile, frame)
    kept = pl.concat(results)["article_id"].to_list()
    assert sorted(kept) == sorted(f"a{i}" for i in range(10) if i not in (3, 8))
    assert [a for a, _ in failures] == ["a3", "a8"]
    assert all("ValueError: cannot parse" in e for _, e in failures)


def test_normal_path_is_one_call() -> None:
    calls = []

    def counting(frame: pl.DataFrame) -> pl.DataFrame:
        calls.append(frame.height)
        return frame

    frame = pl.DataFrame({"article_id": ["a", "b"], "text": ["x", "y"]})
    results, failures = isolate_failures(counting, frame)
    assert calls == [2] and failures == [] and results[0].height == 2

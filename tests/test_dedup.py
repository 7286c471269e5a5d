"""Exact and near-duplicate clustering."""

from __future__ import annotations

import random

import numpy as np
import polars as pl

from pipelines.dedup import (
    _SEED,
    _U64,
    NUM_PERM,
    _mix,
    cluster_duplicates,
    components,
    minhash,
    normalise,
    shingles,
)

_WORDS = ["council", "budget", "minister", "police", "court", "school", "river", "market",
          "energy", "health", "union", "city", "report", "prices", "water", "election",
          "teachers", "farmers", "hospital", "bridge", "transport", "housing", "workers",
          "strike", "talks", "vote", "tax", "plan", "storm", "fire", "museum", "festival",
          "rail", "airport"]


def article(seed: int, n: int = 220) -> str:
    rng = random.Random(seed)
    sents = []
    for _ in range(n // 11):
        sents.append(" ".join(rng.choice(_WORDS) for _ in range(11)).capitalize() + ".")
    return " ".join(sents)


def frame(texts: dict[str, str], order: list[int] | None = None) -> pl.DataFrame:
    df = pl.DataFrame({"article_id": list(texts), "text": list(texts.values())})
    if order is not None:
        df = df.with_columns(pl.Series("published_at", order))
    return df


def result(df: pl.DataFrame) -> dict[str, tuple[str, str | None]]:
    out = cluster_duplicates(df)
    assert out.columns == ["article_id", "dup_cluster", "dup_kind"]
    assert out["article_id"].to_list() == df["article_id"].cast(pl.String).to_list()
    return {r["article_id"]: (r["dup_cluster"], r["dup_kind"]) for r in out.to_dicts()}


def test_exact_copies_after_normalisation() -> None:
    a = article(1)
    res = result(frame({"x": a, "y": "  " + a.upper().replace(".", " !! "), "z": article(2)}))
    assert res == {"x": ("x", None), "y": ("x", "exact"), "z": ("z", None)}


def test_near_copies_point_at_first_by_date() -> None:
    a = article(3)
    words = a.split()
    dropped = " ".join(words[:50] + words[61:])  # a sentence dropped
    boiler = a + " Sign up for our newsletter to get the latest headlines every morning."
    swapped = words.copy()
    swapped[10], swapped[11] = swapped[11], swapped[10]
    texts = {"orig": a, "drop": dropped, "boiler": boiler, "swap": " ".join(swapped),
             "other": article(4)}
    res = result(frame(texts, order=[5, 1, 9, 7, 2]))  # "drop" is the earliest
    assert res["drop"] == ("drop", None)
    for k in ("orig", "boiler", "swap"):
        assert res[k] == ("drop", "near"), k
    assert res["other"] == ("other", None)


def test_input_order_when_no_date_and_null_dates_last() -> None:
    a = article(5)
    res = result(frame({"p": a, "q": a}))
    assert res == {"p": ("p", None), "q": ("p", "exact")}
    df = frame({"p": a, "q": a}).with_columns(pl.Series("published_at", [None, 3]))
    assert result(df) == {"p": ("q", "exact"), "q": ("q", None)}


def test_unrelated_and_similar_topic_not_merged() -> None:
    texts = {f"a{i}": article(100 + i) for i in range(50)}
    res = result(frame(texts))
    assert all(kind is None and cid == aid for aid, (cid, kind) in res.items())


def test_below_threshold_not_merged() -> None:
    a = article(6)
    words = a.split()
    half = " ".join(words[: len(words) // 2]) + " " + article(7)
    res = result(frame({"a": a, "half": half}))
    assert res["half"] == ("half", None)


def test_mixed_cluster_exact_and_near() -> None:
    a = article(8)
    edited = a.replace(".", ". Reuters reported.", 1)
    res = result(frame({"a": a, "b": a.lower(), "c": edited, "d": edited}))
    assert res["a"] == ("a", None)
    assert res["b"] == ("a", "exact")
    assert res["c"] == ("a", "near") and res["d"] == ("a", "near")


def test_empty_short_and_null_texts() -> None:
    df = pl.DataFrame({"article_id": ["e1", "e2", "s1", "s2", "n1"],
                       "text": ["", "  ", "Breaking news.", "breaking NEWS!", None]})
    res = result(df)
    assert res["e1"] == ("e1", None) and res["e2"] == ("e2", None) and res["n1"] == ("n1", None)
    assert res["s1"] == ("s1", None) and res["s2"] == ("s1", "exact")


def test_empty_frame() -> None:
    out = cluster_duplicates(pl.DataFrame({"article_id": [], "text": []},
                                          schema={"article_id": pl.String, "text": pl.String}))
    assert out.height == 0 and out.columns == ["article_id", "dup_cluster", "dup_kind"]


def test_shingles_and_normalise() -> None:
    norm = pl.DataFrame({"t": ["Hello, World!  It's  a-test.", "one two three four five six"]}
                        ).select(normalise(pl.col("t")))["t"]
    assert norm.to_list() == ["hello world it s a test", "one two three four five six"]
    sh = shingles(norm)
    assert sh.filter(pl.col("doc") == 0).height == 2 and sh.filter(pl.col("doc") == 1).height == 2


def test_normalise_is_punctuation_to_space_then_collapse() -> None:
    texts = pl.Series(["a__b", "x, y", " --Hi!! ", "tab\tand\u3000wide\u00a0space", "é—ü_ 1.5",
                       "  ", "", None, "snake_case  and_more_"], dtype=pl.String)
    direct = (texts.fill_null("").str.to_lowercase().str.replace_all(r"[^\w\s]|_", " ")
              .str.replace_all(r"\s+", " ").str.strip_chars())
    assert pl.select(normalise(pl.lit(texts)))[texts.name].equals(direct)


def test_minhash_is_the_minimum_of_each_bin() -> None:
    sh = shingles(pl.Series([article(5, 40), "too short", article(6, 60)]), unique=False)
    sig = minhash(sh, 3)
    direct = np.full((3, NUM_PERM), np.iinfo(np.uint32).max, dtype=np.uint32)
    for doc, h in sh.iter_rows():
        m = int(_mix(np.array([h], dtype=np.uint64) ^ _U64(_SEED))[0])
        direct[doc, m % NUM_PERM] = min(direct[doc, m % NUM_PERM], m >> 32)
    assert np.array_equal(sig, direct)


def test_components_union_find() -> None:
    root = components(7, np.array([5, 1, 3, 4]), np.array([6, 2, 2, 3]))
    assert root.tolist() == [0, 1, 1, 1, 1, 5, 5]


def test_large_cluster_of_copies() -> None:
    a = article(9)
    texts = {"orig": a} | {f"c{i}": a + f" Copy number {i} from the wire." for i in range(120)}
    res = result(frame(texts))
    assert all(cid == "orig" for cid, _ in res.values())

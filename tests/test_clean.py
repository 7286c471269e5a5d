"""Cleaning: boilerplate labelled as segments and kept out of the body; stable ids."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipelines.clean import (
    _PARAGRAPH,
    SPACE_RUNS,
    _alternation,
    _matches,
    clean,
    label_paragraphs,
    paragraphs,
    rules,
)
from pipelines.extract.spans import regex_spans
from pipelines.ingest.registry import RAW_SCHEMA, read_files
from tests.conftest import EXAMPLE


def raw(texts: list[str], *, source: str | None = "S", titles: list[str] | None = None
        ) -> pl.DataFrame:
    n = len(texts)
    return pl.DataFrame(
        {"source_id": [str(i) for i in range(n)], "url": [None] * n, "source": [source] * n,
         "title": titles or [f"t{i}" for i in range(n)], "published": ["2024-06-27"] * n,
         "language_hint": [None] * n, "text": texts, "input": [f"in:{i}" for i in range(n)],
         "content_sha256": ["x"] * n, "metadata": [None] * n},
        schema=RAW_SCHEMA,
    )


def test_example_footer_is_labelled_and_removed() -> None:
    frame, _ = read_files([EXAMPLE])
    articles, segments, quarantine = clean(frame)
    (text,) = articles["text"].to_list()
    assert text.endswith("would become “cannon fodder,” according to the report.")
    for leaked in ("Read also", "Patron", "patron", "cup of coffee", "You could close this page"):
        assert leaked not in text
    labels = segments.filter(pl.col("label") != "body")["label"].to_list()
    assert labels[0] == "related_links" and set(labels[1:]) == {"donation_appeal"}
    assert len(labels) == 5
    assert quarantine.height == 0


@pytest.mark.parametrize(
    ("paragraph", "label"),
    [
        ("Sign up for our daily newsletter", "newsletter"),
        ("Advertisement", "advert"),
        ("Photo: Reuters", "caption"),
        ("Share this article", "share"),
        ("Become a member to support independent journalism.", "donation_appeal"),
        ("Become a Patron!", "donation_appeal"),
        ("Become a supporter today and keep our reporting free.", "donation_appeal"),
        ("He never dreamed his country would become a member of NATO.", "body"),
        ("She went on to become a supporter of the reform in 1999.", "body"),
        ("Donate now!", "donation_appeal"),
        ("Make a one-time donation to support our reporting.", "donation_appeal"),
        ("He returned to donate his medal to the city as a gesture of support.", "body"),
        ("© 2024 Example Media. All rights reserved.", "copyright"),
        ("The minister said the patrol would continue in May.", "body"),
        ("Officials shared photos of the damage with reporters on Tuesday.", "body"),
    ],
)
def test_paragraph_labels(paragraph: str, label: str) -> None:
    text = f"First paragraph of real news text here.\n\n{paragraph}\n\nLast body paragraph."
    segs = label_paragraphs(raw([text]))
    assert segs["label"].to_list() == ["body", label, "body"]


def test_footer_marker_early_in_the_article_is_body() -> None:
    text = "Related\n\nThe story continues with facts.\n\nMore facts.\n\nEven more."
    assert set(label_paragraphs(raw([text]))["label"]) == {"body"}


def test_repeated_paragraphs_across_a_source_are_boilerplate() -> None:
    promo = "Get the best stories delivered to your inbox every morning."
    texts = [f"Story {i} opens with a fact.\n\n{promo}\n\nStory {i} closes." for i in range(4)]
    segs = label_paragraphs(raw(texts))
    assert segs.filter(pl.col("text") == promo)["label"].unique().to_list() == ["repeated"]
    # the same paragraph in different sources is no evidence
    mixed = pl.concat([raw(texts[:2], source="A"), raw(texts[2:], source="B")])
    assert set(label_paragraphs(mixed)["label"]) == {"body"}


def test_segment_offsets_index_the_text_as_read() -> None:
    text = "Alpha beta.\n\n\nGamma delta.\nSame paragraph.\n\nRead also:\n\nLink one"
    segs = label_paragraphs(raw([text]))
    for row in segs.iter_rows(named=True):
        assert text[row["start"]:row["end"]] == row["text"]


_TRICKY = [
    "One.\n\nTwo lines\nhere.\n\nThree", "Alpha.\n\n\nGamma.\nSame.\n\nRead also:\n\nLink",
    "\nLeading newline\n\nx", "Trailing\n", "Trailing\n\n", "  indented\n\n\tsecond  ", "a\n \nb",
    "a\n\u3000\nb\n\nc", "é ☃ 😀 words\n\n— ünïcode —", "\u2003", "", None,
    "line\r\n\r\nnext", "x\n\n\n\n\ny", "a \t b\u00a0c  d\u2003\u2003e \n f", " \n\n ",
    "Photo: Reuters", "Sign up for our daily newsletter", "Share this article", "Advertisement",
]


def test_fast_paths_match_the_direct_regexes() -> None:
    frame = raw(_TRICKY)  # type: ignore[arg-type]
    direct = regex_spans(frame.with_row_index("row").select("row", "text"), _PARAGRAPH,
                         keys=("row",)).rename({"match": "text"})
    assert_frame_equal(paragraphs(frame), direct)
    segs = label_paragraphs(frame)
    assert segs["words"].to_list() == segs["text"].str.count_matches(r"\S+").to_list()
    texts = pl.Series(_TRICKY, dtype=pl.String)
    assert texts.str.replace_all(SPACE_RUNS, " ").equals(texts.str.replace_all(r"\s+", " "))
    t = pl.DataFrame({"_t": texts.str.strip_chars()})
    for groups in (rules()["paragraph"], rules()["footer_start"]):
        for patterns in groups.values():
            assert t.select(_matches(patterns)).to_series().equals(
                t.select(pl.col("_t").str.contains(_alternation(patterns))).to_series())


def test_ids_are_stable_and_duplicates_quarantined() -> None:
    frame = raw(["Same body text.", "Same body text.", "Other body."], titles=["T", "T", "T"])
    a1, _, q = clean(frame)
    a2, _, _ = clean(frame.reverse())
    assert a1.height == 2 and set(a1["article_id"]) == set(a2["article_id"])
    assert q.height == 1 and "duplicate content of in:0" in q["why"][0]


def test_text_normalised_and_empty_body_quarantined() -> None:
    frame = raw(["Line one\r\nline two \x00\n\n\n\nNext", "Advertisement"])
    articles, _, quarantine = clean(frame)
    assert articles["text"].to_list() == ["Line one\nline two\n\nNext"]
    assert quarantine["why"].to_list() == ["no body text left after removing boilerplate"]


def test_language_and_duplicate_clusters_on_articles() -> None:
    story = ("The central bank raised interest rates on Thursday for the third time this year, "
             "citing persistent inflation in services and a tight labour market across the "
             "country, while officials signalled that further increases remained possible. "
             "Markets had expected the move after a run of strong data, and the currency rose "
             "slightly against the dollar in early trading before settling back by noon. "
             "Economists said the decision showed the board was worried about wages.")
    german = ("Die Zentralbank hat am Donnerstag die Zinsen zum dritten Mal in diesem Jahr "
              "erhöht und verwies auf die anhaltende Inflation bei Dienstleistungen.")
    frame = raw([story, story.replace("Thursday", "Thursday morning"), german],
                titles=["A", "B", "C"])
    articles, _, _ = clean(frame)
    assert articles["language"].to_list() == ["en", "en", "de"]
    first, copy, other = articles.to_dicts()
    assert copy["dup_cluster"] == first["article_id"] and copy["dup_kind"] == "near"
    assert first["dup_cluster"] == first["article_id"] and first["dup_kind"] is None
    assert other["dup_cluster"] == other["article_id"]

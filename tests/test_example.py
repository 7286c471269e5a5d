"""The foundation's golden article, end to end through `newsfacts build`: what must and must
not be in the published tables."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.build import build
from pipelines.warehouse import read_table


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.DataFrame]:
    from tests.conftest import EXAMPLE

    root = tmp_path_factory.mktemp("example")
    (root / "in").mkdir()
    (root / "in" / EXAMPLE.name).write_bytes(EXAMPLE.read_bytes())
    assert build(root / "wh", [str(root / "in")]) == 0
    return {t: read_table(root / "wh", t) for t in ("articles", "entities", "figures", "dates")}


def test_published_at(tables: dict[str, pl.DataFrame]) -> None:
    assert str(tables["articles"]["published_at"][0]) == "2024-06-27 06:30:00+00:00"


@pytest.mark.parametrize(
    ("text", "value"),
    [("26 June", "2024-06-26"), ("19 June", "2024-06-19"), ("July 2024", "2024-07")],
)
def test_dates(tables: dict[str, pl.DataFrame], text: str, value: str) -> None:
    assert tables["dates"].filter(pl.col("text") == text)["value"].to_list() == [value]


def test_as_early_as_july(tables: dict[str, pl.DataFrame]) -> None:
    body = tables["articles"]["text"][0]
    at = body.index("as early as July,")
    hit = tables["dates"].filter((pl.col("start") >= at) & (pl.col("start") <= at + 12))
    assert hit["value"].to_list() == ["2024-07"]


def test_figures(tables: dict[str, pl.DataFrame]) -> None:
    money = tables["figures"].filter(pl.col("kind") == "money").to_dicts()
    assert [(m["value"], m["currency"], m["period"], m["qualifier"]) for m in money] == [
        (115_000_000, "USD", "year", "up_to")]
    count = tables["figures"].filter(pl.col("kind") == "count").to_dicts()
    assert [(c["value"], c["value_max"]) for c in count] == [(3, 4)]
    assert "brigade" in count[0]["unit"]


@pytest.mark.parametrize(
    ("type_", "names"),
    [
        ("PLACE", ["North Korea", "Russia", "Donetsk", "Ukraine"]),
        ("ORG", ["TV Chosun", "Institute for the Study of War", "ISW", "NATO", "Pentagon"]),
        ("PERSON", ["Jens Stoltenberg", "Putin", "Kim Jong Un", "Kim"]),
    ],
)
def test_entities(tables: dict[str, pl.DataFrame], type_: str, names: list[str]) -> None:
    found = set(tables["entities"].filter(pl.col("type") == type_)["text"])
    assert set(names) <= found


def test_linked_identities(tables: dict[str, pl.DataFrame]) -> None:
    ents = tables["entities"]
    ids = dict(zip(ents["text"], ents["entity_id"], strict=False))
    assert ids["North Korea"] == "iso:KP" and ids["Russia"] == "iso:RU"
    assert ids["ISW"] == ids["Institute for the Study of War"]
    assert ids["Kim"] == ids["Kim Jong Un"]
    assert ids["Putin"] == ents.filter(pl.col("text") == "Putin")["entity_id"][0]
    assert ents.filter(pl.col("text") == "Putin")["canonical_name"].unique().to_list() == [
        "Vladimir Putin"]


def test_nothing_from_the_footer(tables: dict[str, pl.DataFrame]) -> None:
    body = tables["articles"]["text"][0]
    assert "Patron" not in body and "cup of coffee" not in body
    for table in ("entities", "figures", "dates"):
        texts = " ".join(tables[table]["text"])
        assert "Patron" not in texts and "coffee" not in texts


def test_offsets_are_exact(tables: dict[str, pl.DataFrame]) -> None:
    body = tables["articles"]["text"][0]
    for table in ("entities", "figures", "dates"):
        for row in tables[table].iter_rows(named=True):
            assert body[row["start"]:row["end"]] == row["text"]


def test_type_sanity(tables: dict[str, pl.DataFrame]) -> None:
    people = set(tables["entities"].filter(pl.col("type") == "PERSON")["text"])
    assert not people & {"North Korea", "Russia", "Moscow", "South Korean", "North Korean"}



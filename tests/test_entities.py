"""Entity extraction: the golden example article, type sanity, spans and linking."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.extract.entities import extract_entities
from schemas.tables import Entities, polars_schema

EXAMPLE = (
    "South Korean TV channel reports that North Korea may deploy large-scale military "
    "engineering forces to the occupied Donetsk Oblast as early as July 2024. The channel cites "
    "a South Korean government official as its source.\n\nTV Chosun reported, citing a South "
    "Korean government official, that these forces would assist in rebuilding infrastructure in "
    "occupied Donetsk. The channel estimates that “North Korea could receive up to $115 million "
    "annually from Russia if it sends three to four engineering brigades to occupied Ukraine.”"
    "\n\nThe Institute for the Study of War (ISW) reported on 26 June that this move could be "
    "part of Russia’s broader strategy.\n\n“Russia appears to be seeking to build a coalition of "
    "friendly states with historically warm ties to the Soviet Union, including North Korea and "
    "Vietnam, to form the basis of an alternative world order,” the ISW reported\n\nThe ISW has "
    "not seen reports indicating North Korean troops intend to participate in combat operations "
    "in Ukraine. ...\n\nNATO Secretary General Jens Stoltenberg commented on the Russia-North "
    "Korea agreement, stating it “demonstrates the growing alignment between authoritarian "
    "states and underscores the importance of democracies standing united.”\n\nThe US "
    "administration views the Putin-Kim Jong Un meeting as evidence of Moscow’s efforts to build "
    "a coalition with North Korea, Iran, Syria, and, to some extent, China.\n\nThe agreement "
    "signed by Putin and Kim on 19 June commits each side to provide immediate military "
    "assistance to the other in case of armed aggression against one of them.\n\nThe Pentagon "
    "believes that North Korean troops in Ukraine would become “cannon fodder,” according to the "
    "report."
)
SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {"article_id": pl.String, "text": pl.String,
          "published_at": pl.Datetime("us", "UTC"), "language": pl.String}


def run(*texts: str) -> pl.DataFrame:
    frame = pl.DataFrame(
        [{"article_id": f"{i:016d}", "text": t, "published_at": None, "language": "en"}
         for i, t in enumerate(texts)], schema=SCHEMA)
    return extract_entities(frame)


@pytest.fixture(scope="module")
def example() -> pl.DataFrame:
    return run(EXAMPLE)


def rows(out: pl.DataFrame, text: str) -> list[dict]:
    return out.filter(pl.col("text") == text).to_dicts()


def test_columns_and_offsets(example: pl.DataFrame) -> None:
    assert example.schema == pl.Schema(polars_schema(Entities))
    assert example.height > 0
    for r in example.iter_rows(named=True):
        assert EXAMPLE[r["start"]:r["end"]] == r["text"]
        assert not r["text"].endswith(("'s", "’s")) and not r["text"].startswith("The ")


@pytest.mark.parametrize(("text", "type_", "entity_id"), [
    ("North Korea", "PLACE", "iso:KP"),
    ("Russia", "PLACE", "iso:RU"),
    ("Ukraine", "PLACE", "iso:UA"),
    ("Vietnam", "PLACE", "iso:VN"),
    ("Iran", "PLACE", "iso:IR"),
    ("US", "PLACE", "iso:US"),
    ("Donetsk", "PLACE", "geonames:709717"),
    ("Moscow", "PLACE", "geonames:524901"),
    ("Donetsk Oblast", "PLACE", None),
    ("TV Chosun", "ORG", None),
    ("Institute for the Study of War", "ORG", None),
    ("NATO", "ORG", "wikidata:Q7184"),
    ("Pentagon", "ORG", None),
    ("Jens Stoltenberg", "PERSON", "wikidata:Q57286"),
    ("Kim Jong Un", "PERSON", "wikidata:Q56226"),
    ("Putin", "PERSON", "wikidata:Q7747"),
    ("Kim", "PERSON", "wikidata:Q56226"),
    ("South Korean", "MISC", None),
    ("North Korean", "MISC", None),
])
def test_example_entities(example: pl.DataFrame, text: str, type_: str,
                          entity_id: str | None) -> None:
    found = rows(example, text)
    assert found, f"{text!r} not found"
    assert {r["type"] for r in found} == {type_}
    if entity_id:
        assert {r["entity_id"] for r in found} == {entity_id}


def test_example_exact_spans(example: pl.DataFrame) -> None:
    spans = {(r["start"], r["end"]) for r in example.iter_rows(named=True)}
    at = EXAMPLE.index("Russia’s")
    assert (at, at + len("Russia")) in spans  # no possessive
    at = EXAMPLE.index("Russia-North Korea")
    assert (at, at + 6) in spans and (at + 7, at + len("Russia-North Korea")) in spans
    at = EXAMPLE.index("Putin-Kim Jong Un")
    assert (at, at + 5) in spans and (at + 6, at + len("Putin-Kim Jong Un")) in spans
    at = EXAMPLE.index("Moscow’s")
    assert (at, at + 6) in spans


def test_lone_generic_word_is_not_entity(example: pl.DataFrame) -> None:
    # "South Korean TV channel": TV alone is no organisation; "TV Chosun" is
    assert not rows(example, "TV")
    assert rows(example, "TV Chosun")


def test_weights_hash_at_load() -> None:
    from pipelines.extract.entities import model

    m = model()
    assert m is not None
    assert m.keys["_key"].n_unique() == m.keys.height
    assert m.w.shape[0] == m.keys["_row"].to_numpy().max() + 2  # plus the zero unknown row


def test_slot_table_lookup_matches_weights() -> None:
    import numpy as np

    from pipelines.extract.entities import _slots_of, model

    m = model()
    assert m is not None
    keys = m.keys["_key"].to_numpy()
    rows = m.keys["_row"].to_numpy()
    known = keys != 0
    # every feature key finds its own weights; unknown keys find an empty slot (zeros)
    np.testing.assert_array_equal(m.sw[_slots_of(m, keys[known])], m.w[rows[known]])
    rng = np.random.default_rng(0)
    unknown = rng.integers(1, 2**63, size=5000, dtype=np.uint64)
    unknown = unknown[~np.isin(unknown, keys)]
    assert not m.sw[_slots_of(m, unknown)].any()
    assert (m.slots != 0).sum() == known.sum()


def test_gazetteer_ngrams_match_across_separators() -> None:
    out = run("Talks in Bosnia and Herzegovina and in Bosnia-Herzegovina resumed.")
    ids = {r["text"]: r["entity_id"] for r in out.iter_rows(named=True)}
    assert ids.get("Bosnia and Herzegovina") == ids.get("Bosnia-Herzegovina") == "iso:BA"


def test_acronym_shares_id(example: pl.DataFrame) -> None:
    long = rows(example, "Institute for the Study of War")
    short = rows(example, "ISW")
    assert len(short) == 3
    assert {r["entity_id"] for r in short} == {long[0]["entity_id"]}
    assert {r["type"] for r in short} == {"ORG"}


def test_acronym_defined_in_article_without_gazetteer() -> None:
    text = ("The Global Widget Research Council (GWRC) said prices rose. "
            "Officials at the GWRC declined to comment.")
    out = run(text)
    ids = {r["entity_id"] for r in out.iter_rows(named=True)
           if r["text"] in ("GWRC", "Global Widget Research Council")}
    assert len(ids) == 1


def test_surname_resolves_to_full_name_in_article() -> None:
    out = run("Finance Minister Olaf Brandtner spoke on Monday. Later, Brandtner said the plan "
              "would pass.")
    full = rows(out, "Olaf Brandtner")
    short = rows(out, "Brandtner")
    assert full and short
    assert short[0]["type"] == "PERSON"
    assert short[0]["entity_id"] == full[0]["entity_id"]
    assert short[0]["canonical_name"] == "Olaf Brandtner"


@pytest.mark.parametrize("text", [
    "Officials in Germany said on Tuesday that talks would continue.",
    "He flew to Paris and then on to Berlin for the summit.",
    "Russian officials and Ukrainian negotiators met again.",
    "Troops from Chad and Niger joined the mission.",
    "Jordan said it would reopen the border.",
    "Georgia is holding elections next month.",
    "Tajik rebels and Kuwaiti officials met Azeris and Panamanians in Vienna.",
])
def test_places_and_demonyms_are_never_person(text: str) -> None:
    out = run(text)
    assert out.height > 0
    assert "PERSON" not in set(out["type"])


def test_person_never_gets_country_id(example: pl.DataFrame) -> None:
    people = example.filter(pl.col("type") == "PERSON")
    assert not people["entity_id"].str.starts_with("iso:").any()
    assert not people["entity_id"].str.starts_with("geonames:").any()


@pytest.mark.parametrize(("text", "mention", "type_"), [
    ("Shares of Acme Holdings Inc rose 5% on Monday.", "Acme Holdings Inc", "ORG"),
    ("The decision by the Zorbian Ministry of Finance surprised analysts.",
     "Zorbian Ministry of Finance", "ORG"),
    ("President Emmanuel Macron met reporters.", "Emmanuel Macron", "PERSON"),
    ("Mr Johnson said he would resign.", "Johnson", "PERSON"),
    ("The UN and the EU issued a joint statement.", "UN", "ORG"),
    ("The U.S. and Britain agreed.", "U.S.", "PLACE"),
    ("Britain's economy shrank.", "Britain", "PLACE"),
])
def test_rules(text: str, mention: str, type_: str) -> None:
    out = run(text)
    found = rows(out, mention)
    assert found, out
    assert found[0]["type"] == type_
    at = text.index(mention)
    assert (found[0]["start"], found[0]["end"]) == (at, at + len(mention))


def test_country_aliases_share_iso() -> None:
    out = run("The United States and the U.S. Congress. Russia, the Russian Federation, "
              "Britain and the UK.")
    ids = {r["text"]: r["entity_id"] for r in out.iter_rows(named=True)}
    assert ids.get("United States") == "iso:US"
    assert ids.get("Russian Federation") == "iso:RU"
    assert ids.get("Britain") == ids.get("UK") == "iso:GB"


def test_sentence_initial_common_word_is_not_entity() -> None:
    out = run("However, the plan failed. Yesterday the talks ended. Meanwhile prices rose.")
    assert out.height == 0


def test_empty_and_no_entities() -> None:
    assert run().height == 0
    assert run("nothing capitalised here at all.").height == 0


def test_many_articles_keep_offsets() -> None:
    texts = [EXAMPLE, "Angela Merkel visited Paris.", "", "ÉÈ café. Vladimir Putin spoke."]
    out = run(*texts)
    for r in out.iter_rows(named=True):
        t = texts[int(r["article_id"])]
        assert t[r["start"]:r["end"]] == r["text"]
    assert rows(out, "Vladimir Putin")[0]["entity_id"] == "wikidata:Q7747"



def test_decode_matches_brute_force() -> None:
    """The vectorised Viterbi equals exhaustive search per run (with the free O transitions
    at a run-initial common word and at a title)."""
    import itertools

    import numpy as np

    from pipelines.extract import entities as ent

    rng = np.random.default_rng(7)
    lens = rng.integers(1, 5, 150)
    tok_i = np.concatenate([np.arange(n) for n in lens])
    words = rng.choice(["the", "of", "Smith", "Acme"], tok_i.size)
    lex = rng.choice([0, ent._TITLE_LEX], tok_i.size)
    toks = pl.DataFrame({"tok_i": tok_i, "n_tok": np.repeat(lens, lens), "lex": lex,
                         "_hl": pl.Series(words).str.to_lowercase().hash()})
    cz = np.where(np.isin(words, ["the", "of"]), 1, 0)
    sc = rng.normal(size=(tok_i.size, len(ent.LABELS))).astype(np.float32)
    trans = ent.transitions((-0.7, -1.3, -0.4))
    free = ((cz == 1) & (tok_i == 0)) | (lex == ent._TITLE_LEX)
    got = ent.decode(toks, sc, trans)
    i = 0
    for n in lens:
        def total(y: tuple[int, ...], i: int = i) -> float:
            t = sum(float(sc[i + k, y[k]]) for k in range(len(y)))
            for k in range(1, len(y)):
                a, b = y[k - 1], y[k]
                if not ((a == 0 and free[i + k - 1]) or (b == 0 and free[i + k])):
                    t += float(trans[a, b])
            return t
        best = max(itertools.product(range(len(ent.LABELS)), repeat=int(n)), key=total)
        assert tuple(got[i:i + n]) == best
        i += int(n)


@pytest.mark.parametrize(("text", "mention"), [
    ("Profit rose to HK$ 100 million.", "HK$"),
    ("Shares of AT&T fell.", "AT&T"),
    ("Officials said al-Qaeda was behind it.", "al-Qaeda"),
    ("The company is based in San Jose, Calif., and employs 40.", "Calif."),
])
def test_candidate_tokens(text: str, mention: str) -> None:
    from pipelines.extract.entities import candidate_tokens

    toks = candidate_tokens(pl.DataFrame({"text": [text]})).toks
    at = text.index(mention)
    spans = set(zip(toks["start"].to_list(), toks["end"].to_list(), strict=True))
    runs = candidate_tokens(pl.DataFrame({"text": [text]})).runs
    assert (at, at + len(mention)) in spans or mention in runs["run"].to_list()


def test_leading_the_is_not_part_of_the_name() -> None:
    out = run("The National Basketball Association has sued the company.")
    assert rows(out, "National Basketball Association"), out


def test_misc_cues_are_lexicon_classes() -> None:
    from pipelines.extract import entities as ent

    cues = pl.read_csv(ent.SEEDS / "misc_cues.csv")
    assert set(cues["class"]) <= {"misc", "event", "compound"}
    assert cues["word"].is_duplicated().sum() == 0
    frame = pl.DataFrame({"text": ["Muslim fans watched the World Cup in Paris."]})
    toks = ent.candidate_tokens(frame).toks
    lex = dict(zip(toks["word"], toks["lex"], strict=True))
    assert lex["Muslim"] == ent.LEX_KINDS.index("misc") + 1
    assert lex["Cup"] == ent._EVENT_LEX == ent.LEX_KINDS.index("event") + 1
    assert lex["Paris"] == ent.LEX_KINDS.index("place") + 1
    ev = dict(zip(toks["word"], ent.token_columns(toks)["ev"], strict=True))
    assert ev["World"] == ev["Cup"] == 1
    assert ev["Muslim"] == ev["Paris"] == 0


def test_demonyms_are_misc() -> None:
    out = run("Tajik rebels and Kuwaiti officials met Emirati and Rwandan envoys.")
    for word in ("Tajik", "Kuwaiti", "Emirati", "Rwandan"):
        found = rows(out, word)
        assert found and found[0]["type"] == "MISC", (word, out)


def test_runs_split_after_hyphenated_compound() -> None:
    from pipelines.extract import entities as ent

    text = ("Shares of Ontario-based Magna International rose. The St. Louis-based Mercantile "
            "Bancorp and Zürich-born Anna Müller-led Foo-backed Bar Corp said.")
    cands = ent.candidate_tokens(pl.DataFrame({"text": [text]}))
    toks = cands.toks
    runs = cands.runs[toks["run_id"].unique(maintain_order=True).to_list()]
    got = runs["run"].to_list()
    assert got == ["Shares of Ontario-based", "Magna International", "The St. Louis-based",
                   "Mercantile Bancorp and Zürich-born", "Anna Müller-led", "Foo-backed",
                   "Bar Corp"], got
    for r in runs.iter_rows(named=True):
        assert text[r["start"]:r["end"]] == r["run"]
    ctx = {r["run"]: r for r in runs.iter_rows(named=True)}
    assert ctx["Magna International"]["prev_word"] == "based"
    assert not ctx["Magna International"]["sent_start"]
    assert ctx["Shares of Ontario-based"]["next_word"] == "magna"
    assert ctx["Shares of Ontario-based"]["sent_start"]
    assert ctx["Bar Corp"]["next_word"] == "said"
    # tokens: positions restart in every part, in text order
    assert toks["start"].is_sorted()
    rows_ = toks.filter(pl.col("word").is_in(["Magna", "International"]))
    assert rows_["tok_i"].to_list() == [0, 1] and rows_["n_tok"].to_list() == [2, 2]
    # the compound heads (class compound) are read for splitting only, not as lexicon classes
    assert ent._token_lexicon()["lex"].is_between(1, len(ent.LEX_KINDS)).all()


def test_low_slot_scores_match_direct_lookup() -> None:
    # the fused per-combination scoring of the low-cardinality slots equals a lookup per token
    import numpy as np

    from pipelines.extract import entities as ent

    m = ent.model()
    assert m is not None
    cands = ent.candidate_tokens(pl.DataFrame({"text": [EXAMPLE, "ACME CORP SAID ON MONDAY",
                                                        "Shares of Acme Holdings Inc rose."]}))
    toks = ent.token_columns(cands.toks)
    low = tuple(i for i in ent._LOW_SLOTS if i not in (*ent._GRID_SLOTS, ent._SIL_SLOT))
    others = tuple(i for i in range(len(ent.SLOTS)) if i not in low)
    direct = ent._lookup(m, ent.slot_keys(toks, skip=others))
    np.testing.assert_allclose(ent._low_scores(m, toks, low), direct, rtol=1e-5, atol=1e-4)
    # the small-integer slots scored by direct indexing equal a lookup per token too
    assert ent._GRID_SLOTS
    for i in ent._GRID_SLOTS:
        one = ent._lookup(m, ent.slot_keys(toks, skip=tuple(
            j for j in range(len(ent.SLOTS)) if j != i)))
        np.testing.assert_allclose(ent._grid_scores(m, toks, ent.SLOTS[i][0][0]), one,
                                   rtol=1e-5, atol=1e-4)


def test_run_context_columns() -> None:
    # the word before the previous word (same gap only) and numbers around the run (scores)
    from pipelines.extract import entities as ent

    runs = ent.candidate_runs(pl.DataFrame({"text": [
        "He bought 200 shares of Magna last week. Bury 2 Stoke 1 . Acme said so."]}))
    ctx = {r["run"]: r for r in runs.iter_rows(named=True)}
    assert (ctx["Magna"]["prev2"], ctx["Magna"]["prev_word"]) == ("shares", "of")
    assert ctx["Bury"]["dg"] == 2 and ctx["Stoke"]["dg"] == 3 and ctx["Magna"]["dg"] == 0
    assert ctx["Stoke"]["prev2"] == "<r>"  # the gap before Stoke holds one word only


def test_context_words_match_direct_regexes() -> None:
    # prev_word / prev2 are read from the stripped gap and a slice of it; they equal the direct
    # regexes (prev2: the gap with its last word and the white space around it removed)
    from pipelines.extract import entities as ent

    gaps = ["", " ", "   ", "said ", "shares of ", "shares of  ", "x,  ", "(", "said (", "a.b ",
            "ab", "in  the\n\n", "“ ", "’s ", "O’Brien’s ", "2 ", "Bury 2 ", "über alles ",
            "straße ", "город ", "слово и ", "ab город ", "… ", "?) ", "x\u00a0y\u2003 ",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx ", "one two three four five six seven ",
            "İstanbul ", "\t-\t"]
    text = "".join(f"{g}Acme " for g in gaps)
    runs = ent.candidate_runs(pl.DataFrame({"text": [text]}))
    w = ent._CTX_WORD
    prev = pl.col("_prev")
    ends = [0, *runs["end"]]  # (no stop runs here: a gap is the text between two runs)
    tails = [text[e:s][-24:] for e, s in zip(ends, runs["start"], strict=False)]
    want = runs.with_columns(_prev=pl.Series(tails)).select(
        prev.str.strip_chars_end().str.extract(w + "$", 0).str.to_lowercase()
        .fill_null("<s>").alias("prev_word"),
        prev.str.replace(rf"\s*{w}\s*$", "").str.extract(w + "$", 0).str.to_lowercase()
        .fill_null("<r>").alias("prev2"),
    )
    assert runs.height > 20 and (runs["prev2"] != "<r>").sum() > 5
    assert runs.select("prev_word", "prev2").to_dicts() == want.to_dicts()


def test_token_split_matches_split_pattern() -> None:
    # runs are split into tokens by a literal split (hyphens before a capital turned into
    # spaces): the same tokens as the _SPLIT pattern, offsets included
    from pipelines.extract import entities as ent

    text = ("Russia-North Korea talks: al-Qaeda, Jong-un, Serb-held Foo-Bar-baz, U.S.-Mexico, "
            "Johnson & Johnson, Rolls-Royce, HK$ and Bank of England said.")
    cands = ent.candidate_tokens(pl.DataFrame({"text": [text]}))
    toks = cands.toks
    runs = cands.runs[toks["run_id"].unique(maintain_order=True).to_list()]  # (after splits)
    assert toks["word"].to_list() == runs["run"].str.extract_all(ent._SPLIT).explode().to_list()
    for r in toks.iter_rows(named=True):
        assert text[r["start"]:r["end"]] == r["word"]


def test_coalesce_matches_polars() -> None:
    from pipelines.extract import entities as ent

    frame = pl.DataFrame({"a": [None, "a1", None, None], "b": ["b0", None, None, "b3"],
                          "c": ["c0", "c1", "c2", None]})
    got = ent._coalesce(frame, "a", "b", "c")
    assert got.to_list() == frame.select(pl.coalesce("a", "b", "c")).to_series().to_list()


def test_gazetteer_hash_table_finds_every_key() -> None:
    import numpy as np

    from pipelines.extract import entities as ent

    gz, slots, at, zero, _, _ = ent._gz_codes()
    keys = gz["_g"].to_numpy()
    known = keys != 0
    np.testing.assert_array_equal(at[ent._probe(slots, keys[known])], np.flatnonzero(known))
    unknown = np.random.default_rng(1).integers(1, 2**63, size=2000, dtype=np.uint64)
    unknown = unknown[~np.isin(unknown, keys)]
    assert (at[ent._probe(slots, unknown)] == -1).all()
    assert zero == (int(np.flatnonzero(~known)[0]) if (~known).any() else -1)

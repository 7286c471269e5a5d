"""Named entities (PERSON, ORG, PLACE, MISC) with canonical ids, vectorised in polars + numpy.

How it works, with no Python loop per article (~23-27 MB of text per CPU-second on one core):
1. Candidates: one regex pass marks every *run* of capitalised tokens (joined by a space or a
   hyphen, with lower-case connectors such as "of", "for the" inside) and keeps the text gap
   before and after each run: context words and whether the run starts a sentence. One-word
   runs that are never names (The, It, Monday, ...) are dropped here.
2. Tokens: runs are split into tokens; word-level columns (lower case, shape, lexicon class)
   are computed once per distinct word; a run is split after a hyphenated compound token
   ("Ontario-based Magna": compound heads in misc_cues.csv). Gazetteer names are found by an
   integer join: every token n-gram inside a run has a rolling hash of its tokens' keys, as has
   every alias.
3. Typing: an averaged perceptron trained on CoNLL-2003 train by `scripts/train_entities.py`
   (`seeds/entities/model_weights.parquet`: feature template + parts as strings, hashed to
   UInt64 keys at load time in this process). Features are UInt64 keys (XOR of seeded part
   hashes) looked up in an open-addressing hash table (numpy); features with few distinct
   values are scored once per distinct combination, word-level ones once per distinct word.
   Pass 2 (stacking) adds weights of the pass-1 labels around the token (run neighbours, run
   ends, the same word elsewhere in the article); a document vote adds a share of the
   article-wide scores of the same word. A Viterbi pass over every run (all runs in step,
   `decode`) adds label-transition scores: a run rarely changes from one kind of name to
   another, and O next to a name costs unless it is a run-initial common word (The) or a title
   (Mr). Consecutive tokens with the same label form a mention; a lone generic word (TV, CEO)
   is none, a lower-case function word (of, the) at a mention's edge is dropped. Without the
   weights file, a rule typer runs.
4. Identity: gazetteer hits by the mention's n-gram hash (countries -> iso:XX, GeoNames cities
   -> geonames:N, curated people/organisations -> Wikidata QID or seed id); then in-article
   resolution (a one-token mention that is the first or last token of a longer person mention
   is that person; "Institute for the Study of War (ISW)" makes ISW an alias); else
   key:type:name.
"""

from __future__ import annotations

import csv
import zlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import polars as pl

from schemas.tables import Entities, conform

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "entities"
WEIGHTS = SEEDS / "model_weights.parquet"
LABELS = ("O", "PER", "ORG", "LOC", "MISC")
_TYPE = {"PER": "PERSON", "ORG": "ORG", "LOC": "PLACE", "MISC": "MISC"}
_MARK = "\x00"

# A capitalised token: acronyms with dots (U.S.), abbreviations with a period (Mr., St.),
# initials (W.), capitalised words with inner capitals after an apostrophe (O'Neill) and
# lower-case hyphen continuations (Jong-un, Serb-held); "'s" is never part of a token.
_ABBR = (
    r"(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Inc|Corp|Co|Ltd|Gen|Col|Lt|Sgt|Sen|Rep|Gov|Prof|Rev|Mt|Ft|Capt"
    r"|Adm|Maj|Cpl|Pte|Bros|No"
    # US state abbreviations (AP style: "San Jose, Calif.")
    r"|Ala|Ariz|Ark|Calif|Colo|Conn|Fla|Ill|Kan|Ky|Md|Mass|Mich|Minn|Neb|Nev|Okla|Ore|Tenn"
    r"|Tex|Wash|Wis|Wyo)\."
)
# also: "&" between capitalised parts (AT&T, S&P, H&R) and Arabic article prefixes
# (al-Qaeda, el-Sisi)
_WORD = (
    r"(?:(?:al|el|ad|ash|as|an|ar|at|az|bin|ibn|abu)-)?"
    r"\p{Lu}[\p{L}\p{N}]*(?:['’]\p{Lu}[\p{L}\p{N}]*)?(?:&\p{Lu}[\p{L}\p{N}]*)?"
    r"(?:-[\p{Ll}\p{N}][\p{L}\p{N}]*)*"
)
# currency prefixes (HK$, C$, US$) are tokens too: CoNLL types them MISC
TOKEN = rf"(?:\p{{Lu}}\.){{2,}}|{_ABBR}|\p{{Lu}}{{1,3}}\$|\p{{Lu}}\.|{_WORD}"
# Run matching keeps to Latin script (ASCII, Latin-1, Latin Extended A/B and Additional): small
# character classes keep Rust's DFA fast (a quarter faster than full Unicode classes); other
# scripts are not capitalised names in English news.
_LATIN = r"\x00-\u024F\u1E00-\u1EFF"
CONNECTORS = (
    "of", "the", "for", "and", "de", "du", "des", "del", "della", "der", "den", "van", "von",
    "la", "le", "al", "bin", "da", "di", "y", "on", "&",
)
_CONN = "(?:" + "|".join(CONNECTORS) + ")"
# connectors that are English function words, lower case: never the first or last word of a
# name (unlike the name particles de, van, al, ...: "President de Klerk")
FUNCTION_CONNECTORS = ("of", "the", "for", "and", "on", "&")
RUN = (
    rf"(?:{TOKEN})(?:[ \-](?:{_CONN} )*(?:{TOKEN}))*"
    .replace(r"[\p{L}\p{N}]", rf"[\p{{L}}\p{{N}}&&[{_LATIN}]]")
    .replace(r"[\p{Ll}\p{N}]", rf"[\p{{Ll}}\p{{N}}&&[{_LATIN}]]")
    .replace(r"\p{Lu}", rf"[\p{{Lu}}&&[{_LATIN}]]")
)
_CTX_WORD = rf"(?:[\p{{L}}\p{{N}}'’&&[{_LATIN}’]]+|[^\s\p{{L}}\p{{N}}])"  # a context word
_SPLIT = r"[^ \-]+(?:-[\p{Ll}\p{N}][^ \-]*)*"
_SENT_START = r"(?:^\s*|[.!?]['\"”’)]*\s+|\n\s*|:\s+)[\"“‘'(\[]?$"

TITLES = (
    "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Dr", "Dr.", "President", "Minister", "Secretary",
    "General", "Gen.", "Chancellor", "Premier", "Senator", "Sen.", "Governor", "Gov.", "Mayor",
    "King", "Queen", "Prince", "Princess", "Pope", "Judge", "Justice", "Ambassador", "Chairman",
    "Director", "Professor", "Prof.", "Colonel", "Captain", "Lieutenant", "Sergeant", "Admiral",
    "Commander", "Spokesman", "Spokeswoman", "Prime", "Vice", "Deputy", "Foreign", "Defence",
    "Defense", "Representative", "Rep.", "Speaker", "Leader", "Chief", "Lord", "Lady", "Sir",
    "Sheikh", "Rabbi", "Father", "Bishop", "Archbishop", "Cardinal", "Coach", "Manager",
)
ORG_SUFFIXES = (
    "Inc", "Inc.", "Corp", "Corp.", "Corporation", "Ltd", "Ltd.", "Co", "Co.", "Company",
    "Party", "Ministry", "University", "Institute", "Agency", "Bank", "Council", "Committee",
    "Association", "Group", "News", "Times", "Post", "Journal", "Organization", "Organisation",
    "Union", "Federation", "Commission", "Department", "Foundation", "Fund", "Authority",
    "Army", "Navy", "Force", "Forces", "Court", "Parliament", "Assembly", "Office", "Service",
    "Club", "League", "Airlines", "Airways", "Holdings", "Bureau", "Center", "Centre",
    "College", "School", "Hospital", "Church", "Network", "Press", "Exchange", "Board",
    "Administration", "Congress", "Senate", "Police", "Guard", "Brigade", "Battalion", "plc",
    "PLC", "AG", "SA", "NV", "GmbH", "LLC", "Motors", "Systems", "Technologies", "Partners",
)
# one-word runs that are never a name on their own (function words, weekdays): dropped before
# any feature is computed (a fifth of all candidate tokens in news)
STOP_RUNS = (
    "The", "A", "An", "I", "It", "Its", "He", "She", "We", "They", "You", "His", "Her", "Their",
    "Our", "My", "Your", "This", "That", "These", "Those", "There", "Here", "But", "And", "Or",
    "So", "If", "In", "On", "At", "To", "For", "Of", "By", "With", "From", "As", "When", "While",
    "After", "Before", "Since", "Although", "Though", "Because", "However", "Meanwhile", "Also",
    "Yet", "What", "Who", "Why", "How", "Where", "Which", "Some", "Many", "Most", "All", "Both",
    "Each", "Such", "Not", "Now", "Then", "Even", "Just", "Only", "According", "During",
    "Under", "Over", "Despite", "Among", "Without", "Instead", "Yes", "Still", "Other", "Any",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
)
# generic capitalised words that are no name when they stand alone ("South Korean TV channel")
GENERIC = ("TV", "CEO", "GDP", "AM", "PM", "DNA", "ID", "PC", "FM", "OK", "CFO", "COO", "CTO",
           "IPO", "VIP", "AI", "EV", "HIV", "AIDS", "TV's", "SUV", "MP", "MPs", "Q&A", "FAQ")
PLACE_SUFFIXES = (
    "Oblast", "Province", "Region", "County", "District", "City", "Island", "Islands",
    "Mountains", "River", "Sea", "Ocean", "Valley", "Peninsula", "Strait", "Gulf", "Bay",
    "Lake", "State", "Territory", "Street", "Avenue", "Square", "Airport", "Bridge", "Krai",
)


# ---------------------------------------------------------------- gazetteers

def _read_csv(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _norm_key(expr: pl.Expr) -> pl.Expr:
    """Lookup key of a surface form: lower case, dots and typographic quotes folded."""
    return (
        expr.str.to_lowercase()
        .str.replace_all("’", "'", literal=True)
        .str.replace_all(".", "", literal=True)
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


def _slug(expr: pl.Expr) -> pl.Expr:
    return (
        expr.str.to_lowercase().str.replace_all(r"[^\p{L}\p{N}]+", "_").str.strip_chars("_")
    )


# gazetteer kinds, then lexical cue classes; a token's lexicon code is 1 + index here
LEX_KINDS = ("person", "org", "country", "region", "place", "demonym", "title", "orgsuf",
             "placesuf", "misc", "event")
_EVENT_LEX = len(LEX_KINDS)  # lexicon code of an event head (the last kind)
_B, _I = 20, 40  # code offsets of a token that begins / continues a gazetteer match


@lru_cache(maxsize=1)
def gazetteer() -> pl.DataFrame:
    """alias key -> (kind, type, entity_id, canonical_name); one row per key (best kind wins).

    kind: person | org | country | region | place | demonym; priority picks one row per key.
    `_g` is the key's token hash (the same rolling hash `candidate_tokens` computes over runs).
    """
    rows: list[dict[str, str | int]] = []

    def add(table: str, kind: str, typ: str, prio: int) -> None:
        for r in _read_csv(table):
            rows.append({"alias": r["alias"], "kind": kind, "type": typ,
                         "entity_id": r["entity_id"], "canonical_name": r["canonical_name"],
                         "prio": prio})

    add("people.csv", "person", "PERSON", 0)
    add("orgs.csv", "org", "ORG", 1)
    add("countries.csv", "country", "PLACE", 2)
    add("regions.csv", "region", "PLACE", 3)
    add("places.csv", "place", "PLACE", 5)
    for r in _read_csv("demonyms.csv"):
        rows.append({"alias": r["alias"], "kind": "demonym", "type": "MISC",
                     "entity_id": "", "canonical_name": r["alias"], "prio": 4})
    frame = pl.DataFrame(rows).with_row_index("_a")
    frame = frame.with_columns(
        pl.when(pl.col("entity_id") == "")
        .then(pl.lit("key:misc:") + _slug(pl.col("canonical_name")))
        .otherwise(pl.col("entity_id"))
        .alias("entity_id"),
    )
    # the rolling hash over the alias's tokens: sum of h_k * M^(n-1-k) (mod 2**64)
    powers = {e: pow(_HMIX, e, 2**64) for e in range(64)}
    toks = (
        frame.select("_a", pl.col("alias").str.extract_all(_SPLIT).alias("_t"))
        .with_columns(pl.int_ranges(0, pl.col("_t").list.len()).alias("_k"),
                      pl.col("_t").list.len().alias("_n"))
        .explode("_t", "_k")
        .with_columns(
            (_token_hash(pl.col("_t"))
             * (pl.col("_n") - 1 - pl.col("_k")).replace_strict(powers, return_dtype=pl.UInt64))
            .alias("_h"))
        .group_by("_a").agg(pl.col("_h").sum().alias("_g"), pl.len().alias("_n"))
    )
    return (
        frame.join(toks, on="_a").filter(pl.col("_n") <= MAX_NGRAM)
        .sort("prio", "_a")
        .unique("_g", keep="first", maintain_order=True)
        .select("_g", "kind", "type", "entity_id", "canonical_name")
    )


@lru_cache(maxsize=1)
def _token_lexicon() -> pl.DataFrame:
    """Single-token lexicon: token key hash -> lexicon code (gazetteer kind or cue class)."""
    gz = gazetteer().select(pl.col("_g").alias("_hk"), "kind")
    cue = [t.rstrip(".") for t in TITLES] + [t.rstrip(".") for t in ORG_SUFFIXES] + list(
        PLACE_SUFFIXES)
    cues = pl.DataFrame({
        "w": cue,
        "kind": ["title"] * len(TITLES) + ["orgsuf"] * len(ORG_SUFFIXES)
        + ["placesuf"] * len(PLACE_SUFFIXES),
    }).select(_token_hash(pl.col("w")).alias("_hk"), "kind")
    # MISC cue words (misc_cues.csv): religions, languages, ideologies, peoples, holidays
    # (class misc) and heads of event / award / treaty names (class event)
    # (class compound: heads of hyphenated compounds, read by _compound_word, not here)
    misc = pl.DataFrame(_read_csv("misc_cues.csv"), schema={"word": pl.String,
                                                            "class": pl.String}).filter(
        pl.col("class") != "compound").select(
        _token_hash(pl.col("word")).alias("_hk"), pl.col("class").alias("kind"))
    return (
        pl.concat([gz, cues, misc])
        .unique("_hk", keep="first", maintain_order=True)
        .select("_hk", (pl.col("kind").replace_strict(
            {k: i + 1 for i, k in enumerate(LEX_KINDS)}, return_dtype=pl.Int64)).alias("lex"))
    )


@lru_cache(maxsize=1)
def common_words() -> pl.Series:
    """Hashes (as `_hl`: the lower-cased word's polars hash) of the words almost never
    capitalised mid-sentence in unlabelled news (class 1 of `casing.csv`, built by
    scripts/build_gazetteer.py): `decode` lets such a word starting a run (The, Export) be O
    before a name at no cost. (The typer reads every class through `_casing`.)"""
    path = SEEDS / "casing.csv"
    if not path.exists():
        return pl.Series("_hl", [], dtype=pl.UInt64)
    tab = pl.read_csv(path, schema={"word": pl.String, "case": pl.Int64})
    return tab.filter(pl.col("case") == 1)["word"].hash().alias("_hl")


@lru_cache(maxsize=1)
def _casing() -> pl.DataFrame:
    """`_hl` (the lower-cased word's polars hash) -> `cas`, its mid-sentence capitalisation
    class 1-5 in unlabelled news (casing.csv; absent words are class 0)."""
    path = SEEDS / "casing.csv"
    if not path.exists():
        return pl.DataFrame(schema={"_hl": pl.UInt64, "cas": pl.Int64})
    tab = pl.read_csv(path, schema={"word": pl.String, "case": pl.Int64})
    return tab.select(pl.col("word").hash().alias("_hl"), pl.col("case").alias("cas")).unique(
        "_hl", keep="first")


# ---------------------------------------------------------------- candidates

MAX_NGRAM = 7
_HMIX = 0x9E3779B97F4A7C15  # odd multiplier of the n-gram rolling hash (wraps mod 2**64)
_GZ_SEED = 0x5EED


def _pieces(col: pl.Expr, pattern: str) -> pl.Expr:
    """Split a string into alternating gap / match pieces (odd list positions are matches)."""
    return col.str.replace_all(pattern, f"{_MARK}${{0}}{_MARK}").str.split(_MARK)


def _token_hash(expr: pl.Expr) -> pl.Expr:
    """Hash of a token's gazetteer key (also the n-gram hash of a one-token name)."""
    return _norm_key(expr).hash(_GZ_SEED)


@lru_cache(maxsize=1)
def _compound_word() -> str | None:
    """Regex of a hyphenated place/name compound token (Boston-based, Louis-based, Serb-led):
    heads of class `compound` in misc_cues.csv."""
    heads = [r["word"] for r in _read_csv("misc_cues.csv") if r["class"] == "compound"]
    if not heads:
        return None
    return r"[\p{L}\p{N}.]-(?:" + "|".join(heads) + ")$"


def candidate_runs(articles: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Runs of capitalised tokens with character offsets and their left/right context; `_doc`
    is the article's row number."""
    lf = articles.lazy() if isinstance(articles, pl.DataFrame) else articles
    parts = lf.select(_pieces(pl.col("text").fill_null(""), RUN).alias("_p")).collect()["_p"]
    # flat pieces with numpy offsets (no per-list expressions): a document's pieces alternate
    # gap, run, ..., gap - an odd count - so a piece is a run iff its flat index minus its
    # document's number is odd; a run's neighbours are the gaps around it, always in its
    # document
    per_doc = parts.list.len().to_numpy().astype(np.int64)
    flat = parts.explode()
    ln = flat.str.len_chars().to_numpy().astype(np.int64)
    doc = np.repeat(np.arange(per_doc.size, dtype=np.uint32), per_doc)
    ends = np.cumsum(ln)
    first = np.cumsum(per_doc) - per_doc
    begin = ends - ln
    at = np.flatnonzero(((np.arange(ln.size) - doc) & 1).astype(bool) & (ln > 0))
    # one-word runs that are never names go before their context is gathered
    run = flat.gather(at)
    keep = ~run.is_in(STOP_RUNS).to_numpy()
    at = at[keep]
    da = doc[at]
    start = begin[at] - begin[first][da]
    pieces = pl.DataFrame({
        "_doc": da,
        "start": start,
        "end": start + ln[at],
        "run": run.filter(pl.Series(keep)),
        "_prev": flat.gather(at - 1).str.tail(24),
        "_next": flat.gather(at + 1).str.head(24),
    })
    prev = pl.col("_prev")
    nxt = pl.col("_next")
    last = pl.col("_last")
    return pieces.lazy().with_columns(
        # the gap before the run without trailing white space, and its last word or symbol
        prev.str.strip_chars_end().alias("_ps"),
    ).with_columns(
        pl.col("_ps").str.extract(_CTX_WORD + "$", 0).alias("_last"),
    ).select(
        "_doc",
        "start",
        "end",
        "run",
        prev.str.contains(_SENT_START).alias("sent_start"),
        # what follows the run: " (" opens a parenthesis (1), ")" closes one (2), else 0
        pl.when(nxt.str.starts_with(" (")).then(1).when(nxt.str.starts_with(")")).then(2)
        .otherwise(0).cast(pl.Int8).alias("after"),
        # the last word or symbol before the run and the first after it
        last.str.to_lowercase().fill_null("<s>").alias("prev_word"),
        nxt.str.strip_chars_start().str.extract("^" + _CTX_WORD, 0)
        .str.to_lowercase().fill_null("</s>").alias("next_word"),
        # the word before that, in the same gap ("shares of", "spokesman for", "analyst at";
        # <r> if the gap holds no second word): the last word of what precedes the last one
        # (a slice: no second regex pass). (The word after the next one did not help on the
        # train holdout.)
        pl.col("_ps").str.head(pl.col("_ps").str.len_chars() - last.str.len_chars())
        .str.strip_chars_end().str.extract(_CTX_WORD + "$", 0)
        .str.to_lowercase().fill_null("<r>").alias("prev2"),
    ).with_columns(_ctx_digits()).collect()


def _ctx_digits() -> pl.Expr:
    """`dg`: a number right before the run (1) and / or right after it (2): scores and table
    rows ("Bury 2 Stoke 1", "Bath 56")."""
    return (pl.col("prev_word").str.contains(r"^\p{N}").cast(pl.Int64)
            + 2 * pl.col("next_word").str.contains(r"^\p{N}").cast(pl.Int64)).alias("dg")


def _shape(expr: pl.Expr) -> pl.Expr:
    return (
        expr.str.replace_all(r"\p{Lu}+", "X").str.replace_all(r"\p{Ll}+", "x")
        .str.replace_all(r"\p{N}+", "d")
    )


# context word columns of a run (strings; tokens carry their base hashes `_h:<col>`)
_CTX_COLS = ("prev_word", "next_word", "prev2")


class Candidates(NamedTuple):
    runs: pl.DataFrame   # one row per run (see candidate_runs)
    toks: pl.DataFrame   # one row per token, in run order
    words: pl.DataFrame  # one row per distinct token string (_hw): word-level columns


def _split_at_compounds(toks: pl.DataFrame,
                        runs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Runs split after a hyphenated place/name compound token (`_cmp`): "Ontario-based Magna"
    is the runs "Ontario-based" (MISC in CoNLL-2003) and "Magna" (typed on its own, not as a
    continuation of the compound). Tokens keep their order; every part of a split run gets a
    new row appended to `runs` (the original row is no longer referenced): a part's previous
    word is the compound's head (based) and its next word the next part's first word, it starts
    a sentence only if the run did, and only the last part keeps what follows the run."""
    cmp = toks["_cmp"].to_numpy()
    toks = toks.drop("_cmp")
    tok_i = toks["tok_i"].to_numpy()
    n_tok = toks["n_tok"].to_numpy()
    n = tok_i.size
    cut = np.flatnonzero(cmp & (tok_i < n_tok - 1))
    if cut.size:
        cut = cut[~toks["hyph_before"].to_numpy()[cut + 1]]
    if cut.size == 0:
        return toks, runs
    old = toks["run_id"].to_numpy().astype(np.int64)
    begin = tok_i == 0
    begin[cut + 1] = True
    seg_first = np.flatnonzero(begin)
    seg = np.cumsum(begin) - 1
    seg_last = np.append(seg_first[1:], n) - 1
    split = np.zeros(runs.height, dtype=bool)
    split[old[cut]] = True
    parts = np.flatnonzero(split[old[seg_first]])  # segments of split runs
    pf, pe = seg_first[parts], seg_last[parts]
    orid = old[pf]
    is_first = tok_i[pf] == 0
    is_last = tok_i[pe] == n_tok[pe] - 1
    start = toks["start"].to_numpy()
    end = toks["end"].to_numpy()
    word = toks["word"]
    src = runs[orid]
    prev_tok = word.gather(np.maximum(pf - 1, 0)).str.extract(_CTX_WORD + "$", 0).str.to_lowercase()
    next_tok = word.gather(np.minimum(pe + 1, n - 1)).str.extract("^" + _CTX_WORD, 0
                                                                 ).str.to_lowercase()
    new_runs = pl.DataFrame({
        "_doc": src["_doc"],
        "start": start[pf],
        "end": end[pe],
        "run": src["run"].str.slice(pl.Series(start[pf] - src["start"].to_numpy()),
                                    pl.Series(end[pe] - start[pf])),
        "sent_start": src["sent_start"].to_numpy() & is_first,
        "after": np.where(is_last, src["after"].to_numpy(), 0).astype(np.int8),
        "prev_word": pl.Series(is_first).to_frame("f").select(
            pl.when(pl.col("f")).then(src["prev_word"]).otherwise(prev_tok))
        .to_series(),
        "next_word": pl.Series(is_last).to_frame("f").select(
            pl.when(pl.col("f")).then(src["next_word"]).otherwise(next_tok))
        .to_series(),
        "prev2": pl.Series(is_first).to_frame("f").select(
            pl.when(pl.col("f")).then(src["prev2"]).otherwise(pl.lit("<r>"))).to_series(),
    }).with_columns(_ctx_digits())
    new_id = np.full(seg_first.size, -1, dtype=np.int64)
    new_id[parts] = runs.height + np.arange(parts.size)
    moved = np.flatnonzero(split[old])  # tokens of split runs
    sm = seg[moved]
    rid = old.copy()
    rid[moved] = new_id[sm]
    tok_i = tok_i.copy()
    n_tok = n_tok.copy()
    tok_i[moved] = moved - seg_first[sm]
    n_tok[moved] = seg_last[sm] - seg_first[sm] + 1
    hashes = new_runs.select(
        pl.col("sent_start"),
        *(_base(c, pl.col(c)).alias(f"_h:{c}") for c in _CTX_COLS), "dg")
    at = new_id[sm] - runs.height
    cols = {}
    for c in ("sent_start", "dg", *(f"_h:{c}" for c in _CTX_COLS)):
        a = toks[c].to_numpy().copy()
        a[moved] = hashes[c].to_numpy()[at]
        cols[c] = a
    toks = toks.with_columns(
        pl.Series("run_id", rid.astype(np.uint32)),
        pl.Series("tok_i", tok_i), pl.Series("n_tok", n_tok),
        *(pl.Series(c, a) for c, a in cols.items()))
    return toks, pl.concat([runs, new_runs.cast(runs.schema)])


def candidate_tokens(articles: pl.DataFrame | pl.LazyFrame) -> Candidates:
    """Tokens of every candidate run with offsets, word-level columns (lower, shape, lexicon
    code, key hash `_hk`) and gazetteer span columns (gz: code, gz_m: match id or -1)."""
    runs = candidate_runs(articles)
    # tokens (_SPLIT): a run splits at every space and at a hyphen not followed by a lower-case
    # letter or digit; only runs with a hyphen need the regex, which turns such hyphens into
    # spaces (same length: token offsets stay), and a literal split does the rest
    run = runs["run"]
    hrun = run.str.contains("-", literal=True)
    hidx = hrun.arg_true()
    if hidx.len():
        run = run.scatter(hidx, run.gather(hidx).str.replace_all(
            r"-([^\p{Ll}\p{N}])", " ${1}"))
    split = run.str.split(" ")
    per_run = split.list.len().to_numpy().astype(np.int64)
    first_at = np.repeat(np.cumsum(per_run) - per_run, per_run)
    toks = split.explode().alias("word").to_frame()
    ln = toks["word"].str.len_chars().cast(pl.Int64).to_numpy()
    # tokens of a run are separated by exactly one character (a space or a hyphen)
    cs = np.cumsum(ln + 1) - (ln + 1)
    toks = toks.with_columns(
        pl.Series("run_id", np.repeat(np.arange(per_run.size, dtype=np.uint32), per_run)),
        pl.Series("tok_i", np.arange(ln.size) - first_at),
        pl.Series("n_tok", np.repeat(per_run, per_run)),
        pl.Series("_off", cs - cs[first_at]),
        pl.Series("_len", ln),
    )
    rid = toks["run_id"]
    rc = runs.select(
        pl.col("_doc", "start", "sent_start").gather(rid),
        # the context words reach the tokens as base hashes (see with_base_hashes); training
        # gathers the strings itself
        *(_base(c, pl.col(c)).gather(rid).alias(f"_h:{c}") for c in _CTX_COLS),
        pl.col("dg").gather(rid),
        hrun.gather(rid).alias("_hrun"),
    )
    toks = pl.concat([toks, rc], how="horizontal").select(
        "_doc", "run_id", pl.col("tok_i").cast(pl.Int64), "n_tok",
        (pl.col("start") + pl.col("_off")).alias("start"),
        (pl.col("start") + pl.col("_off") + pl.col("_len")).alias("end"),
        "word", "sent_start", *(f"_h:{c}" for c in _CTX_COLS), "dg", "_hrun", "_off",
        pl.col("word").hash().alias("_hw"),
    )
    # a hyphen (not a space) before the token: only runs with a hyphen need a look
    hy = np.zeros(toks.height, dtype=bool)
    idx = np.flatnonzero((toks["_hrun"] & (toks["tok_i"] > 0)).to_numpy())
    if idx.size:
        sub = pl.DataFrame({"_r": runs["run"].gather(toks["run_id"].gather(idx)),
                            "_o": toks["_off"].gather(idx)})
        hy[idx] = sub.select(pl.col("_r").str.slice(pl.col("_o") - 1, 1) == "-").to_series(
        ).to_numpy()
    toks = toks.drop("_hrun", "_off").with_columns(pl.Series("hyph_before", hy))
    # word-level columns, computed once per distinct word
    cmp = _compound_word()
    words = (
        toks.lazy().select("_hw", "word").unique("_hw")
        .with_columns(pl.col("word").str.to_lowercase().alias("lower"),
                      _token_hash(pl.col("word")).alias("_hk"),
                      _shape(pl.col("word")).alias("shape"))
        .join(_token_lexicon().lazy(), on="_hk", how="left")
        .with_columns(pl.col("lower").hash().alias("_hl"))
        .join(_casing().lazy(), on="_hl", how="left")
        .with_columns(pl.col("lex").fill_null(0), pl.col("cas").fill_null(0),
                      _base("shape", pl.col("shape")).alias("_h:shape"),
                      pl.col("word").is_in(GENERIC).alias("_gen"),
                      pl.col("lower").is_in(CONNECTORS).alias("_conn"),
                      pl.col("word").is_in(FUNCTION_CONNECTORS).alias("_fn"),
                      pl.col("word").str.contains(r"\p{Ll}").alias("_low"),
                      (pl.lit(False) if cmp is None else pl.col("word").str.contains(cmp))
                      .alias("_cmp"))
        .collect()
        .with_row_index("_wi")
    )
    # word-level columns reach the tokens as integers (training joins the strings itself)
    toks = toks.join(words.select("_hw", "_wi", "lex", "_hk", "_hl", "_h:shape", "_gen", "_fn",
                                  "_conn", "_low", "_cmp", "cas"), on="_hw", how="left",
                     maintain_order="left")
    toks, runs = _split_at_compounds(toks, runs)
    # run_caps: no token of the run has a lower-case letter (an all-caps headline)
    run_id = toks["run_id"].to_numpy()
    low = np.bincount(run_id, weights=toks["_low"].to_numpy(), minlength=runs.height)
    toks = toks.drop("_low").with_columns(pl.Series("run_caps", (low == 0)[run_id]))
    return Candidates(runs, _gazetteer_spans(toks), words)


def _gazetteer_spans(toks: pl.DataFrame) -> pl.DataFrame:
    """Longest gazetteer matches over token n-grams inside runs, by a lookup of the n-gram's
    rolling hash: `gz` (code _B/_I + kind index, else 0) and `gz_m` (match id, else -1)."""
    n_all = toks.height
    hk = toks["_hk"].to_numpy()
    rem = (toks["n_tok"] - toks["tok_i"]).to_numpy()
    g = hk.copy()
    tids: list[np.ndarray] = []
    ns: list[np.ndarray] = []
    gs: list[np.ndarray] = []
    with np.errstate(over="ignore"):
        for n in range(2, MAX_NGRAM + 1):
            g = g[:-1] * np.uint64(_HMIX) + hk[n - 1:]  # n-grams starting at 0..n_all-n
            at = np.flatnonzero(rem[: g.size] >= n)
            tids.append(at)
            ns.append(np.full(at.size, n, dtype=np.int64))
            gs.append(g[at])
    # multi-token names: the n-grams whose hash is a gazetteer key (its hash table)
    _, gz_slots, gz_at, gz_zero, gz_kind, _ = _gz_codes()
    g_all = np.concatenate(gs)
    row = gz_at[_probe(gz_slots, g_all)]
    if gz_zero >= 0:
        row[g_all == 0] = gz_zero
    hit = np.flatnonzero(row >= 0)
    # one-token names are the tokens whose lexicon code is a gazetteer kind (no lookup needed)
    lex = toks["lex"].to_numpy()
    one = np.flatnonzero((lex >= 1) & (lex <= LEX_KINDS.index("demonym") + 1))
    h_tid = np.concatenate([one, np.concatenate(tids)[hit]]).astype(np.int64)
    h_n = np.concatenate([np.ones(one.size, dtype=np.int64), np.concatenate(ns)[hit]])
    h_kind = np.concatenate([lex[one] - 1, gz_kind[row[hit]]]).astype(np.int64)
    code = np.zeros(n_all, dtype=np.int64)
    mid = np.full(n_all, -1, dtype=np.int64)
    if h_tid.size:
        # every token a match covers; the longest (then earliest) match per token wins, and a
        # match counts only if it wins all its tokens. A match is ranked by one integer
        # (length, then earliness, then its kind in the low bits) and every token keeps the
        # best rank covering it. Only the longest match from a start token can win a token,
        # so the winner's start token identifies it (the match id).
        tid, hn = h_tid, h_n
        rank = ((hn * (n_all + 1) + (n_all - tid)) << 4) | h_kind
        best = np.full(n_all, -1, dtype=np.int64)
        for k in range(int(hn.max())):
            sel = hn > k
            np.maximum.at(best, tid[sel] + k, rank[sel])
        at = np.flatnonzero(best >= 0)
        r = best[at]
        w_kind = r & 15
        r >>= 4
        w_n = r // (n_all + 1)
        w_tid = n_all - r % (n_all + 1)
        wins = np.bincount(w_tid, minlength=n_all)
        ok = wins[w_tid] == w_n
        at, w_kind, w_tid = at[ok], w_kind[ok], w_tid[ok]
        code[at] = np.where(at == w_tid, _B, _I) + w_kind
        mid[at] = w_tid
    return toks.with_columns(pl.Series("gz", code), pl.Series("gz_m", mid))


# ---------------------------------------------------------------- features

# Feature templates: name -> parts, each part a token column and a row shift (1 = previous
# token of the run, -1 = next). A feature's key is the XOR of its parts' polars hashes, seeded
# per template and part; the weights file keeps the parts as strings and is hashed at load
# time in the same process, so hashes never need to be stable across polars versions.
Part = tuple[str, int | str]  # (column, shift: 0, 1, -1, or "F"/"L" = the run's first/last)
WORD_TEMPLATES: dict[str, tuple[Part, ...]] = {
    "w": (("word", 0),), "l": (("lower", 0),), "sh": (("shape", 0),),
    "x2": (("x2", 0),), "x3": (("x3", 0),), "x4": (("x4", 0),),
    "p2": (("p2", 0),), "p3": (("p3", 0),), "p4": (("p4", 0),),
}
TOKEN_TEMPLATES: dict[str, tuple[Part, ...]] = {
    "b": (),
    "s": (("shape", 0), ("si", 0)),
    "pos": (("pos", 0), ("si", 0), ("nt", 0)),
    "pl": (("lower", 1),), "plc": (("prev_word", 0),),
    "nl": (("lower", -1),), "nlc": (("next_word", 0),),
    "cp": (("prev_word", 0),), "cn": (("next_word", 0),),
    "g": (("lexc", 0), ("pos", 0)),
    "gp": (("lexc", 1),), "gp0": (("pos", 0),),
    "gn": (("lexc", -1),), "gn0": (("pos", 0),),
    "sil": (("si", 0), ("lower", 0)),
    "plw": (("lower", 1), ("lower", 0)), "plwc": (("prev_word", 0), ("lower", 0)),
    "nlw": (("lower", -1), ("lower", 0)), "nlwc": (("next_word", 0), ("lower", 0)),
    "caps": (("caps", 0),),
    "rf": (("lower", "F"), ("pos", 0)), "rl": (("lower", "L"), ("pos", 0)),
    "ev": (("ev", 0), ("pos", 0)),
    "dn": (("dn", 0), ("si", 0), ("pos", 0)),
    "ps": (("shape", 1), ("shape", 0)), "ps0": (("shape", 0),),
    "ns": (("shape", -1), ("shape", 0)), "ns0": (("shape", 0),),
    "cp2": (("prev2", 0), ("prev_word", 0)),
    "dg": (("dg", 0), ("pos", 0)),
    "cas": (("cas", 0), ("si", 0), ("pos", 0)),
}
# token feature slots: alternatives (template, condition) - the first whose condition holds
_FIRST = pl.col("tok_i") == 0
_LAST = pl.col("tok_i") == pl.col("n_tok") - 1
SLOTS: tuple[tuple[tuple[str, pl.Expr | None], ...], ...] = (
    (("b", None),), (("s", None),), (("pos", None),),
    (("plc", _FIRST), ("pl", None)), (("nlc", _LAST), ("nl", None)),
    (("cp", None),), (("cn", None),), (("g", None),),
    (("gp0", _FIRST), ("gp", None)), (("gn0", _LAST), ("gn", None)),
    (("sil", None),),
    (("plwc", _FIRST), ("plw", None)), (("nlwc", _LAST), ("nlw", None)),
    (("caps", None),),
    (("ps0", _FIRST), ("ps", None)), (("ns0", _LAST), ("ns", None)),
    (("rf", None),), (("rl", None),), (("dn", None),), (("ev", None),),
    (("cp2", None),), (("dg", None),), (("cas", None),),
)
# slots with few distinct keys (shape, position, lexicon classes): scored once per distinct
# combination of their inputs (`_low_scores`), then joined to the tokens
_LOW_SLOTS = tuple(i for i, alts in enumerate(SLOTS)
                   if alts[0][0] in ("b", "s", "pos", "g", "gp0", "gn0", "caps", "ps0", "ns0",
                                     "dn"))
# slots of small-integer templates scored by direct indexing (`_grid_scores`): template ->
# the value count of each of its parts
_GRID = {"ev": (2, 4), "dg": (4, 4), "cas": (6, 2, 4)}
_GRID_SLOTS = tuple(i for i, alts in enumerate(SLOTS) if alts[0][0] in _GRID)
_SIL_SLOT = next(i for i, alts in enumerate(SLOTS) if alts[0][0] == "sil")
# pass 2 (stacking): features of the pass-1 labels around a token
STACK_TEMPLATES: dict[str, tuple[Part, ...]] = {
    "y": (("l1", 0),), "yp": (("l1p", 0), ("l1", 0)), "yn": (("l1n", 0), ("l1", 0)),
    "ypn": (("l1p", 0), ("l1n", 0)), "yd": (("l1d", 0), ("l1", 0)),
    "yr": (("l1f", 0), ("l1l", 0), ("l1", 0)), "yrp": (("l1", 0), ("pos", 0)),
    "ytri": (("l1p", 0), ("l1", 0), ("l1n", 0)), "ysi": (("l1", 0), ("si", 0), ("pos", 0)),
    "ycaps": (("l1", 0), ("caps", 0)), "ydp": (("l1d", 0), ("l1", 0), ("pos", 0)),
}
STACK = True
_INT_COLS = {"si", "pos", "nt", "caps", "lexc", "dn", "ev", "dg", "cas", "l1", "l1p", "l1n",
             "l1f", "l1l", "l1d"}


def _seed(tpl: str, k: int) -> int:
    return zlib.crc32(f"{tpl}/{k}".encode())


def _key(tpl: str, parts: list[pl.Expr]) -> pl.Expr:
    """A feature key from its (unshifted or shifted) part expressions' hashes."""
    if not parts:
        return pl.lit(_seed(tpl, 99), dtype=pl.UInt64)
    key = parts[0]
    for p in parts[1:]:
        key = key ^ p
    return key


_MIXC = 0xBF58476D1CE4E5B9  # odd: multiplying by it mixes a seeded part hash (mod 2**64)


def _base(col: str, src: pl.Expr) -> pl.Expr:
    """A part's value as UInt64: the polars hash of a string column, an integer as is."""
    return src.cast(pl.UInt64) if col in _INT_COLS else src.hash(0)


def _hpart(tpl: str, k: int, h: pl.Expr) -> pl.Expr:
    """Part k of template tpl from its base hash: seeded per template and part."""
    return (h ^ pl.lit(_seed(tpl, k), dtype=pl.UInt64)) * pl.lit(_MIXC, dtype=pl.UInt64)


def with_base_hashes(frame: pl.DataFrame, table: dict[str, tuple[Part, ...]]) -> pl.DataFrame:
    """`frame` with a `_h:<col>` base hash column for every column the templates read (each
    string column is hashed once however many templates use it)."""
    cols = sorted({c for spec in table.values() for c, _ in spec} - {
        c[3:] for c in frame.columns if c.startswith("_h:")})
    return frame.with_columns(
        (pl.col("_hl") if c == "lower" and "_hl" in frame.columns else _base(c, pl.col(c)))
        .alias(f"_h:{c}") for c in cols)


def _moved(expr: pl.Expr, shift: int | str) -> pl.Expr:
    if shift == "F":
        return expr.gather(pl.int_range(pl.len()) - pl.col("tok_i"))
    if shift == "L":
        return expr.gather(pl.int_range(pl.len()) - pl.col("tok_i") + pl.col("n_tok") - 1)
    assert isinstance(shift, int)
    return expr.shift(shift) if shift else expr


def template_key(tpl: str, table: dict[str, tuple[Part, ...]]) -> pl.Expr:
    """The key of template `tpl` over a frame with base hashes (`with_base_hashes`)."""
    return _key(tpl, [_moved(_hpart(tpl, k, pl.col(f"_h:{c}")), s)
                      for k, (c, s) in enumerate(table[tpl])])


def template_parts(tpl: str, table: dict[str, tuple[Part, ...]]) -> list[pl.Expr]:
    """The parts of template `tpl` as strings (what the weights file stores)."""
    return [_moved(pl.col(c).cast(pl.String), s).alias(f"p{k}")
            for k, (c, s) in enumerate(table[tpl])]


def word_columns(words: pl.DataFrame) -> pl.DataFrame:
    """Affix columns of the distinct-word table (inputs of WORD_TEMPLATES)."""
    lw = pl.col("lower")
    return words.with_columns(
        *(lw.str.tail(n).alias(f"x{n}") for n in (2, 3, 4)),
        *(lw.str.head(n).alias(f"p{n}") for n in (2, 3, 4)),
    )


def token_columns(toks: pl.DataFrame) -> pl.DataFrame:
    """Small integer columns of the token frame (inputs of TOKEN_TEMPLATES)."""
    first, last = _FIRST, _LAST
    si = (first & pl.col("sent_start")).cast(pl.Int64)
    pos = (pl.when(first & last).then(0).when(first).then(1).when(last).then(2).otherwise(3)
           .cast(pl.Int64))
    out = toks.with_columns(
        si.alias("si"), pos.alias("pos"),
        pl.col("n_tok").clip(upper_bound=4).alias("nt"),
        (pl.col("run_caps").cast(pl.Int64) * 10 + pl.col("n_tok").clip(upper_bound=3))
        .alias("caps"),
        pl.when(pl.col("gz") > 0).then(pl.col("gz")).otherwise(pl.col("lex")).alias("lexc"),
    )
    # the same word elsewhere in the article: how often, and whether once not sentence-initial
    gi = _doc_groups(out)
    s = out["si"].to_numpy()
    n = np.bincount(gi)
    mid = np.bincount(gi, weights=1 - s)[gi] - (1 - s)
    # the run ends in an event / award / treaty head (Cup, War, Treaty: misc_cues.csv)
    tok_i = out["tok_i"].to_numpy()
    last = np.arange(tok_i.size) - tok_i + out["n_tok"].to_numpy() - 1
    ev = (out["lex"].to_numpy() == _EVENT_LEX)[last] if tok_i.size else np.zeros(0, bool)
    return out.with_columns(
        pl.Series("_grp", gi),
        pl.Series("dn", np.minimum(n[gi], 3) * 10 + (mid > 0)),
        pl.Series("ev", ev.astype(np.int64)),
    )


def _slot_expr(alts: Sequence[tuple[str, pl.Expr | None]],
               key: Callable[[str], pl.Expr]) -> pl.Expr:
    """A slot's key: that of the first alternative whose condition holds (the one without a
    condition is the default)."""
    expr: pl.Expr | None = None
    chain: Any = None  # pl.when(...).then(...) chain
    for tpl, cond in alts:
        k = key(tpl)
        if cond is None:
            expr = k if chain is None else chain.otherwise(k)
        else:
            chain = pl.when(cond).then(k) if chain is None else chain.when(cond).then(k)
    assert expr is not None
    return expr


def slot_keys(toks: pl.DataFrame, skip: tuple[int, ...] = ()) -> pl.DataFrame:
    """One UInt64 key column `k<i>` per token feature slot but `skip` (`token_columns` must
    have run)."""
    out = [_slot_expr(alts, lambda tpl: template_key(tpl, TOKEN_TEMPLATES)).alias(f"k{i}")
           for i, alts in enumerate(SLOTS) if i not in skip]
    used = {t: TOKEN_TEMPLATES[t] for i, alts in enumerate(SLOTS) if i not in skip
            for t, _ in alts}
    return with_base_hashes(toks, used).select(out)


def word_keys(words: pl.DataFrame) -> pl.DataFrame:
    return with_base_hashes(word_columns(words), WORD_TEMPLATES).select(
        template_key(t, WORD_TEMPLATES).alias(f"w{i}") for i, t in enumerate(WORD_TEMPLATES))


# ---------------------------------------------------------------- typing

class Model(NamedTuple):
    keys: pl.DataFrame  # _key (UInt64) -> _row (UInt32)
    w: np.ndarray       # (rows + 1, labels) float32; the last row is zeros (unknown feature)
    slots: np.ndarray   # open-addressing hash table of the keys (UInt64, 0 = empty slot)
    sw: np.ndarray      # (slots, labels) float32: the weights of each slot's key (0 if empty)


_SLOT_BITS = 19  # 524,288 slots: ~0.2 load for ~100k features (few probes past the home slot)


def _slot_table(keys: np.ndarray, rows: np.ndarray, w: np.ndarray,
                bits: int = _SLOT_BITS) -> tuple[np.ndarray, np.ndarray]:
    """Linear-probing hash table of the feature keys (`_hash_slots`) with the weights of each
    slot's key (zeros in an empty slot)."""
    slots, at = _hash_slots(keys, rows, bits)
    sw = np.zeros((slots.size, w.shape[1]), dtype=np.float32)
    sw[at >= 0] = w[at[at >= 0]]
    return slots, sw


def _hash_slots(keys: np.ndarray, rows: np.ndarray,
                bits: int = _SLOT_BITS) -> tuple[np.ndarray, np.ndarray]:
    """Linear-probing hash table of UInt64 keys (vectorised insert: every round places one key
    per free slot, the others probe on): the slots' keys and rows (-1 if empty). A key's home
    slot is its top `bits` bits (keys are mixed hashes); key 0 marks an empty slot, so a
    (vanishingly rare) zero key is dropped."""
    while keys.size * 2 > (1 << bits):
        bits += 1
    size = 1 << bits
    slots = np.zeros(size, dtype=np.uint64)
    at = np.full(size, -1, dtype=np.int64)
    ok = keys != 0
    keys, rows = keys[ok], rows[ok]
    pos = (keys >> np.uint64(64 - bits)).astype(np.int64)
    pend = np.arange(keys.size)
    while pend.size:
        free = pend[slots[pos[pend]] == 0]
        _, first = np.unique(pos[free], return_index=True)
        win = free[first]
        slots[pos[win]] = keys[win]
        at[pos[win]] = rows[win]
        pend = pend[slots[pos[pend]] != keys[pend]]
        taken = slots[pos[pend]] != 0
        pos[pend[taken]] = (pos[pend[taken]] + 1) & (size - 1)
    return slots, at


@lru_cache(maxsize=1)
def model() -> Model | None:
    """The weights file hashed into lookup keys (in this process: see TOKEN_TEMPLATES)."""
    if not WEIGHTS.exists():
        return None
    tab = pl.read_parquet(WEIGHTS)
    table = {**WORD_TEMPLATES, **TOKEN_TEMPLATES, **STACK_TEMPLATES}
    tab = tab.filter(pl.col("tpl").is_in(list(table))).with_row_index("_row")
    parts = []
    for tpl, spec in table.items():
        sel = tab.filter(pl.col("tpl") == tpl)
        hp = [_hpart(tpl, k, _base(c, pl.col(f"p{k}").cast(
            pl.Int64 if c in _INT_COLS else pl.String))) for k, (c, _) in enumerate(spec)]
        parts.append(sel.select(_key(tpl, hp).alias("_key"), "_row"))
    keys = pl.concat(parts).unique("_key", keep="first", maintain_order=True)
    w = tab.select(f"w_{lab}" for lab in LABELS).to_numpy().astype(np.float32)
    slots, sw = _slot_table(keys["_key"].to_numpy(), keys["_row"].to_numpy().astype(np.int64),
                            w)
    return Model(keys, np.vstack([w, np.zeros((1, len(LABELS)), np.float32)]), slots, sw)


def _slots_of(m: Model, k: np.ndarray) -> np.ndarray:
    """The table slot of every key: its own slot, or an empty one (zero weights) if the model
    does not know it. Few keys probe past their home slot at this load."""
    return _probe(m.slots, k)


def _probe(slots: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The slot of every key in a `_hash_slots` table: its own, or an empty one."""
    mask = slots.size - 1
    pos = (k >> np.uint64(64 - mask.bit_length())).astype(np.intp)
    s = np.take(slots, pos, mode="clip")
    todo = np.flatnonzero((s != k) & (s != 0))
    while todo.size:
        pos[todo] = (pos[todo] + 1) & mask
        s = slots[pos[todo]]
        todo = todo[(s != k[todo]) & (s != 0)]
    return pos


def _rows(a: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Rows `idx` of a 2-d array: `np.take` along axis 0 is several times faster than fancy
    indexing `a[idx]` for narrow rows (indices are in range by construction)."""
    return np.take(a, idx, axis=0, mode="clip")


def _lookup(m: Model, keys: pl.DataFrame, out: np.ndarray | None = None) -> np.ndarray:
    """Summed weights of every row's feature keys (one column per feature), added to `out`
    in place if given (fewer large temporaries)."""
    total = np.zeros((keys.height, len(LABELS)), dtype=np.float32) if out is None else out
    part = np.empty_like(total)
    for c in keys.columns:
        col = keys[c]
        pos = _slots_of(m, (col.fill_null(0) if col.null_count() else col).to_numpy())
        np.take(m.sw, pos, axis=0, out=part, mode="clip")
        total += part
    return total


DOC_VOTE = 0.25  # weight of the article-wide score of the same word (tuned on a train holdout)


def base_scores(cands: Candidates, m: Model, toks: pl.DataFrame) -> np.ndarray:
    """Pass-1 label scores (tokens x LABELS): word-level features once per distinct word,
    token features by slot. The `sil` slot (sentence-initial x word) is word-level too: it is
    scored once per distinct word for si = 0 and 1 and added to the word's scores."""
    words = cands.words
    spec = {"sil": TOKEN_TEMPLATES["sil"]}
    sil = pl.concat([words.select("_hl", pl.lit(si, dtype=pl.Int64).alias("si"))
                     for si in (0, 1)])
    wsc = np.tile(_lookup(m, word_keys(words)), (2, 1)) + _lookup(
        m, with_base_hashes(sil, spec).select(template_key("sil", spec)))
    widx = toks["_wi"].to_numpy().astype(np.int64) + words.height * toks["si"].to_numpy()
    skip = (*_GRID_SLOTS, _SIL_SLOT)
    low = tuple(i for i in _LOW_SLOTS if i not in skip)
    total = _rows(wsc, widx)
    total += _low_scores(m, toks, low)
    _lookup(m, slot_keys(toks, skip=skip + low), out=total)
    for i in _GRID_SLOTS:
        total += _grid_scores(m, toks, SLOTS[i][0][0])
    return total


def _low_scores(m: Model, toks: pl.DataFrame, slots: tuple[int, ...]) -> np.ndarray:
    """Weights of the low-cardinality slots (shape, position, lexicon classes): their inputs
    (moved base hashes, and the first / last token flags their conditions read) are fused into
    one code per token, and the slot keys are computed and looked up once per distinct code."""
    tpls = {t: TOKEN_TEMPLATES[t] for i in slots for t, _ in SLOTS[i]}
    parts = sorted({(c, str(s)) for spec in tpls.values() for c, s in spec})
    shift = {str(s): s for spec in tpls.values() for _, s in spec}
    # the inputs in numpy (no token-length frame per input): base hashes as UInt64 (small
    # integers as themselves), moved by their shift (0 where the shift runs off the frame)
    n = toks.height
    tok_i = toks["tok_i"].to_numpy()
    base: dict[str, np.ndarray] = {}
    for c in {c for c, _ in parts}:
        if f"_h:{c}" in toks.columns:
            col = toks[f"_h:{c}"]
        elif c == "lower" and "_hl" in toks.columns:
            col = toks["_hl"]
        elif c in _INT_COLS and toks[c].dtype == pl.Int64:
            col = toks[c]  # (non-negative: its bits are its UInt64 cast)
        else:
            col = toks.select(_base(c, pl.col(c))).to_series()
        a = (col.fill_null(0) if col.null_count() else col).to_numpy()
        base[c] = a.view(np.uint64) if a.dtype == np.int64 else a.astype(np.uint64)
    at = np.arange(n)

    def moved_at(c: str, s: str, rows: np.ndarray) -> np.ndarray:
        """Input `c` moved by shift `s`, at `rows`."""
        sh = shift[s]
        if sh == 0:
            return base[c][rows]
        if sh == "F":
            src = rows - tok_i[rows]
        elif sh == "L":
            src = rows - tok_i[rows] + toks["n_tok"].to_numpy()[rows] - 1
        else:
            assert isinstance(sh, int)
            src = rows - sh
        ok = (src >= 0) & (src < n)
        return np.where(ok, base[c][np.clip(src, 0, max(n - 1, 0))], np.uint64(0))

    # tok_i / n_tok stand-ins keep the slot conditions (first: tok_i == 0, last: tok_i ==
    # n_tok - 1) with two values each
    ti = np.minimum(tok_i, 1)
    base["tok_i"] = ti.astype(np.uint64)
    base["n_tok"] = (ti + np.minimum(toks["n_tok"].to_numpy() - tok_i, 2)).astype(np.uint64)
    shift["0"] = 0
    names = [*parts, ("tok_i", "0"), ("n_tok", "0")]
    # one code per token: the inputs times distinct powers of an odd constant (small-integer
    # inputs must not cancel out), accumulated in place
    fused = np.zeros(n, dtype=np.uint64)
    tmp = np.empty(n, dtype=np.uint64)
    for i, (c, s) in enumerate(names):
        mul = np.uint64(pow(_HMIX, i + 1, 2**64))
        sh = shift[s]
        if sh in (0, 1, -1) and n:
            src = base[c]
            if sh == 0:
                np.multiply(src, mul, out=tmp)
            elif sh == 1:
                np.multiply(src[:-1], mul, out=tmp[1:])
                tmp[0] = 0
            else:
                np.multiply(src[1:], mul, out=tmp[:-1])
                tmp[-1] = 0
        else:
            np.multiply(moved_at(c, s, at), mul, out=tmp)
        fused += tmp
    # distinct codes (dense ids) and one token of each
    cidx = pl.Series(fused).rank("dense").to_numpy().astype(np.int64) - 1
    rep = np.empty(int(cidx.max()) + 1 if n else 0, dtype=np.int64)
    rep[cidx] = at
    combos = pl.DataFrame({f"{c}@{s}" if (c, s) in parts else c:
                           pl.Series(moved_at(c, s, rep), dtype=pl.UInt64)
                           for c, s in names})
    def fused_key(tpl: str) -> pl.Expr:
        return _key(tpl, [_hpart(tpl, j, pl.col(f"{c}@{s}"))
                          for j, (c, s) in enumerate(TOKEN_TEMPLATES[tpl])])

    keys = [_slot_expr(SLOTS[i], fused_key).alias(f"k{i}") for i in slots]
    return _rows(_lookup(m, combos.select(keys)), cidx)


def _grid_scores(m: Model, toks: pl.DataFrame, tpl: str) -> np.ndarray:
    """Weights of a slot whose template reads only small integers (`_GRID`: event head x
    position, numbers around the run x position, casing class x sentence start x position) by
    direct indexing: every combination of values is looked up once (the same as a key lookup,
    and cheaper than more columns in the fused lookup)."""
    spec = {tpl: TOKEN_TEMPLATES[tpl]}
    cards = _GRID[tpl]
    cols = [c for c, _ in spec[tpl]]
    grid = pl.DataFrame({c: a.ravel().astype(np.int64) for c, a in zip(
        cols, np.indices(cards), strict=True)})
    w = _lookup(m, with_base_hashes(grid, spec).select(template_key(tpl, spec)))
    code = np.zeros(toks.height, dtype=np.int64)
    for c, card in zip(cols, cards, strict=True):
        code *= card
        code += toks[c].to_numpy()
    return _rows(w, code)


def _doc_groups(toks: pl.DataFrame) -> np.ndarray:
    """Group number of every token's (article, lower-cased word)."""
    if "_grp" in toks.columns:
        return toks["_grp"].to_numpy()
    grp = toks.select((pl.col("_hl") ^ pl.col("_doc").hash()).rank("dense").alias("_g"))["_g"]
    return grp.to_numpy().astype(np.int64) - 1


def _group_sums(gi: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Every row's sum of `s` over its group (in `s`'s dtype)."""
    return _rows(_group_totals(gi, s), gi)


def _group_totals(gi: np.ndarray, s: np.ndarray) -> np.ndarray:
    """The sum of `s` over every group (one row per group number, in `s`'s dtype)."""
    sums = np.zeros((int(gi.max()) + 1 if gi.size else 0, s.shape[1]), s.dtype)
    for j in range(s.shape[1]):
        sums[:, j] = np.bincount(gi, weights=s[:, j], minlength=sums.shape[0])
    return sums


_STACK_COLS = ("l1", "l1p", "l1n", "l1f", "l1l", "l1d", "si", "caps", "pos")
# values per column, dense: 5 = no neighbour (9 in the features), caps r*10+n as r*4+n
_STACK_CARD = (5, 6, 6, 5, 5, 5, 2, 8, 4)
_CAPS_DENSE = np.array([c // 10 * 4 + c % 10 for c in range(14)])  # caps r*10+n -> r*4+n


def _stack_arrays(toks: pl.DataFrame, s1: np.ndarray, doc: np.ndarray | None,
                  l1d: np.ndarray | None = None) -> list[np.ndarray]:
    """Pass-2 inputs (_STACK_COLS) from pass-1 scores `s1` and their article-wide sums `doc`:
    the token's pass-1 label (l1), its run neighbours' (l1p, l1n; 9 = none), the run's first
    and last token's (l1f, l1l), the article-wide label of the same word (l1d: `doc`'s argmax
    if not given), position."""
    l1 = s1.argmax(axis=1).astype(np.int64, copy=False)
    if l1d is None:
        assert doc is not None
        l1d = doc.argmax(axis=1).astype(np.int64, copy=False)
    tok_i = toks["tok_i"].to_numpy()
    n_tok = toks["n_tok"].to_numpy()
    l1p = np.roll(l1, 1)
    l1p[tok_i == 0] = 9
    l1n = np.roll(l1, -1)
    l1n[tok_i == n_tok - 1] = 9
    at = np.arange(l1.size) - tok_i
    return [l1, l1p, l1n, l1[at], l1[at + n_tok - 1], l1d,
            toks["si"].to_numpy(), toks["caps"].to_numpy(), toks["pos"].to_numpy()]


def stack_columns(toks: pl.DataFrame, s1: np.ndarray) -> pl.DataFrame:
    """The token frame with the pass-2 input columns (see `_stack_arrays`)."""
    doc = _group_sums(_doc_groups(toks), s1)
    cols = _stack_arrays(toks, s1, doc)
    return toks.with_columns(
        pl.Series(c, a) for c, a in zip(_STACK_COLS[:-3], cols[:-3], strict=True))


def stack_keys(st: pl.DataFrame) -> pl.DataFrame:
    return with_base_hashes(st, STACK_TEMPLATES).select(
        template_key(t, STACK_TEMPLATES).alias(f"y{i}") for i, t in enumerate(STACK_TEMPLATES))


def _stack_scores(m: Model, cols: list[np.ndarray]) -> np.ndarray:
    """Pass-2 weights of every token: the inputs are small integers, so every distinct
    combination is scored once (a dense code, kept small: a large scratch array costs page
    faults on every call) and gathered."""
    dense = list(cols)
    for j in (1, 2):  # no neighbour: 9 -> 5
        dense[j] = np.minimum(dense[j], 5)
    dense[7] = _CAPS_DENSE[dense[7]]
    code = np.zeros(cols[0].size, dtype=np.int32)  # (in place: no temporaries)
    for a, card in zip(dense, _STACK_CARD, strict=True):
        code *= card
        code += a
    size = int(np.prod(_STACK_CARD))
    seen = np.zeros(size, dtype=bool)
    seen[code] = True
    uc = np.flatnonzero(seen)
    parts = {}
    rest = uc.copy()
    for c, card in reversed(list(zip(_STACK_COLS, _STACK_CARD, strict=True))):
        parts[c] = rest % card
        rest //= card
    parts["l1p"] = np.where(parts["l1p"] == 5, 9, parts["l1p"])
    parts["l1n"] = np.where(parts["l1n"] == 5, 9, parts["l1n"])
    parts["caps"] = parts["caps"] // 4 * 10 + parts["caps"] % 4
    where = np.empty(size, dtype=np.int32)  # only the seen codes are read
    where[uc] = np.arange(uc.size, dtype=np.int32)
    return _rows(_lookup(m, stack_keys(pl.DataFrame(parts))), where[code])


def scores(cands: Candidates, m: Model, toks: pl.DataFrame | None = None) -> np.ndarray:
    """Per-token label scores (tokens x LABELS): pass 1; pass 2 (stacking) adds the weights
    of the pass-1 label context; the document vote adds a share of the article-wide pass-1
    scores of the same word (Pirelli is ORG everywhere or nowhere)."""
    toks = token_columns(cands.toks) if toks is None else toks
    s1 = base_scores(cands, m, toks)
    gi = _doc_groups(toks)
    doc = _group_totals(gi, s1)  # one row per (article, word): argmax and vote from there
    stack = _stack_arrays(toks, s1, None, doc.argmax(axis=1)[gi]) if STACK else []
    total = s1  # accumulated in place (s1 and doc are not read again)
    if DOC_VOTE:
        doc *= DOC_VOTE
        total += _rows(doc, gi)
    if STACK:
        total += _stack_scores(m, stack)
    return total


# label-transition scores inside a run (see `decode`): O -> name, name -> O, name -> another
# kind of name (tuned on a train holdout)
TRANS = (-6.0, -6.0, -40.0)
_TITLE_LEX = LEX_KINDS.index("title") + 1


def transitions(trans: tuple[float, float, float] | None = None) -> np.ndarray:
    """LABELS x LABELS transition scores (from row to column) from the three parameters."""
    t_oe, t_eo, t_ee = TRANS if trans is None else trans
    t = np.full((len(LABELS), len(LABELS)), t_ee, dtype=np.float32)
    t[0, :] = t_oe
    t[:, 0] = t_eo
    np.fill_diagonal(t, 0.0)
    return t


def decode(toks: pl.DataFrame, sc: np.ndarray, trans: np.ndarray | None = None) -> np.ndarray:
    """Best label sequence of every run under token scores `sc` plus transition scores
    (Viterbi). All runs step together, longest first: step k handles the k-th token of every
    run that long (a prefix of the sorted runs), so the Python loop is over run lengths (a few
    dozen), never over runs or articles. Leaving or entering O costs nothing at a run-initial
    common lower-case word or a title ("The National Basketball Association" is O + ORG, "Mr
    Johnson" O + PER)."""
    trans = transitions() if trans is None else trans
    lab = sc.argmax(axis=1)
    if sc.shape[0] == 0 or not trans.any():
        return lab
    tok_i = toks["tok_i"].to_numpy()
    # a common lower-case word starting the run (The, A) and a title (Mr, President) may be
    # O next to a name at no cost; inside a run ("Bank of England") they may not
    common = toks["lex"].to_numpy() == _TITLE_LEX
    first = np.flatnonzero((tok_i == 0) & (toks["n_tok"].to_numpy() > 1))
    common[first] |= toks["_hl"].gather(first).is_in(common_words().implode()).to_numpy()
    # transitions never add to a path's score, so a run whose best labels change nowhere at
    # a cost keeps them: only runs with a costly change are decoded
    cost = np.zeros(lab.size, dtype=bool)
    prev = lab[:-1]
    cur = lab[1:]
    cost[1:] = ((prev != cur) & (tok_i[1:] > 0)
                & ~((prev == 0) & common[:-1]) & ~((cur == 0) & common[1:]))
    at_cost = np.flatnonzero(cost)
    mark = np.zeros(lab.size, dtype=bool)
    mark[at_cost - tok_i[at_cost]] = True
    starts = np.flatnonzero(mark)
    if starts.size == 0:
        return lab
    n = toks["n_tok"].to_numpy()[starts]
    order = np.argsort(-n, kind="stable")
    starts, n = starts[order], n[order]
    cnt = np.searchsorted(-n, -np.arange(int(n[0])), side="left")  # runs longer than k
    delta = _rows(sc, starts).astype(np.float32)
    back = np.zeros(sc.shape, dtype=np.int8)
    for k in range(1, int(n[0])):
        c = cnt[k]
        at = starts[:c] + k
        cp = np.flatnonzero(common[at - 1])  # from a common word in O
        cc = np.flatnonzero(common[at])  # into a common word in O
        # the best previous label for every label: elementwise over the 5 previous labels
        # (4x faster than a max over the middle axis of a runs x 5 x 5 array)
        best = delta[:c, 0:1] + trans[0]
        best[cp, 1:] -= trans[0, 1:]
        arg = np.zeros((c, len(LABELS)), dtype=np.int8)
        for a in range(1, len(LABELS)):
            v = delta[:c, a:a + 1] + trans[a]
            v[cc, 0] -= trans[a, 0]
            arg[v > best] = a
            np.maximum(best, v, out=best)
        back[at] = arg
        delta[:c] = best + _rows(sc, at)
    cur = delta.argmax(axis=1)
    for k in range(int(n[0]) - 1, -1, -1):
        c = cnt[k]
        at = starts[:c] + k
        lab[at] = cur[:c]
        if k:
            cur[:c] = back[at, cur[:c]]
    return lab


def _rule_labels(toks: pl.DataFrame) -> np.ndarray:
    """Fallback typer without a trained model: lexicon hits, titles and suffixes."""
    lex = toks["lexc"].to_numpy() % 20
    kind = np.where(lex > 0, lex - 1, -1)
    run = toks["run_id"].to_numpy()
    org = np.bincount(run, weights=(kind == LEX_KINDS.index("orgsuf")))[run] > 0
    place = np.bincount(run, weights=(kind == LEX_KINDS.index("placesuf")))[run] > 0
    lab = np.full(toks.height, LABELS.index("PER"))
    lab[place] = LABELS.index("LOC")
    lab[org] = LABELS.index("ORG")
    common = ((toks["tok_i"] == 0) & toks["sent_start"] & (toks["n_tok"] == 1)).to_numpy()
    conn = toks["_conn"].to_numpy()
    lab[(common & (lex == 0)) | conn | (kind == LEX_KINDS.index("title"))] = 0
    lab[kind == LEX_KINDS.index("org")] = LABELS.index("ORG")
    lab[kind == LEX_KINDS.index("demonym")] = LABELS.index("MISC")
    lab[np.isin(kind, [2, 3, 4])] = LABELS.index("LOC")
    return lab


# ---------------------------------------------------------------- mentions

_MOD20 = np.arange(_I + 20) % 20  # a gazetteer code's kind (codes are below _I + 20)
_FORCED = {"person": "PER", "org": "ORG", "country": "LOC", "region": "LOC", "demonym": "MISC"}


def _mentions(cands: Candidates, toks: pl.DataFrame, lab: np.ndarray) -> pl.DataFrame:
    """Group consecutive same-label tokens of a run into mentions (numpy over token arrays).

    Curated gazetteer matches win: a multi-token match of a person, organisation, country,
    region or demonym takes the gazetteer's type on all its tokens and is a mention of its
    own (so "Institute for the Study of War" stays one ORG); one-token matches are left to the
    model (and to `link`'s type sanity). A match the model extends with typed words around it
    (Kurdistan Democratic Party, Hong Kong Open) is left to the model; a hyphen neighbour
    (Russia-North Korea) does not count."""
    n = toks.height
    tok_i = toks["tok_i"].to_numpy()
    first = tok_i == 0
    last = tok_i == toks["n_tok"].to_numpy() - 1
    hy = toks["hyph_before"].to_numpy()
    gz = toks["gz"].to_numpy()
    gm = toks["gz_m"].to_numpy()
    has = gm >= 0
    gzb = (gz >= _B) & (gz < _I)
    kind = np.where(has, _MOD20[gz], -1)
    flab = np.full(len(LEX_KINDS) + 1, -1)
    for k, v in _FORCED.items():
        flab[LEX_KINDS.index(k)] = LABELS.index(v)
    forced_lab = np.where(has, flab[kind], -1)
    # a function connector at the edge of a name is no part of it ("Shares of Acme Holdings":
    # "of" is O even if typed ORG); a few rounds peel "of the"
    fn = toks["_fn"].to_numpy()
    lab = lab.copy()
    for _ in range(3):
        before = np.append(0, lab[:-1])
        after = np.append(lab[1:], 0)
        edge = fn & (lab != 0) & (first | (before == 0) | last | (after == 0))
        if not edge.any():
            break
        lab[edge] = 0

    first_at = np.flatnonzero(first)
    last_at = np.flatnonzero(last)

    def prev(a: np.ndarray, fill: object) -> np.ndarray:
        out = np.empty_like(a)
        out[1:] = a[:-1]
        out[first_at] = fill
        return out

    def nxt(a: np.ndarray, fill: object) -> np.ndarray:
        out = np.empty_like(a)
        out[:-1] = a[1:]
        out[last_at] = fill
        return out

    if n and has.any():
        left = gzb & (prev(lab, 0) != 0) & ~hy
        pgm = prev(gm, -1)
        ngm = nxt(gm, -1)
        at_end = has & (last | (ngm != gm))
        right = at_end & (nxt(lab, 0) != 0) & ~nxt(hy, True)
        ids = gm[has]
        cnt = np.bincount(ids)
        bad = np.bincount(ids, weights=(left | right)[has], minlength=cnt.size) > 0
        multi = np.zeros(n, dtype=bool)
        multi[has] = (cnt[ids] > 1) & ~bad[ids]
        forced = (forced_lab >= 0) & multi
        lab = np.where(forced, forced_lab, lab)
        # a hyphen between two known names splits them (Russia-North Korea); a forced
        # gazetteer match is a mention of its own
        hyph_split = hy & has & (pgm >= 0) & (gm != pgm)
        pf = prev(forced, False)
        gz_edge = (forced & gzb) | (pf & (~has | (gm != pgm)))
        new = first | (lab != prev(lab, -1)) | hyph_split | gz_edge
    else:
        new = first | (lab != prev(lab, -1)) if n else np.zeros(0, dtype=bool)
    b = np.flatnonzero(new)
    e = np.append(b[1:], n) - 1
    keep = (lab[b] != 0) & ~((b == e) & toks["_gen"].to_numpy()[b])
    b, e = b[keep], e[keep]
    # the n-gram hash of every mention: sum of h_j * M^(e-j) (mod 2**64), by Horner's rule
    # over the tokens of the mentions at least k+1 tokens long (lengths are a few tokens)
    hk = toks["_hk"].to_numpy()
    g = hk[b]
    length = e - b + 1
    longer = np.flatnonzero(length > 1)
    with np.errstate(over="ignore"):
        step = 1
        while longer.size:
            g[longer] = g[longer] * np.uint64(_HMIX) + hk[b[longer] + step]
            step += 1
            longer = longer[length[longer] > step]
    rid = toks["run_id"].to_numpy()[b]
    runs = cands.runs
    start = toks["start"].to_numpy()[b]
    end = toks["end"].to_numpy()[e]
    # a one-token mention is its token; longer ones are sliced from their run
    mention = toks["word"].gather(b)
    multi = np.flatnonzero(e > b)
    if multi.size:
        rm = rid[multi]
        rs = runs["start"].to_numpy()[rm]
        mention = mention.scatter(multi, runs["run"].gather(rm).str.slice(
            pl.Series(start[multi] - rs), pl.Series(end[multi] - start[multi])))
    return pl.DataFrame({
        "_doc": toks["_doc"].to_numpy()[b],
        "start": start, "end": end,
        "label": lab[b], "n_tok": e - b + 1, "_g": g,
        "_hf": hk[b], "_hl": hk[e],
        "mention": mention,
        "_after": runs["after"].to_numpy()[rid] * last[e],  # only what follows the run's end
    })


# ---------------------------------------------------------------- public

def extract_entities(articles: pl.DataFrame) -> pl.DataFrame:
    """Entities of every article: one row per mention, typed and linked (see module doc)."""
    if articles.height == 0:
        return conform(pl.DataFrame(schema=_OUT_SCHEMA), Entities)
    cands = candidate_tokens(articles.select("text"))
    if cands.toks.height == 0:
        return conform(pl.DataFrame(schema=_OUT_SCHEMA), Entities)
    toks = token_columns(cands.toks)
    m = model()
    lab = decode(toks, scores(cands, m, toks)) if m is not None else _rule_labels(toks)
    ments = _mentions(cands, toks, lab)
    out = link(ments)
    out = out.with_columns(articles["article_id"].gather(out["_doc"]).alias("article_id"))
    return conform(out.select(list(_OUT_SCHEMA)), Entities)


_OUT_SCHEMA = {"article_id": pl.String, "start": pl.Int64, "end": pl.Int64, "text": pl.String,
               "type": pl.String, "canonical_name": pl.String, "entity_id": pl.String}
_TYPE_OF = {i: _TYPE.get(lab, "") for i, lab in enumerate(LABELS)}


def _lookup_cols(m: pl.DataFrame, right: pl.DataFrame, left_on: list[str],
                 right_on: list[str]) -> pl.DataFrame:
    """`m` with the columns of `right` (unique on `right_on`) joined on: only the key columns
    go through the join, the rest of `m` is not copied."""
    got = m.select(left_on).join(right, left_on=left_on, right_on=right_on, how="left",
                                 maintain_order="left", coalesce=True)
    return m.hstack(got.drop(left_on).get_columns())


# gazetteer kinds whose one-token names never resolve to a person of the article
_NOT_PERSON = ("country", "region", "demonym", "org", "place")
# kind (index in LEX_KINDS, -1 = none: the last entry) -> in _FORCED, in _NOT_PERSON
_KIND_IN = tuple(np.array([k in ks for k in LEX_KINDS] + [False])
                 for ks in (set(_FORCED), set(_NOT_PERSON)))


@lru_cache(maxsize=1)
def _gz_codes() -> tuple[pl.DataFrame, np.ndarray, np.ndarray, int, np.ndarray, np.ndarray]:
    """The gazetteer with a hash table of its keys (`_hash_slots`: slots and their rows), the
    row of a zero key (-1 if none: the table cannot hold it), and every row's kind (index in
    LEX_KINDS) and type (index in LABELS)."""
    gz = gazetteer()
    keys = gz["_g"].to_numpy()
    slots, at = _hash_slots(keys, np.arange(keys.size), bits=16)
    zero = np.flatnonzero(keys == 0)
    kind = gz["kind"].replace_strict({k: i for i, k in enumerate(LEX_KINDS)},
                                     return_dtype=pl.Int64).to_numpy()
    typ = gz["type"].replace_strict({v: LABELS.index(k) for k, v in _TYPE.items()},
                                    return_dtype=pl.Int64).to_numpy()
    return gz, slots, at, int(zero[0]) if zero.size else -1, kind, typ


def link(ments: pl.DataFrame) -> pl.DataFrame:
    """Type sanity and canonical identity for mentions (_doc, start, end, mention, label, n_tok,
    _g n-gram hash, _hf/_hl first/last token hashes, _after)."""
    # gazetteer hit of every mention's n-gram hash, and type sanity, on integer codes: countries/
    # regions are places, demonyms MISC, known people PERSON, known organisations ORG; a city
    # the model called a person is a place
    gz, gz_slots, gz_at, gz_zero, gz_kind, gz_type = _gz_codes()
    g = ments["_g"].to_numpy()
    row = gz_at[_probe(gz_slots, g)]
    if gz_zero >= 0:
        row[g == 0] = gz_zero
    hit = row >= 0
    row[~hit] = 0
    kind = np.where(hit, gz_kind[row], -1)
    typ = ments["label"].to_numpy()
    sure = _KIND_IN[0][kind]  # (kind -1: the last entry, False)
    place = (kind == LEX_KINDS.index("place")) & (typ == LABELS.index("PER"))
    typ = np.where(sure, gz_type[row], np.where(place, LABELS.index("LOC"), typ))
    g_ok = hit & (gz_type[row] == typ)
    g_row = pl.Series(np.where(g_ok, row, 0), dtype=pl.UInt32).scatter(
        np.flatnonzero(~g_ok), None) if g.size else pl.Series([], dtype=pl.UInt32)
    names = pl.Series([_TYPE_OF[i] for i in range(len(LABELS))], dtype=pl.String)
    hm = ments["mention"].hash()
    with np.errstate(over="ignore"):
        m = ments.with_columns(
            names.gather(typ).alias("type"),
            hm.alias("_hm"),
            pl.Series("_nk", ~_KIND_IN[1][kind]),
            gz["entity_id"].gather(g_row).alias("g_id"),
            gz["canonical_name"].gather(g_row).alias("g_name"),
            pl.Series("_htm", hm.to_numpy() ^ names.hash().to_numpy()[typ]),
            pl.Series("_hd", ments["_doc"].to_numpy().astype(np.uint64) * np.uint64(_HMIX)),
        ).with_row_index("_r")
    # the normalised-key id of mentions the gazetteer does not know, once per distinct
    # (type, mention)
    keyed = (
        m.select("_htm", "type", "mention", "g_id").filter(pl.col("g_id").is_null())
        .unique("_htm")
        .select("_htm", (pl.lit("key:") + pl.col("type").str.to_lowercase() + pl.lit(":")
                         + _slug(pl.col("mention"))).alias("k_id"))
    )
    m = _lookup_cols(m, keyed, ["_htm"], ["_htm"])

    # in-article person resolution: a one-token mention takes the id (and the type) of a
    # longer person mention in the same article whose first or last token it is, unless the
    # gazetteer knows it as something else
    full = m.filter((pl.col("type") == "PERSON") & (pl.col("n_tok") > 1)).select(
        "_hd", "_hf", "_hl", "_r",
        pl.coalesce("g_id", "k_id").alias("f_id"),
        pl.coalesce("g_name", pl.col("mention")).alias("f_name"),
    )
    # (article, token) pairs as one integer key
    heads = pl.concat([
        full.select((pl.col("_hd") ^ pl.col("_hf")).alias("_k"), "f_id", "f_name", "_r"),
        full.select((pl.col("_hd") ^ pl.col("_hl")).alias("_k"), "f_id", "f_name", "_r"),
    ]).sort("_r").unique("_k", keep="first", maintain_order=True).drop("_r")
    one = (pl.col("n_tok") == 1) & pl.col("_nk")
    m = _lookup_cols(m.with_columns((pl.col("_hd") ^ pl.col("_hf")).alias("_k")), heads,
                     ["_k"], ["_k"]).with_columns(
        pl.when(one).then(pl.col("f_id")).alias("f_id"),
        pl.when(one).then(pl.col("f_name")).alias("f_name"),
    ).with_columns(
        pl.when(pl.col("f_id").is_not_null()).then(pl.lit("PERSON")).otherwise(pl.col("type"))
        .alias("type"),
    )

    # acronyms defined in parentheses: "Institute for the Study of War (ISW)"
    at = np.flatnonzero(m.select((pl.col("n_tok") > 1) & (pl.col("_after") == 1))
                        .to_series().to_numpy())
    at = at[at + 1 < m.height]
    short = m[at + 1].select(pl.col("_doc").alias("_d2"), pl.col("start").alias("_s2"),
                             pl.col("mention").alias("_acr"), pl.col("_after").alias("_a2"),
                             pl.col("_hm").alias("_key_acr"))
    acr = pl.concat([m[at], short], how="horizontal").filter(
        (pl.col("_d2") == pl.col("_doc")) & (pl.col("_s2") == pl.col("end") + 2)
        & (pl.col("_a2") == 2)
        & pl.col("_acr").str.contains(r"^\p{Lu}{2,}$")
        & (pl.col("mention").str.extract_all(r"\b\p{Lu}").list.join("") == pl.col("_acr"))
    ).select(
        (pl.col("_hd") ^ pl.col("_key_acr")).alias("_k"),
        pl.coalesce("g_id", "k_id").alias("a_id"),
        pl.coalesce("g_name", pl.col("mention")).alias("a_name"),
        pl.col("type").alias("a_type"),
    ).unique("_k", keep="first", maintain_order=True)
    m = _lookup_cols(m.with_columns((pl.col("_hd") ^ pl.col("_hm")).alias("_k")), acr,
                     ["_k"], ["_k"])
    return m.select(
        "_doc", "start", "end", pl.col("mention").alias("text"),
        pl.coalesce("a_type", "type").alias("type"),
    ).with_columns(
        _coalesce(m, "a_name", "f_name", "g_name", "mention").alias("canonical_name"),
        _coalesce(m, "a_id", "f_id", "g_id", "k_id").alias("entity_id"),
    )


def _coalesce(m: pl.DataFrame, *cols: str) -> pl.Series:
    """The first non-null of `cols` in every row, as `pl.coalesce` (mostly-null columns are
    scattered over the last one: cheaper than a full pass over every column)."""
    out = m[cols[-1]]
    for c in cols[-2::-1]:
        col = m[c]
        idx = col.is_not_null().arg_true()
        if idx.len():
            out = out.scatter(idx, col.gather(idx))
    return out

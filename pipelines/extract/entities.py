"""Named entities (PERSON, ORG, PLACE, MISC) with canonical ids, vectorised in polars.

How it works, with no Python loop per article:
1. Candidates: one regex pass marks every *run* of capitalised tokens (joined by a space or a
   hyphen, with lower-case connectors such as "of", "for the" inside) and keeps the text gap
   before and after each run, which gives the left/right context words and whether the run
   starts a sentence.
2. Tokens: runs are split into tokens; each token gets string features (word, shape, suffix,
   position in run, neighbours, context words, gazetteer hits).
3. Typing: a linear model (an averaged perceptron trained on CoNLL-2003 train by
   `scripts/train_entities.py`, stored as `seeds/entities/model_weights.parquet`, one row per
   feature) scores every token by a join and a sum; consecutive tokens with the same label
   form a mention. Without the weights file, a rule typer (gazetteers, titles, suffixes) runs.
4. Identity: joins against the gazetteers (countries -> iso:XX, GeoNames cities ->
   geonames:N, curated people/organisations -> Wikidata QID or seed id); then in-article
   resolution (a surname or first token points to the full name seen in the article,
   "Institute for the Study of War (ISW)" makes ISW an alias); else key:type:name.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

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
    r"|Adm|Maj|Cpl|Pte|Bros|No)\."
)
_WORD = (
    r"\p{Lu}[\p{L}\p{N}]*(?:['’]\p{Lu}[\p{L}\p{N}]*)?"
    r"(?:-[\p{Ll}\p{N}][\p{L}\p{N}]*)*"
)
TOKEN = rf"(?:\p{{Lu}}\.){{2,}}|{_ABBR}|\p{{Lu}}\.|{_WORD}"
CONNECTORS = (
    "of", "the", "for", "and", "de", "du", "des", "del", "della", "der", "den", "van", "von",
    "la", "le", "al", "bin", "da", "di", "y", "on", "&",
)
_CONN = "(?:" + "|".join(CONNECTORS) + ")"
RUN = rf"(?:{TOKEN})(?:[ \-](?:{_CONN} )*(?:{TOKEN}))*"
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


@lru_cache(maxsize=1)
def gazetteer() -> pl.DataFrame:
    """alias key -> (kind, type, entity_id, canonical_name); one row per key (best kind wins).

    kind: person | org | country | region | place | demonym; priority picks one row per key.
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
    frame = pl.DataFrame(rows)
    frame = frame.with_columns(
        pl.when(pl.col("entity_id") == "")
        .then(pl.lit("key:misc:") + _slug(pl.col("canonical_name")))
        .otherwise(pl.col("entity_id"))
        .alias("entity_id"),
        _norm_key(pl.col("alias")).alias("key"),
    )
    return (
        frame.sort("prio", maintain_order=True)
        .unique("key", keep="first", maintain_order=True)
        .select("key", "kind", "type", "entity_id", "canonical_name")
    )


@lru_cache(maxsize=1)
def _token_lexicon() -> pl.DataFrame:
    """Single-token lexicon features: lower-cased token -> one gazetteer/cue class."""
    gz = gazetteer().filter(~pl.col("key").str.contains(" "))
    cues = pl.DataFrame({
        "key": [t.lower().rstrip(".") for t in TITLES]
        + [t.lower().rstrip(".") for t in ORG_SUFFIXES]
        + [t.lower() for t in PLACE_SUFFIXES],
        "kind": ["title"] * len(TITLES) + ["orgsuf"] * len(ORG_SUFFIXES)
        + ["placesuf"] * len(PLACE_SUFFIXES),
    })
    return (
        pl.concat([gz.select("key", "kind"), cues])
        .unique("key", keep="first", maintain_order=True)
        .rename({"kind": "lex"})
    )


@lru_cache(maxsize=1)
def weights() -> pl.DataFrame | None:
    if not WEIGHTS.exists():
        return None
    return pl.read_parquet(WEIGHTS)


# ---------------------------------------------------------------- candidates

def _pieces(col: pl.Expr, pattern: str) -> pl.Expr:
    """Split a string into alternating gap / match pieces (odd list positions are matches)."""
    return col.str.replace_all(pattern, f"{_MARK}${{0}}{_MARK}").str.split(_MARK)


def candidate_runs(articles: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Runs of capitalised tokens with character offsets and their left/right context."""
    lf = articles.lazy() if isinstance(articles, pl.DataFrame) else articles
    p = pl.col("_p")
    return (
        lf.select("article_id", _pieces(pl.col("text"), RUN).alias("_p"))
        .with_columns(p.list.eval(pl.element().str.len_chars().cast(pl.Int64)).alias("_len"))
        .with_columns(
            pl.col("_len").list.eval(pl.element().cum_sum() - pl.element()).alias("start"),
            pl.int_ranges(0, p.list.len()).alias("_i"),
            p.list.eval(pl.element().str.tail(24)).list.shift(1).alias("_prev"),
            p.list.eval(pl.element().str.head(24)).list.shift(-1).alias("_next"),
        )
        .explode("_p", "_len", "start", "_i", "_prev", "_next")
        .filter((pl.col("_i") % 2 == 1) & (pl.col("_len") > 0))
        .select(
            "article_id",
            "start",
            (pl.col("start") + pl.col("_len")).alias("end"),
            pl.col("_p").alias("run"),
            pl.col("_prev").str.contains(_SENT_START).alias("sent_start"),
            pl.col("_next").str.head(2).fill_null("").alias("after"),
            pl.col("_prev").str.extract(r"([\p{L}\p{N}'’]+|[^\s\p{L}\p{N}])\s*$", 1)
            .str.to_lowercase().fill_null("<s>").alias("prev_word"),
            pl.col("_next").str.extract(r"^\s*([\p{L}\p{N}'’]+|[^\s\p{L}\p{N}])", 1)
            .str.to_lowercase().fill_null("</s>").alias("next_word"),
            (~pl.col("_p").str.contains(r"\p{Ll}")).alias("run_caps"),
        )
        .collect()
    )


def _shape(expr: pl.Expr) -> pl.Expr:
    return (
        expr.str.replace_all(r"\p{Lu}+", "X").str.replace_all(r"\p{Ll}+", "x")
        .str.replace_all(r"\p{N}+", "d")
    )


def candidate_tokens(articles: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """One row per token of every candidate run (in run order), with offsets and lexicon hits."""
    runs = candidate_runs(articles)
    p = pl.col("_p")
    toks = (
        runs.lazy().select(_pieces(pl.col("run"), _SPLIT).alias("_p"))
        .with_row_index("run_id")
        .with_columns(p.list.eval(pl.element().str.len_chars().cast(pl.Int64)).alias("_len"))
        .with_columns(
            pl.col("_len").list.eval(pl.element().cum_sum() - pl.element()).alias("_off"),
            pl.int_ranges(0, p.list.len()).alias("_i"),
            p.list.shift(1).alias("_sep"),
            ((p.list.len() - 1) // 2).cast(pl.Int64).alias("n_tok"),
        )
        .explode("_p", "_len", "_off", "_i", "_sep")
        .filter(pl.col("_i") % 2 == 1)
        .collect()
    )
    rid = toks["run_id"]
    run_cols = runs.select(
        pl.col("article_id", "start", "run", "sent_start", "prev_word", "next_word", "after",
               "run_caps").gather(rid)
    ).rename({"start": "rstart"})
    first = pl.col("tok_i") == 0
    last = pl.col("tok_i") == pl.col("n_tok") - 1
    return (
        pl.concat([toks, run_cols], how="horizontal").lazy()
        .select(
            "article_id", "run_id", ((pl.col("_i") - 1) // 2).alias("tok_i"), "n_tok",
            (pl.col("rstart") + pl.col("_off")).alias("start"),
            (pl.col("rstart") + pl.col("_off") + pl.col("_len")).alias("end"),
            pl.col("_p").alias("word"),
            (pl.col("_sep") == "-").alias("hyph_before"),
            "rstart", "run", "after", "sent_start", "prev_word", "next_word",
            pl.col("run_caps").alias("_run_caps"),
        )
        .with_columns(pl.col("word").str.to_lowercase().alias("lower"))
        .with_columns(
            _norm_key(pl.col("word")).alias("_key"),
            pl.when(~first).then(pl.col("lower").shift(1)).alias("_pl"),
            pl.when(~last).then(pl.col("lower").shift(-1)).alias("_nl"),
        )
        .join(_token_lexicon().lazy(), left_on="_key", right_on="key", how="left",
              maintain_order="left")
        .collect()
        .pipe(_gazetteer_spans)
    )


MAX_NGRAM = 7
DOC_VOTE = 0.25  # weight of the article-wide score of the same word (tuned on a train holdout)


def _prev(expr: pl.Expr) -> pl.Expr:
    """The previous token's value within the same run (rows are in run order), else null."""
    return pl.when(pl.col("tok_i") > 0).then(expr.shift(1))


def _next(expr: pl.Expr) -> pl.Expr:
    return pl.when(pl.col("tok_i") < pl.col("n_tok") - 1).then(expr.shift(-1))


def _gazetteer_spans(toks: pl.DataFrame) -> pl.DataFrame:
    """Longest gazetteer matches over token n-grams inside runs: columns gz (kind), gz_pos
    (B or I) and gz_m (match id) per token; null where no match covers the token."""
    toks = toks.with_row_index("_tid")
    cands = []
    base = toks.lazy().select("_tid", "run_id", "tok_i", "n_tok", "run", "rstart", "start", "end")
    for n in range(1, MAX_NGRAM + 1):
        end_n = pl.col("end").shift(-(n - 1))  # valid: filtered to n-grams inside the run
        cands.append(
            base.with_columns(end_n.alias("_e"))
            .filter(pl.col("tok_i") + n <= pl.col("n_tok"))
            .select(
                "_tid", pl.lit(n).alias("_n"),
                _norm_key(pl.col("run").str.slice(
                    pl.col("start") - pl.col("rstart"),
                    (pl.col("_e") - pl.col("start")).clip(lower_bound=0),
                )).alias("_k"),
            )
        )
    gz = gazetteer().lazy().select("key", "kind")
    hits = (
        pl.concat(cands).join(gz, left_on="_k", right_on="key", how="inner")
        .select("_tid", "_n", "kind").collect()
    )
    if hits.height == 0:
        return toks.drop("_tid").with_columns(
            pl.lit(None, pl.String).alias("gz"), pl.lit(None, pl.String).alias("gz_pos"),
            pl.lit(None, pl.Int64).alias("gz_m"))
    # every token a match covers, the longest (then earliest) match per token wins, and a
    # match counts only if it wins all its tokens
    cover = (
        hits.with_row_index("_hid")
        .with_columns(pl.int_ranges(0, pl.col("_n")).alias("_k"))
        .explode("_k")
        .with_columns((pl.col("_tid") + pl.col("_k")).alias("_cov"))
        .sort(["_cov", "_n", "_tid"], descending=[False, True, False])
    )
    win = cover.unique("_cov", keep="first", maintain_order=True)
    ok = (
        cover.join(win.select("_cov", pl.col("_hid").alias("_w")), on="_cov")
        .group_by("_hid").agg((pl.col("_w") == pl.col("_hid")).all().alias("_ok"))
        .filter("_ok")
    )
    best = (
        win.join(ok.select("_hid"), on="_hid", how="semi")
        .select(
            pl.col("_cov").alias("_tid"), pl.col("kind").alias("gz"),
            pl.when(pl.col("_k") == 0).then(pl.lit("B")).otherwise(pl.lit("I")).alias("gz_pos"),
            pl.col("_hid").cast(pl.Int64).alias("gz_m"),
        )
    )
    return toks.join(best, on="_tid", how="left").sort("_tid").drop("_tid")


FEATURES = (
    "f_w", "f_l", "f_s", "f_suf", "f_pos", "f_pl", "f_nl", "f_cp", "f_cn", "f_lex", "f_lexn",
    "f_lexp", "f_bias", "f_sil", "f_plw", "f_caps",
)


def token_features(toks: pl.DataFrame) -> pl.DataFrame:
    """String features per token (columns f_*), the model's input; shared with training."""
    first = pl.col("tok_i") == 0
    last = pl.col("tok_i") == pl.col("n_tok") - 1
    pos = (
        pl.when(first & last).then(pl.lit("only")).when(first).then(pl.lit("first"))
        .when(last).then(pl.lit("last")).otherwise(pl.lit("mid"))
    )
    si = pl.when(first & pl.col("sent_start")).then(pl.lit("1")).otherwise(pl.lit("0"))
    lex = pl.coalesce(pl.col("gz_pos") + pl.col("gz"), pl.col("lex"), pl.lit("-"))
    return toks.with_columns(
        (pl.lit("w=") + pl.col("word")).alias("f_w"),
        (pl.lit("l=") + pl.col("lower")).alias("f_l"),
        (pl.lit("s=") + _shape(pl.col("word")) + pl.lit("|") + si).alias("f_s"),
        (pl.lit("x=") + pl.col("lower").str.tail(3)).alias("f_suf"),
        (pl.lit("p=") + pos + pl.lit("|") + si + pl.lit("|")
         + pl.col("n_tok").clip(upper_bound=4).cast(pl.String)).alias("f_pos"),
        (pl.lit("pl=") + pl.col("_pl").fill_null(pl.lit("<") + pl.col("prev_word"))).alias("f_pl"),
        (pl.lit("nl=") + pl.col("_nl").fill_null(pl.lit(">") + pl.col("next_word"))).alias("f_nl"),
        (pl.lit("cp=") + pl.col("prev_word")).alias("f_cp"),
        (pl.lit("cn=") + pl.col("next_word")).alias("f_cn"),
        (pl.lit("g=") + lex + pl.lit("|") + pos).alias("f_lex"),
        (pl.lit("gn=") + _next(lex).fill_null("$")).alias("f_lexn"),
        (pl.lit("gp=") + _prev(lex).fill_null("^")).alias("f_lexp"),
        pl.lit("b").alias("f_bias"),
        (pl.lit("si=") + si + pl.lit("|") + pl.col("lower")).alias("f_sil"),
        (pl.lit("plw=") + pl.col("_pl").fill_null(pl.lit("<") + pl.col("prev_word"))
         + pl.lit("|") + pl.col("lower")).alias("f_plw"),
        (pl.lit("caps=") + pl.col("_run_caps").cast(pl.String)
         + pl.lit("|") + pl.col("n_tok").clip(upper_bound=3).cast(pl.String)).alias("f_caps"),
    )


# ---------------------------------------------------------------- typing

@lru_cache(maxsize=1)
def _hashed_weights() -> pl.DataFrame | None:
    """Weights keyed by the feature string's polars hash (computed here, at load time)."""
    w = weights()
    if w is None:
        return None
    return w.select(pl.col("feat").hash().alias("h"), *(f"w_{lab}" for lab in LABELS))


def _score(feats: pl.DataFrame, w: pl.DataFrame) -> pl.DataFrame:
    """Per-token label by the linear model: one hashed join per feature template, summed."""
    cols = [f"w_{lab}" for lab in LABELS]
    hashed = feats.select(pl.col(c).hash() for c in FEATURES)
    total = None
    for c in FEATURES:
        part = (
            hashed.select(pl.col(c).alias("h"))
            .join(w, on="h", how="left", maintain_order="left")
            .select(pl.col(cols).fill_null(0.0))
        )
        total = part if total is None else pl.DataFrame(
            [total[k] + part[k] for k in cols])
    assert total is not None
    if DOC_VOTE:
        # document consistency: every occurrence of a word in an article adds a share of the
        # article-wide summed scores of that word (Pirelli is ORG everywhere or nowhere)
        keyed = pl.concat([feats.select("article_id", "lower"), total], how="horizontal")
        total = keyed.select(
            pl.col(k) + DOC_VOTE * pl.col(k).sum().over("article_id", "lower") for k in cols
        )
    best = total.select(pl.concat_list(cols).list.arg_max().alias("_lab"))["_lab"]
    return feats.with_columns(
        best.replace_strict(dict(enumerate(LABELS)), return_dtype=pl.String).alias("label")
    )


def _rule_labels(toks: pl.DataFrame) -> pl.DataFrame:
    """Fallback typer without a trained model: lexicon hits, titles and suffixes."""
    lex = pl.col("gz")
    common_start = (pl.col("tok_i") == 0) & pl.col("sent_start") & lex.is_null() & (
        pl.col("n_tok") == 1)
    label = (
        pl.when(lex.is_in(["country", "region", "place"])).then(pl.lit("LOC"))
        .when(lex == "demonym").then(pl.lit("MISC"))
        .when(lex == "org").then(pl.lit("ORG"))
        .when(lex == "title").then(pl.lit("O"))
        .when(common_start).then(pl.lit("O"))
        .when(pl.col("lower").is_in(list(CONNECTORS))).then(pl.lit("O"))
        .when(pl.col("_run_org")).then(pl.lit("ORG"))
        .when(pl.col("_run_place")).then(pl.lit("LOC"))
        .otherwise(pl.lit("PER"))
    )
    return toks.with_columns(
        (pl.col("lex") == "orgsuf").any().over("run_id").alias("_run_org"),
        (pl.col("lex") == "placesuf").any().over("run_id").alias("_run_place"),
    ).with_columns(label.alias("label"))


_FORCED = {"person": "PER", "org": "ORG", "country": "LOC", "region": "LOC", "demonym": "MISC"}


def _apply_gazetteer(labelled: pl.DataFrame) -> pl.DataFrame:
    """Curated gazetteer matches win: a multi-token match of a person, organisation, country,
    region or demonym takes the gazetteer's type on all its tokens and is a mention of its
    own (so "Institute for the Study of War" stays one ORG); one-token matches are left to the
    model (and to `link`'s type sanity)."""
    forced = pl.col("gz").replace_strict(_FORCED, default=None, return_dtype=pl.String)
    gm = pl.col("gz_m")
    # a match the model extends with typed words around it (Kurdistan Democratic Party, Hong
    # Kong Open) is left to the model; a hyphen neighbour (Russia-North Korea) does not count
    left = (pl.col("gz_pos") == "B") & (_prev(pl.col("label")) != "O") & ~pl.col("hyph_before")
    at_end = gm.is_not_null() & ((_next(gm) != gm) | _next(gm).is_null())
    right = at_end & (_next(pl.col("label")) != "O") & ~_next(pl.col("hyph_before"))
    multi = (gm.count().over("gz_m") > 1) & ~(
        (left.fill_null(False) | right.fill_null(False)).any().over("gz_m"))
    return labelled.with_columns(
        pl.when(forced.is_not_null() & multi).then(forced).otherwise(pl.col("label"))
        .alias("label"),
        (forced.is_not_null() & multi).alias("_forced"),
    )


def _mentions(labelled: pl.DataFrame) -> pl.DataFrame:
    """Group consecutive same-label tokens of a run into mentions."""
    labelled = _apply_gazetteer(labelled)
    lab = pl.col("label")
    # a hyphen between two known single-token names splits them (Russia-North Korea)
    gm = pl.col("gz_m")
    hyph_split = (
        pl.col("hyph_before") & gm.is_not_null() & _prev(gm).is_not_null()
        & (gm != _prev(gm))
    ).fill_null(False)
    # a forced gazetteer match is a mention of its own
    prev_m = _prev(gm)
    prev_forced = _prev(pl.col("_forced")).fill_null(False)
    gz_edge = (
        (pl.col("_forced") & (pl.col("gz_pos") == "B"))
        | (prev_forced & (gm.is_null() | (gm != prev_m)))
    ).fill_null(False)
    new = (
        (lab != _prev(lab)).fill_null(True) | hyph_split | gz_edge
    )
    return (
        labelled.with_columns(new.cum_sum().alias("_m"))
        .filter(lab != "O")
        .group_by("_m", maintain_order=True)
        .agg(
            pl.col("article_id").first(),
            pl.col("start").min(),
            pl.col("end").max(),
            pl.col("label").first(),
            pl.len().alias("n_tok"),
            pl.col("lower").first().alias("first_lower"),
            pl.col("lower").last().alias("last_lower"),
            pl.col("run").first(),
            pl.col("rstart").first(),
            pl.col("after").first(),
            (pl.col("tok_i").last() == pl.col("n_tok").last() - 1).alias("_at_end"),
        )
        .with_columns(
            pl.col("run").str.slice(pl.col("start") - pl.col("rstart"),
                                    pl.col("end") - pl.col("start")).alias("mention"),
            pl.when(pl.col("_at_end")).then(pl.col("after")).otherwise(pl.lit(""))
            .alias("_after"),
        )
        .drop("run", "rstart", "after", "_at_end", "_m")
    )


# ---------------------------------------------------------------- public

def extract_entities(articles: pl.DataFrame) -> pl.DataFrame:
    """Entities of every article: one row per mention, typed and linked (see module doc)."""
    if articles.height == 0:
        return conform(pl.DataFrame(schema=_OUT_SCHEMA), Entities)
    toks = candidate_tokens(articles.select("article_id", "text"))
    if toks.height == 0:
        return conform(pl.DataFrame(schema=_OUT_SCHEMA), Entities)
    w = _hashed_weights()
    labelled = _score(token_features(toks), w) if w is not None else _rule_labels(toks)
    ments = _mentions(labelled)
    return conform(link(ments), Entities)


_OUT_SCHEMA = {"article_id": pl.String, "start": pl.Int64, "end": pl.Int64, "text": pl.String,
               "type": pl.String, "canonical_name": pl.String, "entity_id": pl.String}


def link(ments: pl.DataFrame) -> pl.DataFrame:
    """Type sanity and canonical identity for mentions (article_id, start, end, mention, label)."""
    gz = gazetteer()
    m = ments.with_columns(
        pl.col("label").replace_strict(_TYPE, default="MISC").alias("type"),
        _norm_key(pl.col("mention")).alias("_key"),
    ).join(gz.rename({"type": "g_type", "entity_id": "g_id", "canonical_name": "g_name"}),
           left_on="_key", right_on="key", how="left")
    # type sanity: countries/regions are places, demonyms MISC, known people PERSON, known
    # organisations ORG; a city the model called a person is a place.
    m = m.with_columns(
        pl.when(pl.col("kind").is_in(["country", "region", "demonym", "person", "org"]))
        .then(pl.col("g_type"))
        .when((pl.col("kind") == "place") & (pl.col("type") == "PERSON"))
        .then(pl.lit("PLACE"))
        .otherwise(pl.col("type"))
        .alias("type")
    ).with_columns(
        pl.when(pl.col("g_type") == pl.col("type")).then(pl.col("g_id")).alias("g_id"),
        pl.when(pl.col("g_type") == pl.col("type")).then(pl.col("g_name")).alias("g_name"),
    )
    m = m.sort("article_id", "start").with_row_index("_r")

    # in-article person resolution: a one-token person mention takes the id of a longer person
    # mention in the same article whose first or last token it is.
    full = m.filter((pl.col("type") == "PERSON") & (pl.col("n_tok") > 1)).with_columns(
        pl.coalesce("g_id", pl.lit("key:person:") + _slug(pl.col("mention"))).alias("f_id"),
        pl.coalesce("g_name", pl.col("mention")).alias("f_name"),
    )
    heads = pl.concat([
        full.select("article_id", pl.col("first_lower").alias("tok"), "f_id", "f_name", "start"),
        full.select("article_id", pl.col("last_lower").alias("tok"), "f_id", "f_name", "start"),
    ]).sort("start").unique(["article_id", "tok"], keep="first").drop("start")
    m = m.join(heads, left_on=["article_id", "first_lower"], right_on=["article_id", "tok"],
               how="left").with_columns(
        pl.when((pl.col("type") == "PERSON") & (pl.col("n_tok") == 1)).then(pl.col("f_id"))
        .alias("f_id"),
        pl.when((pl.col("type") == "PERSON") & (pl.col("n_tok") == 1)).then(pl.col("f_name"))
        .alias("f_name"),
    )

    # acronyms defined in parentheses: "Institute for the Study of War (ISW)"
    m = m.sort("_r")
    same = pl.col("article_id").shift(-1) == pl.col("article_id")
    acr = m.with_columns(
        pl.when(same).then(pl.col("mention").shift(-1)).alias("_acr"),
        pl.when(same).then(pl.col("_after").shift(-1)).alias("_acr_after"),
        pl.when(same).then(pl.col("start").shift(-1)).alias("_acr_start"),
    ).filter(
        (pl.col("n_tok") > 1) & (pl.col("_after") == " (")
        & (pl.col("_acr_start") == pl.col("end") + 2)
        & pl.col("_acr_after").str.starts_with(")")
        & pl.col("_acr").str.contains(r"^\p{Lu}{2,}$")
        & (pl.col("mention").str.extract_all(r"\b\p{Lu}").list.join("") == pl.col("_acr"))
    ).select(
        "article_id", pl.col("_acr").alias("_key_acr"),
        pl.coalesce("g_id", pl.lit("key:") + pl.col("type").str.to_lowercase() + pl.lit(":")
                    + _slug(pl.col("mention"))).alias("a_id"),
        pl.coalesce("g_name", pl.col("mention")).alias("a_name"),
        pl.col("type").alias("a_type"),
    ).unique(["article_id", "_key_acr"], keep="first")
    m = m.join(acr, left_on=["article_id", "mention"], right_on=["article_id", "_key_acr"],
               how="left")

    out = m.with_columns(
        pl.coalesce("a_type", "type").alias("type"),
    ).with_columns(
        pl.coalesce(
            "a_id", "f_id", "g_id",
            pl.lit("key:") + pl.col("type").str.to_lowercase() + pl.lit(":")
            + _slug(pl.col("mention")),
        ).alias("entity_id"),
        pl.coalesce("a_name", "f_name", "g_name", "mention").alias("canonical_name"),
    )
    return out.sort("_r").select(
        "article_id", "start", "end", pl.col("mention").alias("text"), "type",
        "canonical_name", "entity_id",
    )

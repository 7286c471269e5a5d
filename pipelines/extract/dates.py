"""Temporal expressions (TimeML TIMEX3) found and resolved against the publication time.

How it works, vectorised over whole frames:

1. Case-insensitive patterns, compiled once from the rules in `dates_rules` and the word
   lists in `seeds/dates/lexicon.yaml`, are matched over every article (character offsets):
   the rules in two passes of about half each (two small lazy DFAs scan several times faster
   than one large one), the rules for scheduling fragments only over the fragments.
2. Each *distinct* matched string is interpreted once (Python, cached) into an underspecified
   spec: TIMEX type, a fixed value or a resolution mode (year-less date, weekday, offset from
   the publication date, part of year, time of day), modifier, and how many leading characters
   are a cue word outside the TIMEX span ("by", "since", "as early as", "in" ...).
3. The specs are joined back to the mentions and resolved against `published_at` with polars
   expressions (date arithmetic, ISO weeks, nearest-year choice, tense cues in the preceding
   words of the sentence).
"""

from __future__ import annotations

import calendar
from datetime import date

import polars as pl

from pipelines.extract.dates_rules import (
    SPEC_SCHEMA,
    fragment_vocabulary,
    holiday_date,
    interpret,
    prefix_filter,
    prefix_pattern,
    scan_patterns,
)
from pipelines.extract.spans import ascii_word_boundaries as _ascii_b
from pipelines.extract.spans import computed_where
from schemas.tables import Dates, conform

_CTX = 60  # characters of left context looked at for tense cues and bare-year checks
_RIGHT_CTX = 96  # characters of right context (up to the next match): the tense after a mention


def extract_dates(articles: pl.DataFrame) -> pl.DataFrame:
    """One row per temporal expression in `articles.text`, as `schemas.tables.Dates`."""
    published = (
        pl.col("published_at").cast(pl.Datetime("us", "UTC"))
        if "published_at" in articles.columns
        else pl.lit(None, pl.Datetime("us", "UTC")).alias("published_at")
    )
    frame = articles.select("article_id", "text", published)
    frame = frame.with_columns(_fragments(frame["text"]))
    spans = _spans(frame.filter(~pl.col("frag")), scan_patterns())
    if frame["frag"].any():  # scheduling fragments: with the rules for them
        spans = pl.concat([spans, _spans(frame.filter("frag"), scan_patterns(fragments=True))])
    if spans.height == 0:
        return conform(pl.DataFrame(schema={"article_id": pl.String}), Dates)
    spans = spans.with_columns(*_cues(spans["left"]), pl.int_range(pl.len()).alias("_k"))
    rows = (
        spans.join(_specs(spans.select(_KEY).unique()), on=_KEY, how="inner")
        .with_columns(
            pl.col("start").alias("mstart"),
            (pl.col("start") - pl.col("ext")).alias("start"),
            (pl.col("end") - pl.col("cut")).alias("end"),
            pl.concat_str(
                pl.when(pl.col("ext") > 0).then(pl.col("inner").str.slice(-pl.col("ext")))
                .otherwise(pl.lit("")),
                pl.col("match").str.slice(0, pl.col("match").str.len_chars() - pl.col("cut")),
            ).alias("mtext"),
            pl.col("published_at").dt.date().alias("pub"),
            pl.col("published_at").dt.hour().alias("phour"),
        )
    )
    # an offset reads the tense only as "the weekend" (`_offset_day`)
    weekend = (pl.col("mode") == "offset") & (pl.col("unit") == "weekend") & (pl.col("dirn") == 9)
    tense = pl.col("mode").is_in(_TENSE_MODES) | weekend | (pl.col("ctx") == "wdbare")
    rows = rows.with_columns(_leads(rows, spans, tense & ~pl.col("frag")))
    # the clause before each mention that reads the tense, lower case (computed once: the
    # future and past cues below read it) and a future cue in it (one regex); then what may
    # cancel the cue (only where there is one)
    rows = rows.with_columns(_clause_cues(rows, tense))
    future = computed_where(rows, pl.col("future") & ~pl.col("frag"), _future(), pl.col("future"))
    # a mention that starts its sentence or clause: the words after it read the tense
    rows = rows.with_columns(future.alias("future"))
    rows = rows.with_columns(_future_after(rows, frame, tense))
    rows = _recurring_weekdays(_demote_weekdays(rows), spans)
    # a month told of in the past tense, or a scheduled event's (see `_yearless_year`)
    rows = rows.with_columns(_only_flags(
        rows, (pl.col("mode") == "yearless") & ~pl.col("future") & ~pl.col("frag"),
        past=_past(), ahead=pl.col("clause").str.contains(_EVENT_NEXT)
        & ~pl.col("clause").str.contains(_PAST_IRREGULAR)))
    # "looser" mentions are kept in scheduling fragments only: no context regex for them
    looser = pl.when(pl.col("ctx") == "looser").then(pl.col("frag")).otherwise(True)
    # years (most of the rows read here) and the rest apart: each reads only its own regexes
    years = pl.col("ctx").is_in(_YEAR_CTX)
    kept = computed_where(rows, years, _keep(years=True), looser)
    kept = computed_where(rows.with_columns(kept.alias("kept")),
                          pl.col("ctx").is_in(_KEEP_CTX) & ~years, _keep(years=False),
                          pl.col("kept"))
    # what only the matching and the context filters read: not copied through the passes below
    spent = ["right", "match", "co", "inner", "cut", "published_at", "ctx", "lead", "_k",
             "clause"]
    rows = rows.filter(kept).drop(spent)
    rows = _absorb_parts_of_day(_resolve(rows))
    prev_docs = rows.filter(pl.col("mode") == "prev")["article_id"].unique()
    if prev_docs.len():  # only the "prev" rows change: written back in place
        rows = rows.with_row_index("_rix")
        part = _resolve_prev(rows.filter(pl.col("article_id").is_in(prev_docs.implode())))
        part = part.filter(pl.col("mode") == "prev")
        rows = rows.with_columns(
            rows[c].clone().scatter(part["_rix"], part[c].cast(rows.schema[c]))
            for c in ("pub", "anchor", "value", "start_date", "end_date")
        ).drop("_rix")
    # resolved: only what the merge and clock-time passes and the output read is carried on
    rows = rows.select(c for c in _LATE if c in rows.columns)
    # "Nov 13 13:30 - 15:35": date + time, then the range; only day/time rows can join
    cand = (pl.col("mode") == "time") | pl.col("value").str.contains(r"^(?:\d{4}|XXXX)-\d\d-\d\d")
    cand = cand.fill_null(False)
    joinable = _adjacent(rows.filter(cand))
    merged = joinable.filter("_adj")
    for _ in range(2):
        merged = _merge(merged, "_run")
    joinable = pl.concat([joinable.filter(~pl.col("_adj")), merged]).drop("_adj", "_run")
    rows = _open_ends(
        pl.concat([rows.filter(~cand), _anchor_clock_times(joinable)], how="diagonal_relaxed"))
    # the output's columns first: the sort moves only them
    return conform(rows.with_columns(pl.col("mtext").alias("text")), Dates).sort(
        "article_id", "start")


def _cues(left: pl.Series) -> list[pl.Series]:
    """`co` and `inner` (see `prefix_pattern`) of each left context, "" without a cue; only
    the contexts that end in a cue are captured."""
    empty = pl.repeat("", left.len(), dtype=pl.String, eager=True)
    some = left.str.contains(prefix_filter()).fill_null(False).arg_true()
    cues = left.gather(some).str.extract_groups(prefix_pattern())
    return [empty.clone().scatter(some, cues.struct.field(c).fill_null("")).alias(c)
            for c in ("co", "inner")]


# "April 24 and 25", "24 and 25 April": two days, each its own mention (as TimeML annotates
# them), not one range: the text before "and" and the text after it
_AND_DAYS = _ascii_b(r"(?i)^(.*?[0-9](?:st|nd|rd|th)?\.?)(\s*,?\s*and\s+)([0-9].*)$")
_DAY_RANGE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}/[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _and_days() -> pl.Expr:
    """Whether a row is a range of days joined by "and" (split by `_split_day_lists`)."""
    return (pl.col("mtext").str.contains(" and ", literal=True)
            & pl.col("value").str.contains(_DAY_RANGE)).fill_null(False)


def _split_day_lists(rows: pl.DataFrame) -> pl.DataFrame:
    """A range of days joined by "and" (`_AND_DAYS`): its first day and its last, two rows.
    Only the `_and_days` rows are looked at."""
    some = _and_days()
    part = rows.filter(some)
    if part.height == 0:
        return rows
    parts = part.with_columns(pl.col("mtext").str.extract_groups(_AND_DAYS).alias("_g"))
    ok = pl.col("_g").struct.field("1").is_not_null()
    parts, keep = parts.filter(ok), parts.filter(~ok).drop("_g")
    head = pl.col("_g").struct.field("1")
    tail = pl.col("_g").struct.field("3")
    first = parts.with_columns(
        head.alias("mtext"),
        (pl.col("start") + head.str.len_chars()).alias("end"),
        pl.col("start_date").alias("end_date"),
        _ymd(pl.col("start_date")).alias("value"),
    )
    last = parts.with_columns(
        tail.alias("mtext"),
        (pl.col("end") - tail.str.len_chars()).alias("start"),
        pl.col("end_date").alias("start_date"),
        _ymd(pl.col("end_date")).alias("value"),
    )
    return pl.concat([rows.filter(~some), keep, first.drop("_g"), last.drop("_g")])


def _open_ends(rows: pl.DataFrame) -> pl.DataFrame:
    """A range whose ends are one day is that day ("Monday - 06.11.2017"). In a scheduling
    fragment "after 4pm" / "not after 08:00" are open intervals ("T16:00/..", "../T08:00").
    Only merged rows, fragments and days joined by "and" (`_split_day_lists`) are looked at."""
    some = ((pl.col("mode") == "merged") | pl.col("frag")).fill_null(False) | _and_days()
    part = rows.filter(some)
    if part.height == 0:
        return rows
    v, mod = pl.col("value"), pl.col("modifier")
    halves = v.str.split("/")
    v = pl.when((halves.list.len() == 2) & (halves.list.first() == halves.list.last())) \
        .then(halves.list.first()).otherwise(v)
    timed = pl.col("timex_type").is_in(["DATE", "TIME"]) & pl.col("frag") & ~v.str.contains("/")
    v = (pl.when(timed & mod.is_in(["AFTER", "ON_OR_AFTER"])).then(v + "/..")
         .when(timed & mod.is_in(["BEFORE", "ON_OR_BEFORE"])).then("../" + v).otherwise(v))
    # a fragment's part of day is not part of its value ("sunday night": that Sunday)
    pod = pl.col("frag") & v.str.contains(r"^[0-9X-]+T(?:MO|AF|EV|NI)$")
    v = pl.when(pod).then(v.str.replace(r"T(?:MO|AF|EV|NI)$", "")).otherwise(v)
    part = part.with_columns(
        v.fill_null(pl.col("value")).alias("value"),
        pl.when(pod).then(pl.lit("DATE")).otherwise(pl.col("timex_type")).alias("timex_type"))
    return pl.concat([rows.filter(~some), _split_day_lists(part)])


_KEY = ["match", "co", "inner"]
_LATE = ["article_id", "start", "end", "mstart", "mtext", "left", "ext", "frag", "pub", "mode",
         "tsuf", "code", "value", "start_date", "end_date", "anchor", "timex_type", "modifier"]
# "specs": (every key interpreted so far, the usable specs among them), replaced as one pair
_SPEC_CACHE: dict[str, tuple[pl.DataFrame, pl.DataFrame]] = {}
_SPEC_CACHE_MAX = 500_000  # distinct keys kept across calls


def _specs(keys: pl.DataFrame) -> pl.DataFrame:
    """The usable (`ok`) specs for the keys (match, co, inner), with the keys (`ok` itself
    dropped). Keys seen by earlier calls are not handed to Python again (`interpret` is cached
    too, but row by row)."""
    entry = _SPEC_CACHE.get("specs")
    if entry is not None and entry[0].height > _SPEC_CACHE_MAX:
        entry = None
    new = keys if entry is None else keys.join(entry[0].select(_KEY), on=_KEY, how="anti")
    if entry is None or new.height:
        todo = zip(*(new[c].to_list() for c in _KEY), strict=True)
        made = pl.DataFrame(
            [interpret(*k) for k in todo], schema=SPEC_SCHEMA, orient="row"
        ).hstack(new)
        seen = made if entry is None else pl.concat([entry[0], made])
        # in one chunk: the join gathers from it for every mention (several times faster)
        entry = (seen, seen.filter(pl.col("ok")).drop("ok").rechunk())
        _SPEC_CACHE["specs"] = entry
    return entry[1]


def _spans(frame: pl.DataFrame, patterns: tuple[str, str]) -> pl.DataFrame:
    """Matches with character offsets and their left/right context (as `spans.regex_spans`).

    The first pattern's matches are wrapped in NULs; the second pattern takes each wrapped span
    whole or finds its own matches between them, and both kinds are cut out with \\x01 marks.
    The text between matches is then at hand after the split, so the context windows cost no
    extra character scans of the article.
    """
    first, second = patterns
    nul, mark = "\x00", "\x01"
    piece = pl.col("_piece")
    # a first-pass match is a piece still wrapped in its two NULs: they take no offsets
    plen = piece.str.len_chars().cast(pl.Int64) - 2 * piece.str.starts_with(nul).cast(pl.Int64)
    at = pl.col("_at")
    return (
        frame.lazy()
        .select(
            "article_id",
            "published_at",
            "frag",
            pl.col("text").str.replace_all(first, f"{nul}$0{nul}")
            .str.replace_all(second, f"{mark}$0{mark}").str.split(mark).alias("_piece"),
        )
        # pieces alternate text, match, text, ... (2k+1 of them): matches are the odd ones.
        # One row per piece: offsets are running sums of the piece lengths, restarted at each
        # article's first piece; a match's neighbours are its left and right context.
        .with_columns(pl.int_ranges(piece.list.len(), dtype=pl.Int64).alias("_i"))
        .explode("_piece", "_i")
        .with_columns(plen.alias("_plen"))
        .with_columns((pl.col("_plen").cum_sum() - pl.col("_plen")).alias("_at"))
        .with_columns(
            (at - pl.when(pl.col("_i") == 0).then(at).forward_fill()).alias("start"),
            piece.shift(1).alias("left"),
            piece.shift(-1).alias("right"),
        )
        .filter(pl.col("_i") % 2 == 1)
        .with_columns(
            piece.str.strip_chars(nul).alias("match"),
            pl.col("left").str.tail(_CTX).fill_null(""),
            pl.col("right").str.head(24),
        )
        .with_columns(pl.col("match").str.len_chars().cast(pl.Int64).alias("_len"))
        .filter(pl.col("_len") > 0)
        .select(
            "article_id",
            "published_at",
            "frag",
            "start",
            (pl.col("start") + pl.col("_len")).alias("end"),
            "match",
            pl.col("left").fill_null(""),
            pl.col("right").fill_null(""),
        )
        .collect()
    )


_LEAD_MATCHES = 3  # how many earlier matches the tense context (`lead`) may reach across


def _leads(rows: pl.DataFrame, spans: pl.DataFrame, where: pl.Expr) -> pl.Series:
    """`lead`: the words before a mention in its sentence. Other matches may stand there ("may
    be resolved in a hearing the week of March 6"): the left context goes back over up to
    `_LEAD_MATCHES` earlier matches (`spans` rows, found by the row number `_k`) while it is
    shorter than `_TENSE_CTX`. Only the `where` rows are looked at; the rest keep `left`."""
    base = rows["left"].alias("lead")
    short = where & (pl.col("left").str.len_bytes() < _TENSE_CTX)
    idx = rows.select(short.fill_null(False).arg_true()).to_series()
    if idx.len() == 0:
        return base
    k = rows["_k"].gather(idx).cast(pl.Int64)
    art = rows["article_id"].gather(idx)
    lead = base.gather(idx)
    for j in range(1, _LEAD_MATCHES + 1):
        kj = (k - j).clip(0, None)
        grow = ((k >= j) & (spans["article_id"].gather(kj) == art)
                & (lead.str.len_chars() < _TENSE_CTX)).fill_null(False)
        if not grow.any():
            break
        more = spans["left"].gather(kj) + spans["match"].gather(kj) + lead
        lead = more.zip_with(grow, lead)
    return base.scatter(idx, lead.str.tail(_TENSE_CTX))


# A text that is one short phrase with no tense, no past cue and no sentence break: a
# scheduling-style fragment ("Friday 14 at 8pm", "03APR 11:40"). Nothing in it points back, so
# its dates are read forward; a clock time or month name in it has no day to anchor to.
_FRAG_MAX = 48
_FRAG_OTHER = 0  # words outside the date vocabulary a fragment may have
_PAST = _ascii_b(
    r"(?i)\b(?:ago|last|yesterday|previous(?:ly)?|earlier|was|were|had|did|been|said|since|"
    r"before)\b|[a-z]{3,}ed\b|\b[a-z]{3,}[.!?]\s+[A-Z]"
)


def _fragments(text: pl.Series) -> pl.Series:
    """Per article: short, one line, no past cue, no word outside the date vocabulary.
    Only the short texts are looked at (the rest of the corpus costs one length pass)."""
    frag = pl.Series("frag", [False] * len(text), pl.Boolean)
    idx = (text.str.len_bytes() <= _FRAG_MAX * 2).fill_null(False).arg_true()
    if idx.len() == 0:
        return frag
    t = pl.col("text")
    words = t.str.to_lowercase().str.extract_all(r"[a-z]{2,}")
    other = words.list.eval(~pl.element().is_in(fragment_vocabulary())).list.sum()
    ok = pl.DataFrame({"text": text.gather(idx)}).select(
        ((t.str.len_chars() <= _FRAG_MAX) & ~t.str.contains(r"\n") & ~t.str.contains(_PAST)
         & (other <= _FRAG_OTHER)).fill_null(False)
    ).to_series()
    return frag.scatter(idx.filter(ok), True)


# Future cues anywhere in the clause before a mention: modal verbs and verbs of intent
_FUTURE = _ascii_b(
    r"(?:\bwill\b|'ll\b|\bshall\b|\bwould\b|\bgoing to\b|\bplan(?:s|ned|ning)?\b|\bschedul|"
    r"(?:^|[^-])\bexpect|\bdue\b|"
    r"\bset to\b|\bupcoming\b|\bintends?\b|\bhopes? to\b|\b(?:is|are) to\b|\bto be\b|"
    r"\blikely to\b|\bas soon as\b|"
    r"\bto (?:leave|meet|visit|travel|attend|hold|vote|"
    r"return|begin|start|announce|decide|resume)\b)"
)
# Future cues that bind only the mention right after them ("until Friday", "payable Dec. 1")
# and present-tense verbs of a schedule ("his term ends in January", "the trial begins Monday")
_FUTURE_NEXT = _ascii_b(
    r"(?:\bnext|\bas early as|\buntil|\bpayable|\beffective|\bthrough|\bof record|"
    r"\b(?:ends|begins|starts|expires|opens|closes|resumes|reopens|convenes|reconvenes)|"
    r"\b(?:kicks off|takes office|takes effect|goes into effect|runs out|wraps up)"
    r")(?:\s+(?:on|at|in))?\s*$"
)
# A scheduled event right before a month ("after the presidential election in November"):
# news tells of the next one when it is at most half a year ahead (column `ahead`, see
# `_yearless_year`), and of that one whatever the distance when a present or future verb
# follows ("his re-election bid in November is far from clear", see `_future`)
_EVENT_NEXT = _ascii_b(
    r"\b(?:elections?|midterms?|primary|primaries|runoff|referendum|vote|ballot|caucus(?:es)?|"
    r"bid|convention|summit|deadline|inauguration)\s+(?:in|on)\s*$"
)
_EVENT_NOW_AFTER = _ascii_b(r"(?i)^\s+(?:is|are|will|would|could|may|might|remains?|looms?)\b")
# Past tenses and cues (with `_PAST_CLAUSE`) that keep such an event in the past ("won the
# election in November", "since the vote in December")
_PAST_IRREGULAR = _ascii_b(
    r"\b(?:won|lost|held|took|came|began|ran|beat|became|made|got|went|saw|gave|met|left|let|"
    r"said|told|fell|rose|sent|spent|thought|knew|brought|bought|fought|led|stood|sought|"
    r"struck|swept|wrote|chose|drew|grew|threw|paid|ago|last|since|following|during)\b"
)
_FUTURE_ANY = f"{_FUTURE}|{_FUTURE_NEXT}|{_EVENT_NEXT}"
# A perfect or "previously" in the clause: a plan that lies in the past ("had been due to
# expire Friday", "as previously planned Saturday")
_PAST_PLAN = _ascii_b(r"\bhad\b|\bpreviously\b|\boriginally\b")
# A past participle or past tense right before it ("the decision, announced Wednesday"), but
# not in a clause of "as soon as", whose past tense looks ahead ("as soon as trading opened
# Monday")
_PAST_VERB = _ascii_b(r"\b[a-z]{3,}ed\s+(?:on\s+)?$")
_PAST_VERB_EXCEPT = _ascii_b(r"\bas soon as\b|\b(?:expect|schedul|plann|slat|need)ed\s+(?:on\s+)?$")
# A past auxiliary right after the mention ("until Thursday, they had not", "the service
# planned for Saturday was canceled"), not a plan in the past ("were to", "was going to")
_PAST_AFTER = _ascii_b(
    r"^,?\s*(?:(?:they|he|she|it|we|i|you)\s+)?(?:had|was|were)\b"
    r"(?:\s+(?:to|going|planning|expected|scheduled|due|set|about)\b)?"
)


_TENSE_MODES = ["yearless", "weekday", "wdday", "holiday"]  # read `future`
_YEAR_CTX = ["bare_year", "year"]
_KEEP_CTX = ["bare_year", "year", "number", "dayrel", "loose", "dom", "frac", "rate",
             "domdot", "domonly", "modal", "capset"]  # and "looser" (see `extract_dates`)


def _only_flags(rows: pl.DataFrame, where: pl.Expr, **flags: pl.Expr) -> list[pl.Series]:
    """Boolean columns computed on the rows `where` holds (in one pass), false on the rest."""
    idx = rows.select(where.fill_null(False).arg_true()).to_series()
    out = [pl.Series(name, [False] * rows.height, pl.Boolean) for name in flags]
    if idx.len() == 0:
        return out
    part = rows.lazy().filter(where.fill_null(False)).select(
        e.fill_null(False).alias(name) for name, e in flags.items()).collect()
    return [s.scatter(idx, part[s.name]) for s in out]


def _clause_cues(rows: pl.DataFrame, tense: pl.Expr) -> list[pl.Series]:
    """`clause` (`_clause`, null where `tense` does not hold) and `future`: a future cue in it
    (`_FUTURE_ANY`, read further by `_future`) or a scheduling fragment, in one pass over the
    `tense` rows."""
    clause = pl.repeat(None, rows.height, dtype=pl.String, eager=True).alias("clause")
    future = rows["frag"].fill_null(False).alias("future")
    idx = rows.select(tense.fill_null(False).arg_true()).to_series()
    if idx.len() == 0:
        return [clause, future]
    part = (rows.lazy().filter(tense.fill_null(False)).select(_clause().alias("c"), "frag")
            .select("c", (pl.col("c").str.contains(_FUTURE_ANY) | pl.col("frag"))
                    .fill_null(False).alias("f")).collect())
    return [clause.scatter(idx, part["c"]), future.scatter(idx, part["f"])]


_TENSE_CTX = 60  # characters of the sentence before a mention read for its tense

_ABBREV = _ascii_b(
    r"\b(?:[A-Z]|Mr|Mrs|Ms|Dr|St|Jr|Sr|Inc|Corp|Co|Ltd|Gov|Sen|Rep|Gen|Lt|Col|Rev|Prof)\.")


def _clause() -> pl.Expr:
    """The words before the mention in its sentence (at most `_TENSE_CTX` characters), lower
    case (column `clause`, computed once for the rows that read the tense)."""
    return (
        pl.col("lead")
        # initials and abbreviations do not end the sentence ("will succeed Daniel P. Davison")
        .str.replace_all(_ABBREV, "_")
        # the words after the last sentence break (not the point of "9.5")
        .str.replace(r"^(?s:.*)(?:[.!?]['\"`]*\s|\n)", "")
        .str.to_lowercase()
    )


def _future() -> pl.Expr:
    """Whether the future cues in the words before the mention (same sentence, `_clause`)
    hold: not cancelled by a past plan or verb before it or a past auxiliary after it. Read
    only where `_FUTURE_ANY` matches, outside scheduling fragments."""
    clause = pl.col("clause")
    past_verb = clause.str.contains(_PAST_VERB) & ~clause.str.contains(_PAST_VERB_EXCEPT)
    verbal = clause.str.contains(_FUTURE) & ~clause.str.contains(_PAST_PLAN) & ~past_verb
    after = pl.col("right").str.to_lowercase().str.extract(_PAST_AFTER, 0)
    past_after = after.is_not_null() & ~after.str.contains(
        _ascii_b(r"\b(?:to|going|planning|expected|scheduled|due|set|about)$"))
    event = ((pl.col("mode") == "yearless") & clause.str.contains(_EVENT_NEXT)
             & pl.col("right").str.contains(_EVENT_NOW_AFTER)
             & ~clause.str.contains(_PAST_CLAUSE) & ~clause.str.contains(_PAST_IRREGULAR))
    future = (verbal | clause.str.contains(_FUTURE_NEXT) | event) & ~past_after.fill_null(False)
    return future.fill_null(False)


# A mention with nothing before it in its sentence or clause but a conjunction or preposition
# ("On Tuesday, the league plans to ...", "But in March, it will ..."): its tense comes after it
_CLAUSE_START = _ascii_b(
    r"(?:^|[,;:(]|\s--)\s*(?:(?:and|but|so|then|yet|also|meanwhile)\s+)?(?:on|in|by|from)?\s*$")
# Within the words after it (to the clause end): a future cue that comes before any past one
_AFTER_FUTURE = _ascii_b(
    r"\bwill\b|'ll\b|\bshall\b|\b(?:is|are)\s+(?:to|due to|set to|scheduled to|expected to|"
    r"slated to|going to|planning to|likely to)\b|\b(?:plans?|intends?|hopes?)\s+to\b")
_AFTER_PAST = _ascii_b(r"\b(?:was|were|had|did|has|have)\b|\b[a-z]{3,}ed\b")
_AFTER_END = r"[.;!?\n]"


_RIGHT_CTX = 96  # characters after a mention read for its tense (`_future_after`)


def _future_after(rows: pl.DataFrame, frame: pl.DataFrame, tense: pl.Expr) -> pl.Series:
    """`future`, also true where the words after a mention, up to the clause end, have a
    future cue before any past one (`_AFTER_FUTURE`, `_AFTER_PAST`, `_PAST_IRREGULAR`). Read
    only where the mention starts its sentence or clause (`_CLAUSE_START`) and no cue before
    it reads the tense; only those rows take the words after them from the article text."""
    base = rows["future"]
    where = (tense & ~pl.col("future") & ~pl.col("frag")
             & pl.col("clause").str.contains(_CLAUSE_START)).fill_null(False)
    idx = rows.select(where.arg_true()).to_series()
    if idx.len() == 0:
        return base
    # the article's row in `frame` (ids only are joined: the texts are not copied)
    ids = frame.select("article_id").with_row_index("_fi").unique("article_id", keep="first")
    at = rows[idx].select("article_id", "end").join(
        ids, on="article_id", how="left", maintain_order="left")
    part = pl.DataFrame({"t": frame["text"].gather(at["_fi"]), "end": at["end"]}).lazy().select(
        pl.col("t").str.slice(pl.col("end"), _RIGHT_CTX).str.to_lowercase().alias("r"))
    cut = pl.col("r").str.find(_AFTER_END).fill_null(pl.col("r").str.len_bytes())
    after = pl.col("r").str.slice(0, cut)
    fut = after.str.find(_AFTER_FUTURE)
    past = pl.min_horizontal(after.str.find(_AFTER_PAST), after.str.find(_PAST_IRREGULAR))
    ahead = (fut.is_not_null() & (past.is_null() | (fut < past))).fill_null(False)
    return base.scatter(idx, part.select(ahead).collect().to_series())


# Past tense in the clause before a mention (read where `future` is false) ...
_PAST_CLAUSE = _ascii_b(r"\b(?:was|were|had|did)\b|\b[a-z]{3,}ed\b")
# ... but not a deadline or limit ("extended to Nov. 20", "set to expire Nov. 6") or a modal
# ("may be resolved in March"): those look ahead
_PAST_CLAUSE_EXCEPT = _ascii_b(
    r"\b(?:to|until|till|through|by|before)\s*$|"
    r"\b(?:may|might|could|should|would|must|can)\b|\bset to\b|\bslated\b|\bexpir|\bdue\b"
)


def _past() -> pl.Expr:
    """A month (and day) told of in the past tense: not one still ahead (see `_yearless_year`)."""
    clause = pl.col("clause")
    return (clause.str.contains(_PAST_CLAUSE)
            & ~clause.str.contains(_PAST_CLAUSE_EXCEPT)).fill_null(False)


def _keep(years: bool) -> pl.Expr:
    """Context filters: bare years must not be amounts, counts or parts of numbers. `years`:
    the filters of the `_YEAR_CTX` rows, else those of the other `_KEEP_CTX` rows (a polars
    when/then chain computes every branch on every row: the two are read apart)."""
    money_left = pl.col("left").str.contains(
        _ascii_b(r"(?:[$€£¥#]|\b(?:no|number|nos?\.)|[0-9][,.]?)\s*$"))
    counted = pl.col("right").str.contains(
        _ascii_b(r"^(?:[,.][0-9]|[0-9%]|\s*(?:percent|per cent)\b)"))
    plural_noun = pl.col("right").str.contains(_ascii_b(r"^[\s-]+[a-z]+s\b")) & ~pl.col(
        "left").str.contains(_ascii_b(
            r"(?i)\b(?:the|a|an|its|his|her|their|our|in|of|for|and|to|from|since|year|'s)\s*$"))
    ctx_bad = money_left | counted
    bare = pl.col("ctx") == "bare_year"
    if years:
        return (
            pl.when(bare)
            .then(~(ctx_bad | plural_noun
                    | pl.col("right").str.contains(_ascii_b(r"^\s*(?:-|–)\s*[0-9]{1,3}\b"))))
            .when(pl.col("ctx") == "year")
            .then(~ctx_bad)
            .otherwise(True)
        )
    return (
        pl.when(pl.col("ctx") == "number")
        .then(~money_left)
        # "the day before authorities issued ...": relative to an event, not a date
        .when(pl.col("ctx") == "dayrel")
        .then(~pl.col("right").str.contains(r"^\s+[a-z]"))
        # digits-only day.month without a year: a date cue before it, or a scheduling fragment
        .when(pl.col("ctx") == "loose")
        .then(pl.col("frag") | pl.col("left").str.contains(_LOOSE_CUE)
              | pl.col("right").str.contains(r"^\s+[0-9]{1,2}[:.][0-9]{2}"))
        .when(pl.col("ctx") == "looser")
        .then(pl.col("frag"))
        # "2." in a fragment, not the "10." of "10.45"
        .when(pl.col("ctx") == "domdot")
        .then(pl.col("frag") & ~pl.col("right").str.contains("^[0-9]"))
        # a day number alone is a date only as the whole fragment ("11")
        .when(pl.col("ctx") == "domonly")
        .then(pl.col("frag") & (pl.col("start") == 0)
              & (pl.col("right").str.strip_chars() == ""))
        # "the 22nd" but not "the 2nd round"
        .when(pl.col("ctx") == "dom")
        .then(_day_ends())
        # "This May Be Our Only Chance": the modal verb, not the month
        .when(pl.col("ctx") == "modal")
        .then(~pl.col("right").str.contains(_MODAL_NEXT))
        # "Daily Mail", "Sign up for Daily Newsletters": a capitalised adverb in a name
        .when(pl.col("ctx") == "capset")
        .then(~pl.col("right").str.contains(r"^[ \xa0]+[A-Z][a-z]"))
        .when(pl.col("ctx") == "frac")
        .then(~pl.col("right").str.contains(_ascii_b(r"^\s+of\b")))
        # "$2 million a year", "700 seats a week", "24 hours a day": rates
        .when(pl.col("ctx") == "rate")
        .then(~pl.col("left").str.contains(_ascii_b(
            r"(?i)(?:[0-9%]|\b(?:million|billion|thousand|hundred|seats|shares|cents|dollars|"
            r"percent|hours?|days?|times))\s*$")))
        .otherwise(True)
    )


# A verb after "This May" / "Next May" that makes "May" the modal
_MODAL_NEXT = _ascii_b(
    r"(?i)^\s+(?:be|have|not|never|also|soon|well|still|just|even|only|already|need|want|seem|"
    r"help|get|make|take|come|go|lose|win|face|mean|prove|cause|lead|hurt|cost|become|bring|"
    r"give|let|pay|see|say|find|require|affect|happen|fail|allow|decide|do|change|try)\b"
)
_LOOSE_CUE = _ascii_b(
    r"(?i)(?:\b(?:on|the|from|until|till|by|between|due|dated|of)|day,?|[-–]|^)\s*$"
)


def _day_ends() -> pl.Expr:
    """The number after "Friday"/"the" ends the expression: nothing but punctuation, a time
    or a connector follows (not "Friday 12 people", "Thursday, 5,745,188 shares")."""
    return pl.col("frag") | pl.col("right").str.contains(_ascii_b(
        r"^\s*(?:$|[,.;:!?)](?:\s|$)|(?:at|in|from|to|until|and)\b|[0-9]{1,2}[:.][0-9])"))


_POD_GAP = 8  # characters: how near another mention a part of day alone belongs to it


def _absorb_parts_of_day(rows: pl.DataFrame) -> pl.DataFrame:
    """A part of day alone ("morning", mode `pod`) next to another mention belongs to it
    ("december 6 afternoon", "evening of the 25th", "4:30 in the afternoon"): not a mention of
    its own. Only fragments have such rows, so the rest of the rows pass untouched."""
    pod = (pl.col("mode") == "pod").fill_null(False)
    docs = rows.filter(pod)["article_id"].unique()
    if docs.len() == 0:
        return rows
    inside = pl.col("article_id").is_in(docs.implode())
    part = rows.filter(inside).sort("article_id", "start")
    same_prev = pl.col("article_id") == pl.col("article_id").shift(1)
    same_next = pl.col("article_id") == pl.col("article_id").shift(-1)
    near_prev = same_prev & (pl.col("start") - pl.col("end").shift(1) <= _POD_GAP)
    near_next = same_next & (pl.col("start").shift(-1) - pl.col("end") <= _POD_GAP)
    near = (
        (near_prev & (pl.col("mode").shift(1) != "pod"))
        | (near_next & (pl.col("mode").shift(-1) != "pod"))
    ).fill_null(False)
    # "4:30 in the afternoon", "in the evening between 8 and 9": clock hours after noon
    late = (pl.col("mode") == "pod") & (pl.col("n") >= 12)
    pm = ((pl.col("mode") == "time")
          & ~pl.col("mtext").str.contains(_ascii_b(r"(?i)[ap]\.?\s?m\b|noon"))
          & ((near_prev & late.shift(1)) | (near_next & late.shift(-1)))).fill_null(False)
    value = pl.col("value")
    for h in range(1, 12):
        value = value.str.replace_all(f"T{h:02d}:", f"T{h + 12:02d}:", literal=True)
    part = part.with_columns(pl.when(pm).then(value).otherwise(pl.col("value")).alias("value"))
    return pl.concat([rows.filter(~inside), part.filter(~(pod & near))])


def _demote_weekdays(rows: pl.DataFrame) -> pl.DataFrame:
    """"Friday 14" whose number belongs to the words after it: just the weekday. Only those
    rows are looked at and rewritten in place."""
    idx = rows.select((pl.col("ctx") == "wdbare").fill_null(False).arg_true()).to_series()
    if idx.len() == 0:
        return rows
    part = rows[idx]
    bad = part.select((~_day_ends()).fill_null(False)).to_series()
    idx, part = idx.filter(bad), part.filter(bad)
    if idx.len() == 0:
        return rows
    new = part.select(
        (pl.col("mstart") + pl.col("n")).alias("end"),
        pl.col("mtext").str.slice(0, pl.col("ext") + pl.col("n")),
        pl.lit("weekday").alias("mode"),
        pl.lit(0, pl.Int8).alias("dirn"),
        pl.format("XXXX-WXX-{}", pl.col("wd")).alias("uval"),
        pl.lit(None, pl.String).alias("ctx"),
    )
    return rows.with_columns(
        rows[c].clone().scatter(idx, new[c].cast(rows.schema[c])) for c in new.columns
    )


_WD_NAME = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_WD_TO = ["through", "thru", "to", "until", "till", "-", "–"]  # the whole gap, stripped
# "six days a week, Monday through Saturday", "open daily, Monday to Friday": a recurring
# context in the clause before a weekday range
_RECURRING = _ascii_b(
    r"(?i)\b(?:a|per|each|every)\s+week\b|\bevery\b|\bdaily\b|\bweekly\b|\bweekdays\b|"
    r"\b(?:usually|typically|normally|generally|regularly)\b|\bhours\b"
)


def _recurring_weekdays(rows: pl.DataFrame, spans: pl.DataFrame) -> pl.DataFrame:
    """Both ends of a weekday range in a recurring context ("six days a week, Monday through
    Saturday") are SETs of that weekday (XXXX-WXX-1), not the days of one week. Only the
    bare weekdays next to a range word are looked at and rewritten in place; the other end is
    the match next to it in `spans` (row `_k` +/- 1)."""
    where = ((pl.col("mode") == "weekday") & (pl.col("dirn") == 0) & pl.col("tsuf").is_null()
             & ~pl.col("frag")).fill_null(False)
    idx = rows.select(where.arg_true()).to_series()
    if idx.len() == 0:
        return rows
    part = rows.lazy().filter(where).select("article_id", "_k", "left", "right", "lead").collect()
    to_next = part["right"].str.strip_chars().str.to_lowercase().is_in(_WD_TO)
    to_prev = part["left"].str.strip_chars().str.to_lowercase().is_in(_WD_TO)
    near = to_next | to_prev
    if not near.any():
        return rows
    idx, to_next, to_prev = idx.filter(near), to_next.filter(near), to_prev.filter(near)
    part = part.filter(near)
    k = part["_k"].cast(pl.Int64)
    last = spans.height - 1

    def weekday_at(j: pl.Series) -> pl.Series:
        jj = j.clip(0, last)
        return ((j >= 0) & (j <= last) & (spans["article_id"].gather(jj) == part["article_id"])
                & spans["match"].gather(jj).str.contains(f"(?i)^{_WD_NAME}$"))

    ranged = (((to_next & weekday_at(k + 1)) | (to_prev & weekday_at(k - 1)))
              & part["lead"].str.contains(_RECURRING)).fill_null(False)
    idx = idx.filter(ranged)
    if idx.len() == 0:
        return rows
    new = rows.select("uval")[idx].select(
        pl.lit("fixed").alias("mode"),
        pl.lit("SET").alias("typ"),
        pl.col("uval").alias("val"),
        pl.lit(None, pl.Date).alias("sd"),
        pl.lit(None, pl.Date).alias("ed"),
    )
    return rows.with_columns(
        rows[c].clone().scatter(idx, new[c].cast(rows.schema[c])) for c in new.columns
    )


def _resolve(rows: pl.DataFrame) -> pl.DataFrame:
    """value, start_date, end_date, anchor for every mode (each mode only computes its own)."""
    parts = []
    partitions = rows.partition_by("mode", as_dict=True)
    if ("fin",) in partitions:  # the quarter a report is about: the first one its text names
        named = rows.filter(pl.col("qn").is_not_null())
        qctx = named.group_by("article_id").agg(pl.col("qn").sort_by("start").first().alias("qctx"))
        partitions[("fin",)] = partitions[("fin",)].join(
            qctx, on="article_id", how="left", maintain_order="left")
    for (mode,), part in partitions.items():
        if mode in ("fixed", "ref") or not part["pub"].has_nulls():
            dated, undated = part, part.clear()
        else:
            dated = part.filter(pl.col("pub").is_not_null())
            undated = part.filter(pl.col("pub").is_null())
        if dated.height and mode == "wdday":
            parts.append(_wdday_rows(dated))
        elif dated.height and mode == "holiday":
            parts.append(_holiday_rows(dated))
        elif dated.height:
            parts.append(_with_offset(dated) if mode in ("offset", "prev")
                         else _with_yearless(dated) if mode == "yearless"
                         else dated.with_columns(_RESOLVERS[str(mode)]()))
        if undated.height:
            parts.append(undated.with_columns(
                pl.col("uval").alias("value"),
                pl.lit(None, pl.Date).alias("start_date"),
                pl.lit(None, pl.Date).alias("end_date"),
            ))
    if not parts:
        return rows.with_columns(
            pl.lit(None, pl.String).alias(c) for c in ("value", "anchor", "timex_type", "modifier")
        )
    out = pl.concat(parts, how="diagonal_relaxed")
    out = out.filter(pl.col("value").is_not_null() | pl.col("pub").is_null())
    anchor = (
        pl.when(pl.col("mode").is_in(["fixed"])).then(pl.lit("explicit"))
        .when(pl.col("pub").is_not_null()).then(pl.lit("publication_date"))
        .otherwise(pl.lit("unresolved"))
    )
    return out.with_columns(
        anchor.alias("anchor"),
        pl.col("typ").alias("timex_type"),
        pl.col("mod").alias("modifier"),
    )


_DAY = r"^(?:\d{4}|XXXX)-\d\d-\d\d$"
_DT = r"^\d{4}-\d\d-\d\dT\d\d:\d\d$"


_GAP = 12  # characters: the most text between two mentions that `_merge` joins


def _adjacent(rows: pl.DataFrame) -> pl.DataFrame:
    """Rows sorted by article and start, with `_adj` (within `_GAP` characters of the mention
    before or after it: only these can merge) and `_run` (a new run wherever a mention is not
    within `_GAP` of the one before it, so merging within runs reads the same neighbours)."""
    rows = rows.sort("article_id", "start")
    same = pl.col("article_id") == pl.col("article_id").shift(1)
    gap = pl.when(same).then(pl.col("start") - pl.col("end").shift(1))
    near = ((gap >= 0) & (gap <= _GAP)).fill_null(False)
    return rows.with_columns(near.alias("_near")).with_columns(
        (pl.col("_near") | pl.col("_near").shift(-1).fill_null(False)).alias("_adj"),
        (~pl.col("_near")).cum_sum().alias("_run"),
    ).drop("_near")


def _merge(rows: pl.DataFrame, by: str = "article_id") -> pl.DataFrame:
    """Adjacent mentions that make one expression: a day and a clock time ("Aug 5 at 8pm",
    "8pm on Aug 5") become one TIME; two days or times joined by a dash/"to"/"until" become
    one range "start/end". The text between must be only such a connector. `by` groups the
    rows that may join (an article, or a run of adjacent mentions from `_adjacent`)."""
    if rows.height == 0:
        return rows
    v, mode = pl.col("value"), pl.col("mode")
    # what the join tests read more than once, computed once (eager queries share nothing)
    rows = rows.sort(by, "start").with_columns(
        # sorted: plain shifts, no per-article windows
        (pl.col(by) == pl.col(by).shift(1)).alias("_same"),
        v.str.contains(_DAY).fill_null(False).alias("_day"),
        v.str.contains(_DT).fill_null(False).alias("_dt"),
        (mode == "time").fill_null(False).alias("_clock"),
        pl.col("timex_type").is_in(["DATE", "TIME"]).alias("_ok"),
    )
    day, dt, clock, ok = pl.col("_day"), pl.col("_dt"), pl.col("_clock"), pl.col("_ok")
    same = pl.col("_same")

    def prev(e: pl.Expr) -> pl.Expr:
        return pl.when(same).then(e.shift(1))

    gap_len = pl.col("start") - prev(pl.col("end"))
    rows = rows.with_columns(
        pl.when(gap_len == 0).then(pl.lit(""))
        .when((gap_len > 0) & (gap_len <= _GAP))
        .then(pl.col("left").str.slice(-(gap_len + pl.col("ext")), gap_len)).alias("_gap"),
        prev(day & ok).alias("_pday"), prev(dt & ok).alias("_pdt"),
        prev(clock).alias("_pclock"), prev(mode).alias("_pmode"), prev(v).alias("_pvalue"),
    )
    gap = pl.col("_gap")
    p_day, p_dt, p_clock = pl.col("_pday"), pl.col("_pdt"), pl.col("_pclock")
    frag = pl.col("frag")
    join_a = p_day & clock & (
        gap.str.contains(r"^[\s,]*(?:at\s+|@\s*)?$")
        # a scheduling fragment: "25.11. 10 am", "Jun 21 on 8am"
        | (frag & gap.str.contains(
            r"^[\s,.]*(?:at\s+|@\s*|on\s+|(?:not\s+)?after\s+|before\s+)?$")))
    # "8.5. Tuesday", "June 5, Tuesday": a day and its weekday are one mention (the day's)
    join_d = (p_day & (mode == "weekday") & pl.col("tsuf").is_null() & gap.str.contains(r"^[\s,]*$")
              & pl.col("_pmode").is_in(["fixed", "yearless", "wdday", "pick"]))
    # a fragment's "Monday morning, 19.6.17": the weekday (and part of day) before its day
    join_e = (frag & (pl.col("_pmode") == "weekday") & day & ok & gap.str.contains(r"^[\s,]*$")
              & mode.is_in(["fixed", "yearless", "wdday", "pick"]))
    join_b = p_clock & day & ok & gap.str.contains(r"^[\s,]*(?:on\s+)?$")
    join_c = (
        ((p_day & day) | (p_dt & (dt | clock)) | (p_clock & clock)) & ok
        & (
            gap.str.contains(r"^\s*[-–]\s*$")
            # in running prose "from Aug. 26 to Oct. 20" is two TIMEXes; numeric forms join
            | (gap.str.contains(r"^\s*(?:to|until|till|til)\s*$")
               & ((pl.col("mtext").str.contains(r"^[0-9]")
                   & prev(pl.col("mtext")).str.contains(r"^[0-9]")) | frag))
        )
    )
    p_value, tsuf = pl.col("_pvalue"), pl.col("tsuf").fill_null("")
    # a clock range ("8-10 a.m.") carries its end time in `code`
    tend, p_tend = pl.col("code"), prev(pl.col("code"))
    p_day10, day10 = p_value.str.slice(0, 10), v.str.slice(0, 10)
    # "Tuesday - Friday": the end weekday is the first one after the start
    wd_end = pl.when(
        (mode == "weekday") & (pl.col("_pmode") == "weekday")
        & (pl.col("start_date") < prev(pl.col("start_date")))
    ).then(_ymd(pl.col("start_date") + pl.duration(days=7))).otherwise(v)
    # "Nov 13 23:30 - 3:35": an end time before the start time is on the next day
    p_next = _ymd(p_day10.str.to_date("%Y-%m-%d", strict=False) + pl.duration(days=1))
    end_day = pl.when(tsuf < p_value.str.slice(10)).then(p_next).otherwise(p_day10)
    merged = (
        pl.when(join_d).then(p_value)
        .when(join_e).then(v)
        .when(join_a & tend.is_not_null()).then(p_value + tsuf + "/" + p_value + tend)
        .when(join_a).then(p_value + tsuf)
        .when(join_b & p_tend.is_not_null()).then(day10 + prev(tsuf) + "/" + day10 + p_tend)
        .when(join_b).then(v + prev(tsuf))
        .when(p_dt & clock).then(p_value + "/" + end_day + tsuf)
        .otherwise(p_value + "/" + wd_end)
    )
    rows = rows.with_columns(
        (join_a | join_b | join_c | join_d | join_e).fill_null(False).alias("_join"),
        merged.alias("_merged"),
    )
    take = pl.col("_join") & ~(same & pl.col("_join").shift(1)).fill_null(False)
    rows = rows.with_columns(take.alias("_take")).with_columns(
        (pl.col("_take").shift(-1) & (pl.col(by) == pl.col(by).shift(-1)))
        .fill_null(False).alias("_drop")
    )
    t = pl.col("_take")
    rows = rows.with_columns(
        pl.when(t).then(prev(pl.col("start"))).otherwise(pl.col("start")).alias("start"),
        pl.when(t).then(pl.concat_str(prev(pl.col("mtext")), pl.col("_gap"), pl.col("mtext")))
        .otherwise(pl.col("mtext")).alias("mtext"),
        pl.when(t).then(pl.col("_merged")).otherwise(v).alias("value"),
        pl.when(t).then(pl.when(pl.col("_merged").str.contains("T")).then(pl.lit("TIME"))
                        .otherwise(pl.lit("DATE")))
        .otherwise(pl.col("timex_type")).alias("timex_type"),
        pl.when(t).then(prev(pl.col("start_date"))).otherwise(pl.col("start_date"))
        .alias("start_date"),
        pl.when(t).then(pl.lit("merged")).otherwise(mode).alias("mode"),
        pl.when(t).then(prev(pl.col("left"))).otherwise(pl.col("left")).alias("left"),
        pl.when(t).then(prev(pl.col("ext"))).otherwise(pl.col("ext")).alias("ext"),
        pl.when(t).then(prev(pl.col("mstart"))).otherwise(pl.col("mstart")).alias("mstart"),
    )
    return rows.filter(~pl.col("_drop")).drop(
        "_join", "_merged", "_gap", "_take", "_drop", "_same", "_day", "_dt", "_clock", "_ok",
        "_pday", "_pdt", "_pclock", "_pmode", "_pvalue")


_ANCHOR_GAP = 400  # characters: how far back a day may anchor a bare clock time


def _anchor_clock_times(rows: pl.DataFrame) -> pl.DataFrame:
    """A bare clock time ("at 10 p.m.") happens on the day the text spoke of last: the nearest
    day-precise date before it (within `_ANCHOR_GAP` characters), else the publication day."""
    bare = (pl.col("mode") == "time") & ~pl.col("frag") & pl.col("pub").is_not_null()
    if rows.height == 0 or not rows.select(bare.any()).item():
        return rows
    rows = rows.sort("article_id", "start")
    dayish = pl.col("value").str.contains(r"^\d{4}-\d\d-\d\d").fill_null(False) & ~(
        pl.col("mode") == "time")
    same = pl.col("article_id") == pl.col("article_id").shift(1)
    anc_day = pl.when(dayish).then(pl.col("value").str.slice(0, 10))
    anc_at = pl.when(dayish).then(pl.col("end"))
    rows = rows.with_columns(
        pl.when(same).then(anc_day.shift(1)).otherwise(pl.lit("")).alias("_ad"),
        pl.when(same).then(anc_at.shift(1)).otherwise(pl.lit(-1)).alias("_aa"),
    ).with_columns(
        pl.col("_ad").forward_fill().replace("", None),
        pl.col("_aa").forward_fill().replace(-1, None),
    )
    use = (bare & (pl.col("start") - pl.col("_aa") <= _ANCHOR_GAP)
           & pl.col("_ad").str.to_date("%Y-%m-%d", strict=False).is_not_null())
    day = pl.col("_ad").str.to_date("%Y-%m-%d", strict=False)
    end = pl.when(pl.col("code").is_not_null()).then(
        pl.format("/{}{}", pl.col("_ad"), pl.col("code")))
    return rows.with_columns(
        pl.when(use).then(pl.format("{}{}{}", pl.col("_ad"), pl.col("tsuf"), end.fill_null("")))
        .otherwise(pl.col("value")).alias("value"),
        pl.when(use).then(day).otherwise(pl.col("start_date")).alias("start_date"),
        pl.when(use).then(day).otherwise(pl.col("end_date")).alias("end_date"),
        pl.when(use).then(pl.lit("previous_date")).otherwise(pl.col("anchor")).alias("anchor"),
    ).drop("_ad", "_aa")


def _ymd(e: pl.Expr) -> pl.Expr:
    return pl.format("{}-{}-{}", e.dt.year(), _pad(e.dt.month()), _pad(e.dt.day()))


def _fixed() -> list[pl.Expr]:
    return [pl.col("val").alias("value"), pl.col("sd").alias("start_date"),
            pl.col("ed").alias("end_date")]


def _ref() -> list[pl.Expr]:
    present = pl.when(pl.col("val") == "PRESENT_REF").then(pl.col("pub"))
    return [pl.col("val").alias("value"), present.alias("start_date"), present.alias("end_date")]


def _time() -> list[pl.Expr]:
    """A clock time on the publication day; in a fragment the day stays open (XXXX-XX-XX),
    but "noon" alone there is, like a part of day, the day of the next noon."""
    pub, frag, tsuf = pl.col("pub"), pl.col("frag"), pl.col("tsuf").fill_null("")
    noon = frag & pl.col("mtext").str.to_lowercase().str.contains(r"^(?:noon|midday)$")
    next_noon = pub + pl.duration(days=pl.when(pl.col("phour").fill_null(0) >= 12).then(1)
                                  .otherwise(0))
    day = pl.when(noon).then(next_noon).when(~frag).then(pub)
    ymd = pl.when(frag).then(pl.lit("XXXX-XX-XX")).otherwise(_ymd(pub))
    end = pl.when(pl.col("code").is_not_null()).then(pl.format("/{}{}", ymd, pl.col("code")))
    value = pl.when(noon).then(_ymd(next_noon)).otherwise(
        pl.format("{}{}{}", ymd, tsuf, end.fill_null("")))
    return [value.alias("value"), day.alias("start_date"), day.alias("end_date")]


def _yearless_year() -> pl.Expr:
    """Month (and day) without a year: the year of the nearest such date, pushed by cues and
    tense."""
    pub = pl.col("pub")
    py, pm, pd_ = pub.dt.year(), pub.dt.month(), pub.dt.day()
    mo, d, dirn = pl.col("mo"), pl.col("d"), pl.col("dirn")
    delta = (mo - pm) * 31 + (d.fill_null(15) - pd_)
    ydelta = (
        pl.when((dirn == 1) | (pl.col("frag") & d.is_not_null()))
        .then(pl.when(delta < 0).then(1).otherwise(0))
        .when(dirn == -1).then(pl.when(delta >= 0).then(-1).otherwise(0))
        .when(pl.col("future") | (pl.col("mod") == "ON_OR_BEFORE"))
        .then(pl.when(delta < -93).then(1).otherwise(0))
        # told in the past tense: not a date still ahead ("changed ... in December")
        .when(pl.col("past")).then(pl.when(delta > 0).then(-1).otherwise(0))
        # a scheduled event: the next one up to half a year ahead (`_EVENT_NEXT`)
        .when(pl.col("ahead")).then(pl.when(delta > 6 * 31).then(-1).otherwise(0))
        .when(delta >= 4 * 31).then(-1)  # months ahead: news tells of the latest one
        .otherwise(0)
    )
    return py + ydelta


def _with_yearless(rows: pl.DataFrame) -> pl.DataFrame:
    """`_yearless` resolved, its year computed once (not inlined in every expression)."""
    return rows.with_columns(_yearless_year().alias("_y")).with_columns(_yearless()).drop("_y")


def _yearless() -> list[pl.Expr]:
    """A month (and day) in the year `_yearless_year` chose (column `_y`)."""
    mo, d, d2, dirn = pl.col("mo"), pl.col("d"), pl.col("d2"), pl.col("dirn")
    tsuf = pl.col("tsuf").fill_null("")
    y = pl.col("_y")
    first = _mkdate(y, mo, d.fill_null(1))
    # a month name alone in a fragment: which year's is open
    open_month = d.is_null() & pl.col("frag") & (dirn == 0) & pl.col("mod").is_null()
    value = (
        pl.when(open_month).then(pl.format("XXXX-{}", _pad(mo)))
        .when(d.is_null()).then(pl.format("{}-{}", y, _pad(mo)))
        .when(d2.is_not_null()).then(pl.format(
            "{}-{}-{}/{}-{}-{}", y, _pad(mo), _pad(d), y, _pad(mo), _pad(d2)))
        .otherwise(pl.format("{}-{}-{}{}", y, _pad(mo), _pad(d), tsuf))
    )
    tend = pl.col("code")
    value = pl.when(tend.is_not_null() & d.is_not_null()).then(pl.format(
        "{}/{}{}", value, _ymd(_mkdate(y, mo, d) + pl.duration(
            days=pl.when(tend < tsuf).then(1).otherwise(0))), tend)).otherwise(value)
    last = (
        pl.when(d.is_null()).then(first.dt.month_end())
        .when(d2.is_not_null()).then(_mkdate(y, mo, d2))
        .otherwise(first)
    )
    known = ~open_month
    # "the week of March 6": that day's ISO week
    week = pl.col("unit") == "week"
    monday = first - pl.duration(days=first.dt.weekday() - 1)
    value = pl.when(week).then(pl.format("{}-W{}", first.dt.iso_year(), _pad(first.dt.week()))) \
        .otherwise(value)
    first = pl.when(week).then(monday).otherwise(first)
    last = pl.when(week).then(monday + pl.duration(days=6)).otherwise(last)
    return [value.alias("value"), pl.when(known).then(first).alias("start_date"),
            pl.when(known).then(last).alias("end_date")]


def _pick() -> list[pl.Expr]:
    """Two readings of a date ("16-04-19": 16 April 2019 or 2016-04-19): the one whose year is
    nearer the publication date's (the first on a tie)."""
    py = pl.col("pub").dt.year()
    one, two = pl.col("val"), pl.col("code")
    second = (two.str.slice(0, 4).cast(pl.Int32) - py).abs() < (
        one.str.slice(0, 4).cast(pl.Int32) - py).abs()
    value = pl.when(second).then(two).otherwise(one)
    day = value.str.to_date("%Y-%m-%d", strict=False)
    return [value.alias("value"), day.alias("start_date"), day.alias("end_date")]


def _pod() -> list[pl.Expr]:
    """A part of day alone in a fragment: the day it next comes (see `pod_starts`)."""
    late = (pl.col("phour").fill_null(0) >= pl.col("n")) & (pl.col("dirn") != 2)
    day = pl.col("pub") + pl.duration(days=pl.when(late).then(1).otherwise(0))
    return [_ymd(day).alias("value"), day.alias("start_date"), day.alias("end_date")]


def _weekday() -> list[pl.Expr]:
    """The most recent such weekday (today included) unless cues or tense point ahead."""
    pub, wd, dirn = pl.col("pub"), pl.col("wd"), pl.col("dirn")
    pw = pub.dt.weekday()
    back = (pw - wd) % 7
    fwd = (wd - pw) % 7
    off = (
        pl.when(dirn == -1).then(-pl.when(back == 0).then(7).otherwise(back))
        # a scheduling fragment's "next Friday" is the Friday of next week
        .when((dirn == 1) & pl.col("frag")).then(wd - pw + 7)
        .when(dirn == 1).then(pl.when(fwd == 0).then(7).otherwise(fwd))
        .when(dirn == 2).then(fwd)  # "this Friday"
        .when(dirn.is_in([3, -3, 4]))  # "Friday next week": that week's Friday
        .then(wd - pw + pl.when(dirn == 3).then(7).when(dirn == -3).then(-7).otherwise(0))
        .when(pl.col("future")).then(fwd)
        .otherwise(-back)
    )
    day = pub + pl.duration(days=off)
    return [pl.format("{}{}", _ymd(day), pl.col("tsuf").fill_null("")).alias("value"),
            day.alias("start_date"), day.alias("end_date")]


def _wdday_rows(part: pl.DataFrame) -> pl.DataFrame:
    """A day of the month ("the 8th"), with a weekday when one is given ("Tuesday 8th"): the
    month nearest the publication date in which that day exists (and falls on that weekday);
    only later months when the text looks ahead. Rare, so resolved row by row."""
    out: list[date | None] = []
    for pub, d, wd, future in part.select("pub", "d", "wd", "future").iter_rows():
        order = range(15) if future else [0, *(k for i in range(1, 15) for k in (-i, i))]
        hit = None
        for k in order:
            y, m = divmod(pub.year * 12 + pub.month - 1 + k, 12)
            if d > calendar.monthrange(y, m + 1)[1]:
                continue
            day = date(y, m + 1, d)
            if (wd is None or day.isoweekday() == wd) and (not future or day >= pub):
                hit = day
                break
        out.append(hit)
    days = pl.Series("start_date", out, pl.Date)
    return part.with_columns(days, days.alias("end_date")).with_columns(
        _ymd(pl.col("start_date")).alias("value"))


def _holiday_rows(part: pl.DataFrame) -> pl.DataFrame:
    """Holidays: the nearest occurrence (last/next: the one before/after the publication date;
    the next one when the text looks ahead); "Easter week" is that ISO week."""
    days: list[date | None] = []
    values: list[str | None] = []
    cols = part.select("pub", "code", "dirn", "future", "unit")
    for pub, name, dirn, future, unit in cols.iter_rows():
        cands = [c for y in (pub.year - 1, pub.year, pub.year + 1)
                 if (c := holiday_date(name, y)) is not None]
        if dirn == -1:
            pick = max((c for c in cands if c < pub), default=None)
        elif dirn == 1 or future:
            pick = min((c for c in cands if c >= pub if dirn != 1 or c > pub), default=None)
        else:
            pick = min(cands, key=lambda c: abs((c - pub).days), default=None)
        days.append(pick)
        if pick is None:
            values.append(None)
        elif unit == "week":
            iy, iw, _ = pick.isocalendar()
            values.append(f"{iy}-W{iw:02d}")
        else:
            values.append(pick.isoformat())
    d = pl.Series("start_date", days, pl.Date)
    return part.with_columns(d, d.alias("end_date"), pl.Series("value", values, pl.String))


def _with_offset(rows: pl.DataFrame) -> pl.DataFrame:
    """`_offset` resolved, its target day computed once (not inlined in every expression)."""
    return rows.with_columns(_offset_day().alias("_oday")).with_columns(_offset()).drop("_oday")


def _offset_day() -> pl.Expr:
    """The publication date moved by n calendar units (the day `_offset` reads)."""
    pub, unit, n = pl.col("pub"), pl.col("unit"), pl.col("n")
    months = (
        pl.when(unit.is_in(["month", "monthend"])).then(n).when(unit == "quarter").then(n * 3)
        .when(unit == "half").then(n * 6).when(unit.is_in(["year", "yearend"])).then(n * 12)
        .when(unit == "decade").then(n * 120).when(unit == "century").then(n * 1200)
        .otherwise(0)
    )
    pw = pub.dt.weekday()
    days = (
        pl.when(unit == "day").then(n)
        .when((unit == "weekend") & (pl.col("dirn") == 9))
        .then(pl.when(pl.col("future") | (pw >= 6)).then(0).otherwise(-7))
        .when(unit.is_in(["week", "weekend"])).then(n * 7)
    )
    day = (pub + pl.duration(days=days.fill_null(0))).dt.offset_by(pl.format("{}mo", months))
    # the last day of that month or year
    return (pl.when(unit == "monthend").then(day.dt.month_end())
            .when(unit == "yearend").then(pl.date(day.dt.year(), 12, 31)).otherwise(day))


def _offset() -> list[pl.Expr]:
    """An offset of n calendar units from the publication date, at that unit's granularity
    (the target day in `_oday`, see `_with_offset`)."""
    unit, day = pl.col("unit"), pl.col("_oday")
    y, m = day.dt.year(), day.dt.month()
    q = (m - 1) // 3 + 1
    h = (m - 1) // 6 + 1
    monday = day - pl.duration(days=day.dt.weekday() - 1)
    iso_y, iso_w = day.dt.iso_year(), day.dt.week()
    week = pl.format("{}-W{}", iso_y, _pad(iso_w))
    is_day = unit.is_in(["day", "monthend", "yearend"])
    value = (
        pl.when(is_day).then(pl.format("{}{}", _ymd(day), pl.col("tsuf").fill_null("")))
        .when(unit == "week").then(week)
        .when(unit == "weekend").then(pl.format("{}-WE", week))
        .when(unit == "month").then(pl.format("{}-{}", y, _pad(m)))
        .when(unit == "quarter").then(pl.format("{}-Q{}", y, q))
        .when(unit == "half").then(pl.format("{}-H{}", y, h))
        .when(unit == "year").then(y.cast(pl.String))
        .when(unit == "decade").then((y // 10).cast(pl.String))
        .when(unit == "century").then((y // 100).cast(pl.String))
    )
    first_month = (
        pl.when(unit == "quarter").then((q - 1) * 3 + 1).when(unit == "half").then((h - 1) * 6 + 1)
        .when(unit == "month").then(m).otherwise(1)
    )
    span_months = (
        pl.when(unit == "quarter").then(3).when(unit == "half").then(6)
        .when(unit == "month").then(1).when(unit == "year").then(12)
        .when(unit == "decade").then(120).otherwise(1200)
    )
    year0 = pl.when(unit == "decade").then(y // 10 * 10).when(unit == "century") \
        .then(y // 100 * 100).otherwise(y)
    cal_first = pl.date(year0, first_month, 1)
    cal_last = cal_first.dt.offset_by(pl.format("{}mo", span_months - 1)).dt.month_end()
    sd = (
        pl.when(is_day).then(day).when(unit == "week").then(monday)
        .when(unit == "weekend").then(monday + pl.duration(days=5)).otherwise(cal_first)
    )
    ed = (
        pl.when(is_day).then(day)
        .when(unit.is_in(["week", "weekend"])).then(monday + pl.duration(days=6))
        .otherwise(cal_last)
    )
    return [value.alias("value"), sd.alias("start_date"), ed.alias("end_date")]


def _part() -> list[pl.Expr]:
    """A named part of a year (Q3, H1, SU, 07) in this/last/next year."""
    pub, n, smo, dirn = pl.col("pub"), pl.col("n").fill_null(0), pl.col("smo"), pl.col("dirn")
    py, pm = pub.dt.year(), pub.dt.month()
    y = (
        pl.when(dirn == -1).then(py + n - pl.when(smo.fill_null(0) >= pm).then(1).otherwise(0))
        .when(dirn == -2).then(py + n - pl.when(smo.fill_null(0) > pm).then(1).otherwise(0))
        .when(dirn == 1).then(py + n + pl.when(smo.fill_null(13) <= pm).then(1).otherwise(0))
        .otherwise(py + n)
    )
    code = pl.col("code")
    qn = code.str.extract(r"^Q([1-4])$", 1).cast(pl.Int32)
    mn = code.str.extract(r"^(\d\d)$", 1).cast(pl.Int32)
    first = (
        pl.when(qn.is_not_null()).then(pl.date(y, (qn - 1) * 3 + 1, 1))
        .when(mn.is_not_null()).then(pl.date(y, mn, 1))
        .when(code == "H1").then(pl.date(y, 1, 1)).when(code == "H2").then(pl.date(y, 7, 1))
        .when(smo.is_not_null()).then(pl.date(y, smo, 1))
    )
    months = (
        pl.when(qn.is_not_null() | smo.is_not_null()).then(3).when(mn.is_not_null()).then(1)
        .otherwise(6)
    )
    last = first.dt.offset_by(pl.format("{}mo", months - 1)).dt.month_end()
    return [pl.format("{}-{}", y, code).alias("value"), first.alias("start_date"),
            last.alias("end_date")]


def _fin() -> list[pl.Expr]:
    """Financial periods: the article's quarter this year, a year ago, or in a named year."""
    pub, qy, n = pl.col("pub"), pl.col("qy"), pl.col("n")
    q = pl.coalesce(pl.col("qn"), pl.col("qctx")).cast(pl.Int32)
    py, pm = pub.dt.year(), pub.dt.month()
    latest = pl.when(q * 3 - 2 < pm).then(py).otherwise(py - 1)
    y = pl.when(qy == 2).then(n).when(qy == 1).then(latest - 1).otherwise(latest)
    plain = pl.when(qy == 2).then(n).when(qy == 1).then(py - 1)
    first_q = pl.date(y, q * 3 - 2, 1)
    value = (
        pl.when(q.is_not_null()).then(pl.format("{}-Q{}", y, q))
        .otherwise(plain.cast(pl.String))
    )
    sd = pl.when(q.is_not_null()).then(first_q).otherwise(pl.date(plain, 1, 1))
    ed = (
        pl.when(q.is_not_null()).then(first_q.dt.offset_by("2mo").dt.month_end())
        .otherwise(pl.date(plain, 12, 31))
    )
    return [value.alias("value"), sd.alias("start_date"), ed.alias("end_date")]


def _resolve_prev(rows: pl.DataFrame) -> pl.DataFrame:
    """"the following year", "that month": offsets from the date mentioned last before them."""
    v = pl.col("value")
    gran = (
        pl.when(v.str.contains(r"^\d{4}-\d\d-\d\d")).then(3)
        .when(v.str.contains(r"^\d{4}-\d\d$")).then(2)
        .when(v.str.contains(r"^\d{4}")).then(1)
    )
    rows = rows.sort("article_id", "start").with_columns(
        pl.when((pl.col("mode") != "prev") & (gran >= 2)).then(pl.col("start_date"))
        .shift(1).forward_fill().over("article_id").alias("_anc2"),
        pl.when((pl.col("mode") != "prev") & (gran >= 1)).then(pl.col("start_date"))
        .shift(1).forward_fill().over("article_id").alias("_anc1"),
    )
    anc = pl.when(pl.col("unit") == "month").then(pl.col("_anc2")).otherwise(pl.col("_anc1"))
    prev = rows.filter(pl.col("mode") == "prev").with_columns(
        pl.coalesce(anc, pl.col("pub")).alias("pub"),
        pl.when(anc.is_not_null()).then(pl.lit("previous_date")).otherwise(pl.col("anchor"))
        .alias("anchor"),
    )
    prev = _with_offset(prev)
    return pl.concat([rows.filter(pl.col("mode") != "prev"), prev], how="diagonal_relaxed").drop(
        "_anc1", "_anc2"
    )


_RESOLVERS = {"fixed": _fixed, "ref": _ref, "time": _time,  # yearless: `_with_yearless`

              "weekday": _weekday, "part": _part, "fin": _fin, "pick": _pick, "pod": _pod}


def _mkdate(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    """A date that never raises: 29 February of a common year becomes 1 March."""
    return pl.date(y, m, 1) + pl.duration(days=d - 1)


def _pad(e: pl.Expr) -> pl.Expr:
    return e.cast(pl.String).str.zfill(2)

"""Temporal expressions (TimeML TIMEX3) found and resolved against the publication time.

How it works, vectorised over whole frames:

1. One case-insensitive pattern, compiled once from the rules in `dates_rules` and the word
   lists in `seeds/dates/lexicon.yaml`, is matched over every article with `regex_spans`
   (character offsets).
2. Each *distinct* matched string is interpreted once (Python, cached) into an underspecified
   spec: TIMEX type, a fixed value or a resolution mode (year-less date, weekday, offset from
   the publication date, part of year, time of day), modifier, and how many leading characters
   are a cue word outside the TIMEX span ("by", "since", "as early as", "in" ...).
3. The specs are joined back to the mentions and resolved against `published_at` with polars
   expressions (date arithmetic, ISO weeks, nearest-year choice, tense cues in the preceding
   words of the sentence).
"""

from __future__ import annotations

import polars as pl

from pipelines.extract.dates_rules import SPEC_SCHEMA, interpret, prefix_pattern, union_pattern
from schemas.tables import Dates, conform

_CTX = 60  # characters of left context looked at for tense cues and bare-year checks


def extract_dates(articles: pl.DataFrame) -> pl.DataFrame:
    """One row per temporal expression in `articles.text`, as `schemas.tables.Dates`."""
    published = (
        pl.col("published_at").cast(pl.Datetime("us", "UTC"))
        if "published_at" in articles.columns
        else pl.lit(None, pl.Datetime("us", "UTC")).alias("published_at")
    )
    spans = _spans(articles.select("article_id", "text", published), union_pattern())
    if spans.height == 0:
        return conform(pl.DataFrame(schema={"article_id": pl.String}), Dates)
    cues = pl.col("left").str.extract_groups(prefix_pattern())
    spans = spans.with_columns(
        cues.struct.field("co").fill_null("").alias("co"),
        cues.struct.field("inner").fill_null("").alias("inner"),
    )
    keys = spans.select("match", "co", "inner").unique()
    specs = pl.DataFrame(
        [interpret(*k) for k in keys.iter_rows()], schema=SPEC_SCHEMA, orient="row"
    ).hstack(keys)
    rows = (
        spans.join(specs.filter(pl.col("ok")), on=["match", "co", "inner"], how="inner")
        .with_columns(
            (pl.col("start") - pl.col("ext")).alias("start"),
            pl.concat_str(pl.col("inner").str.slice(-pl.col("ext")), pl.col("match")).alias("mtext"),
            pl.col("published_at").dt.date().alias("pub"),
            pl.col("left")
            .str.extract(r"([^.!?\n]*)$", 1)
            .str.to_lowercase()
            .str.contains(_FUTURE)
            .fill_null(False)
            .alias("future"),
        )
    )
    rows = rows.filter(_keep()).with_columns(_resolve())
    return conform(
        rows.with_columns(pl.col("mtext").alias("text")).sort("article_id", "start"), Dates
    )


def _spans(frame: pl.DataFrame, pattern: str) -> pl.DataFrame:
    """Matches with character offsets and their left/right context (as `spans.regex_spans`).

    The text between matches is already at hand after the split, so the context windows cost
    no extra character scans of the article.
    """
    mark = "\x00"
    return (
        frame.lazy()
        .select(
            "article_id",
            "published_at",
            pl.col("text").str.replace_all(pattern, f"{mark}${{0}}{mark}").str.split(mark)
            .alias("_piece"),
        )
        .with_row_index("_doc")
        .explode("_piece")
        .with_columns(pl.col("_piece").str.len_chars().cast(pl.Int64).alias("_len"))
        .with_columns(
            pl.int_range(pl.len()).over("_doc").alias("_i"),
            (pl.col("_len").cum_sum().over("_doc") - pl.col("_len")).alias("start"),
            pl.col("_piece").shift(1).over("_doc").str.slice(-_CTX).alias("left"),
            pl.col("_piece").shift(-1).over("_doc").str.slice(0, 24).alias("right"),
        )
        .filter((pl.col("_i") % 2 == 1) & (pl.col("_len") > 0))
        .select(
            "article_id",
            "published_at",
            "start",
            (pl.col("start") + pl.col("_len")).alias("end"),
            pl.col("_piece").alias("match"),
            pl.col("left").fill_null(""),
            pl.col("right").fill_null(""),
        )
        .collect()
    )


_FUTURE = (
    r"(?:\bwill\b|'ll\b|\bshall\b|\bgoing to\b|\bplan(?:s|ned)?\b|\bschedul|\bexpect|\bdue\b|"
    r"\bset to\b|\bupcoming\b|\bintends?\b|\bhopes? to\b|\b(?:is|are) to\b|\bwould\b|\bto be\b|"
    r"\bnext\b|\bas soon as\b|\buntil\b|\bto (?:leave|meet|visit|travel|attend|hold|vote|"
    r"return|begin|start|announce|decide|resume)\b)"
)


def _keep() -> pl.Expr:
    """Context filters: bare years must not be amounts, counts or parts of numbers."""
    money_left = pl.col("left").str.contains(r"(?:[$€£¥#]|\b(?:us|no|number|nos?\.)|[0-9][,.]?)\s*$")
    counted = pl.col("right").str.contains(r"^(?:[,.][0-9]|[0-9%]|\s*(?:percent|per cent)\b)")
    plural_noun = pl.col("right").str.contains(r"^[\s-]+[a-z]+s\b") & ~pl.col("left").str.contains(
        r"(?i)\b(?:the|a|an|its|his|her|their|our|in|of|for|and|to|from|since|year|'s)\s*$"
    )
    ctx_bad = money_left | counted
    bare = pl.col("ctx") == "bare_year"
    return (
        pl.when(bare)
        .then(~(ctx_bad | plural_noun | pl.col("right").str.contains(r"^\s*(?:-|–)\s*[0-9]{1,3}\b")))
        .when(pl.col("ctx") == "year")
        .then(~ctx_bad)
        .when(pl.col("ctx") == "number")
        .then(~money_left)
        .otherwise(True)
    )


def _resolve() -> list[pl.Expr]:
    """value, start_date, end_date, anchor, timex_type for every mode."""
    pub = pl.col("pub")
    has_pub = pub.is_not_null()
    py, pm, pd_ = pub.dt.year(), pub.dt.month(), pub.dt.day()
    mode, unit, n = pl.col("mode"), pl.col("unit"), pl.col("n")
    tsuf = pl.col("tsuf").fill_null("")

    # year-less month (and day): nearest year, pushed to the future/past by cues.
    mo, d = pl.col("mo"), pl.col("d")
    delta = (mo - pm) * 31 + (d.fill_null(15) - pd_)
    dirn = pl.col("dirn")
    ydelta = (
        pl.when(dirn == 1).then(pl.when(delta < 0).then(1).otherwise(0))
        .when(dirn == -1).then(pl.when(delta >= 0).then(-1).otherwise(0))
        .when(pl.col("future")).then(pl.when(delta < -93).then(1).otherwise(0))
        .when(delta >= 6 * 31).then(-1)
        .when(delta <= -8 * 31).then(1)
        .otherwise(0)
    )
    yl_year = py + ydelta
    yl_date = pl.date(yl_year, mo, d.fill_null(1))
    d2 = pl.col("d2")
    yl_value = (
        pl.when(d.is_null()).then(pl.format("{}-{}", yl_year, _pad(mo)))
        .when(d2.is_not_null()).then(pl.format(
            "{}-{}-{}/{}-{}-{}", yl_year, _pad(mo), _pad(d), yl_year, _pad(mo), _pad(d2)))
        .otherwise(pl.format("{}-{}-{}{}", yl_year, _pad(mo), _pad(d), tsuf))
    )
    yl_end = (
        pl.when(d.is_null()).then(yl_date.dt.month_end())
        .when(d2.is_not_null()).then(pl.date(yl_year, mo, d2))
        .otherwise(yl_date)
    )

    # weekdays: the most recent one (today included) unless the sentence points ahead.
    wd = pl.col("wd")
    pw = pub.dt.weekday()
    back = (pw - wd) % 7
    fwd = (wd - pw) % 7
    wd_off = (
        pl.when(dirn == -1).then(-pl.when(back == 0).then(7).otherwise(back))
        .when(dirn == 1).then(pl.when(fwd == 0).then(7).otherwise(fwd))
        .when(dirn == 2).then(fwd)  # "this Friday"
        .when(pl.col("future")).then(fwd)
        .otherwise(-back)
    )
    wd_date = pub + pl.duration(days=wd_off)

    # offsets from the publication date in calendar units.
    off_date = (
        pl.when(unit.is_in(["day", "week", "weekend"]))
        .then(pub + pl.duration(days=n * pl.when(unit == "day").then(1).otherwise(7)))
        .when(unit == "month").then(pub.dt.offset_by(pl.format("{}mo", n)))
        .when(unit == "quarter").then(pub.dt.offset_by(pl.format("{}mo", n * 3)))
        .when(unit == "half").then(pub.dt.offset_by(pl.format("{}mo", n * 6)))
        .when(unit == "year").then(pub.dt.offset_by(pl.format("{}y", n)))
        .when(unit == "decade").then(pub.dt.offset_by(pl.format("{}y", n * 10)))
        .when(unit == "century").then(pub.dt.offset_by(pl.format("{}y", n * 100)))
        .otherwise(pub)
    )
    oy, om = off_date.dt.year(), off_date.dt.month()
    oq = (om - 1) // 3 + 1
    monday = off_date - pl.duration(days=off_date.dt.weekday() - 1)
    off_value = (
        pl.when(unit == "day").then(pl.format("{}{}", off_date.dt.strftime("%Y-%m-%d"), tsuf))
        .when(unit == "week").then(off_date.dt.strftime("%G-W%V"))
        .when(unit == "weekend").then(pl.format("{}-WE", off_date.dt.strftime("%G-W%V")))
        .when(unit == "month").then(off_date.dt.strftime("%Y-%m"))
        .when(unit == "quarter").then(pl.format("{}-Q{}", oy, oq))
        .when(unit == "half").then(pl.format("{}-H{}", oy, (om - 1) // 6 + 1))
        .when(unit == "year").then(oy.cast(pl.String))
        .when(unit == "decade").then(oy.cast(pl.String).str.slice(0, 3))
        .when(unit == "century").then((oy // 100).cast(pl.String))
        .otherwise(None)
    )
    q_start = pl.date(oy, (oq - 1) * 3 + 1, 1)
    off_sd = (
        pl.when(unit == "day").then(off_date)
        .when(unit == "week").then(monday)
        .when(unit == "weekend").then(monday + pl.duration(days=5))
        .when(unit == "month").then(off_date.dt.month_start())
        .when(unit == "quarter").then(q_start)
        .when(unit == "half").then(pl.date(oy, ((om - 1) // 6) * 6 + 1, 1))
        .when(unit == "year").then(pl.date(oy, 1, 1))
        .when(unit == "decade").then(pl.date(oy // 10 * 10, 1, 1))
        .when(unit == "century").then(pl.date(oy // 100 * 100, 1, 1))
    )
    off_ed = (
        pl.when(unit == "day").then(off_date)
        .when(unit.is_in(["week", "weekend"])).then(monday + pl.duration(days=6))
        .when(unit == "month").then(off_date.dt.month_end())
        .when(unit == "quarter").then(q_start.dt.offset_by("2mo").dt.month_end())
        .when(unit == "half").then(
            pl.date(oy, ((om - 1) // 6) * 6 + 1, 1).dt.offset_by("5mo").dt.month_end())
        .when(unit == "year").then(pl.date(oy, 12, 31))
        .when(unit == "decade").then(pl.date(oy // 10 * 10 + 9, 12, 31))
        .when(unit == "century").then(pl.date(oy // 100 * 100 + 99, 12, 31))
    )

    # part of a year given by code (Q3, H1, SU ...) and a year offset / direction.
    code, smo = pl.col("code"), pl.col("smo")
    py_year = (
        pl.when(dirn == -1).then(py + n - pl.when(smo.fill_null(0) >= pm).then(1).otherwise(0))
        .when(dirn == 1).then(py + n + pl.when(smo.fill_null(13) <= pm).then(1).otherwise(0))
        .otherwise(py + n)
    )
    part_value = pl.format("{}-{}", py_year, code)

    value = (
        pl.when(mode == "fixed").then(pl.col("val"))
        .when(mode == "ref").then(pl.col("val"))
        .when(~has_pub).then(pl.col("uval"))
        .when(mode == "yearless").then(yl_value)
        .when(mode == "weekday").then(pl.format("{}{}", wd_date.dt.strftime("%Y-%m-%d"), tsuf))
        .when(mode == "offset").then(off_value)
        .when(mode == "part").then(part_value)
        .when(mode == "time").then(pl.format("{}{}", pub.dt.strftime("%Y-%m-%d"), tsuf))
        .otherwise(pl.col("uval"))
    )
    sd = (
        pl.when(mode == "fixed").then(pl.col("sd"))
        .when(mode == "ref").then(pl.when(pl.col("val") == "PRESENT_REF").then(pub))
        .when(mode == "yearless").then(yl_date)
        .when(mode == "weekday").then(wd_date)
        .when(mode == "offset").then(off_sd)
        .when(mode == "time").then(pub)
    )
    ed = (
        pl.when(mode == "fixed").then(pl.col("ed"))
        .when(mode == "ref").then(pl.when(pl.col("val") == "PRESENT_REF").then(pub))
        .when(mode == "yearless").then(yl_end)
        .when(mode == "weekday").then(wd_date)
        .when(mode == "offset").then(off_ed)
        .when(mode == "time").then(pub)
    )
    anchor = (
        pl.when(mode == "fixed").then(pl.lit("explicit"))
        .when(has_pub).then(pl.lit("publication_date"))
        .otherwise(pl.lit("unresolved"))
    )
    return [
        value.alias("value"),
        sd.alias("start_date"),
        ed.alias("end_date"),
        anchor.alias("anchor"),
        pl.col("typ").alias("timex_type"),
        pl.col("mod").alias("modifier"),
    ]


def _pad(e: pl.Expr) -> pl.Expr:
    return e.cast(pl.String).str.zfill(2)

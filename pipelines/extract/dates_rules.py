# ruff: noqa: E501  (regex rule tables read better unwrapped)
"""Patterns and the per-string interpreter behind `pipelines.extract.dates`.

Rules are Python regexes with named groups, built from the word lists in
`seeds/dates/lexicon.yaml`. Their unions (names stripped, ASCII word boundaries and ASCII
spaces so the regex engine keeps a small, fast DFA; see `scan_patterns`) find candidate mentions
in polars; `interpret` then re-matches each
*distinct* candidate string against the rules in order and returns a spec row (`SPEC_SCHEMA`)
that `dates._resolve` turns into a TimeML value against the publication date.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "dates" / "lexicon.yaml"

SPEC_SCHEMA: dict[str, Any] = {
    "ok": pl.Boolean, "typ": pl.String, "mode": pl.String,
    "val": pl.String, "uval": pl.String, "sd": pl.Date, "ed": pl.Date,
    "mo": pl.Int32, "d": pl.Int32, "d2": pl.Int32, "wd": pl.Int8, "unit": pl.String, "n": pl.Int32,
    "dirn": pl.Int8, "tsuf": pl.String, "code": pl.String, "smo": pl.Int32,
    "mod": pl.String, "ctx": pl.String, "ext": pl.Int64, "cut": pl.Int64,
    "qn": pl.Int8, "qy": pl.Int8,
}
Spec = dict[str, Any]


@cache
def lexicon() -> dict[str, Any]:
    """The parsed seed word lists."""
    with SEEDS.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


@cache
def fragment_vocabulary() -> list[str]:
    """Lower-case words a scheduling fragment may consist of (see `fragment_words` in the seeds)."""
    lx = lexicon()
    words: set[str] = set(lx["fragment_words"])
    for key in ("months", "weekdays", "numbers", "units", "seasons", "parts_of_day", "sets",
                "refs", "cues_outside", "cues_inside", "position_cues", "ordinals",
                "clock_hours", "pod_starts"):
        for w in lx[key]:
            words.update(re.findall(r"[a-z]{2,}", str(w).lower()))
    words.update(w + "s" for w in list(words))
    return sorted(words)


def _alt(words: Any) -> str:
    """A regex alternation of words/phrases, longest first, spaces as flexible whitespace."""
    items = sorted({str(w) for w in words}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in items)


# ----------------------------------------------------------------------------- patterns

@cache
def _parts() -> dict[str, str]:
    lx = lexicon()
    months_full = [m for m, _ in lx["months"].items() if len(m) > 3 and m != "sept"]
    months_abbr = [m for m in lx["months"] if m not in months_full]
    wd_full = [w for w in lx["weekdays"] if len(w) > 5]
    units = list(lx["units"])
    nums = [k for k in lx["numbers"] if k not in ("a", "an")]
    p: dict[str, str] = {}
    p["MON"] = rf"(?:{_alt(months_full)}|(?:{_alt(months_abbr)})\b\.?)"
    p["MONF"] = rf"(?:{_alt([*months_full, 'may'])}|(?:{_alt(['jan', 'feb', 'aug', 'sept', 'oct', 'nov', 'dec'])})\.)"
    p["WD"] = rf"(?:{_alt(wd_full)}|(?:{_alt(lx['weekdays'])})\b\.?)"
    p["WDF"] = rf"(?:{_alt(wd_full)})"
    p["WDA"] = rf"(?:{_alt([w for w in lx['weekdays'] if w not in wd_full])})"
    p["MONA"] = rf"(?:{_alt(months_abbr)})"
    p["UNIT"] = rf"(?:{_alt(units)})"
    p["NUMW"] = (
        rf"(?:(?:{_alt(nums)})(?:[\s-]+(?:{_alt(nums)}))?|\d+(?:\.\d+)?(?:\s+1/2)?|1/2|"
        rf"\d{{1,3}}(?:,\d{{3}})+)"
    )
    p["VAGUE"] = rf"(?:{_alt(lx['vague_numbers'])})"
    p["SEASON"] = rf"(?:{_alt(lx['seasons'])})"
    p["POD"] = rf"(?:{_alt(lx['parts_of_day'])})"
    p["PODS"] = rf"(?:{_alt(lx['pod_starts'])})"
    p["ORD"] = rf"(?:{_alt(lx['ordinals'])})"
    p["QORD"] = rf"(?:{_alt([*lx['ordinals'], 'latest', 'current', 'year-ago', 'year-earlier', 'previous', 'past', 'final'])})"
    p["DAY"] = r"(?:[0-3]?\d)(?:st|nd|rd|th)?\b"
    # month names glued to digits ("03APR", "28Nov2016"): no word boundary inside
    p["MONC"] = rf"(?:{_alt(lx['months'])})"
    p["HOLIDAY"] = rf"(?:{_alt(lx['holidays'])})"
    p["HOURW"] = rf"(?:{_alt(lx['clock_hours'])})"
    p["YEAR"] = r"(?:1\d{3}|20\d{2})\b"
    p["TIME"] = (
        r"(?:(?:[01]?\d|2[0-3])(?:[:.][0-5]\d)?\s*(?:[ap]\.\s?m\b\.?|[ap]\s?m\b)|(?:[01]?\d|2[0-3])[:h][0-5]\d\b"
        r"(?:\s*h\b)?|noon\b|midnight\b|midday\b)"
        r"(?:\s*(?:[ECMP][SD]T|GMT|UTC|BST|CET|CEST)\b)?"
    )
    # a clock time right after a date may be written 19.10, 0930 or 1900-2110
    p["TSUF"] = (
        r"(?:,?\s*(?:[-–@]\s*|at\s+)?(?P<t>{TIME})|(?:,?\s*@\s*|,?\s+(?:at\s+)?)(?P<t2>(?:[01]?\d|2[0-3])\.[0-5]\d)(?:h\b|\b)"
        r"|\s+(?P<r1>(?:[01]\d|2[0-3])[0-5]\d)\s*[-–]\s*(?P<r2>(?:[01]\d|2[0-3])[0-5]\d)\b)"
    ).replace("{TIME}", p["TIME"])
    p["REL"] = (
        r"(?:this\s+past|this\s+coming|the\s+coming|the\s+past|the\s+previous|the\s+following|"
        r"the\s+next|the\s+last|the\s+current|the\s+same|last|next|this|past|coming|previous|"
        r"following|current|that)"
    )
    p["REFS"] = _alt(lx["refs"])
    p["SETS"] = _alt(lx["sets"])
    p["CUE_OUT"] = _alt(lx["cues_outside"])
    p["CUE_IN"] = _alt(lx["cues_inside"])
    p["POS"] = r"(?:(?:early|late|mid|earlier|later)(?:\s+|-)|mid(?=\d)|the\s+(?:beginning|start|middle|end|close)\s+of\s+)"
    return p


def _rules() -> list[tuple[str, str]]:
    """(name, pattern) in priority order; `{X}` placeholders refer to `_parts`."""
    rules = [
        # "the week of March 6": that date's ISO week
        ("week_of", r"the\s+week\s+of\s+(?P<rest>(?:{MON})\s*{DAY}(?:,?\s*{YEAR})?"
                    r"|{DAY}\s*(?:of\s+)?(?:{MON})(?:,?\s*{YEAR})?)"),
        # date + time and numeric dates
        ("iso", r"(?P<y>\d{4})-(?P<mo>[01]\d)-(?P<d>[0-3]\d)(?:[T\s]+(?P<tm>[0-2]\d:[0-5]\d)(?::\d\d)?)?\b"),
        ("ymd", r"(?P<y>\d{4})[/.](?P<mo>[0-3]?\d)[/.](?P<d>[0-3]?\d)\b"),
        ("wd_num", r"(?:on\s+)?(?P<wd>{WD}),?\s+(?P<a>[0-3]?\d)(?P<s>[./])(?P<b>[0-3]?\d)\b(?:[./](?P<y>\d{4}|\d\d)\b)?"
                   r"{TSUF}?"),
        # "05.-10.11.17", "15-17.01.2018", "4-6.6.": a range of days in one month
        ("drange", r"(?:(?P<a0>[0-3]?\d)\.)?(?P<a>[0-3]?\d)\.?\s*[-–]\s*(?P<b>[0-3]?\d)\.(?P<mo>[01]?\d)(?:\.(?P<y>\s?\d{4}|\d\d)\b|\.)"),
        ("num", r"(?P<a>[0-3]?\d)(?P<s>[./-])(?P<b>[0-3]?\d)[./-](?P<y>\d{4}|\d\d)\b{TSUF}?"),
        # "2 jul 93": a two-digit year ending a scheduling fragment
        ("dm_yy", r"(?P<d>{DAY})\.?\s*(?P<mon>{MON})\s+(?P<y>\d\d)$"),
        # month-day and day-month, optionally with weekday, year, time, day range
        ("md", r"(?:(?P<wd>{WD}),?\s+(?:the\s+)?)?(?P<mon>{MON})(?:\s*|/)(?P<d>{DAY})"
               r"(?:\s*(?:-|–|to|through|until|and)\s*(?P<d2>{DAY}))?"
               r"(?:,?\s*(?P<y>{YEAR}))?{TSUF}?"),
        ("dm", r"(?:(?P<wd>{WD}),?\s+(?:the\s+)?)?(?:the\s+)?(?P<d>{DAY})\.?"
               r"(?:\s*(?:-|–|to|and)\s*(?P<d2>{DAY})\.?)?[\s/-]*(?:of\s+)?(?P<mon>{MON})"
               r"(?:[\s/,-]*(?P<y>\d{4})\b)?{TSUF}?"),
        ("compact", r"(?P<d>[0-3]?\d)(?P<mon>{MONC})(?:(?P<y>\d{4}|\d\d)\b|\b)"),
        # weekday and day of month: "Tuesday the 8th", "Friday 14"
        ("wdday", r"(?P<wd>{WD}),?\s+(?:(?P<t0>{TIME})|(?P<the>the\s+)?(?P<d>[0-3]?\d)(?P<sfx>st|nd|rd|th)?\b)"),
        ("wd_week", r"(?P<wd>{WDF})\s+(?P<rel>next|last|this)\s+week\b"),
        ("trange", r"(?P<h1>[01]?\d|2[0-3])(?:[:.](?P<m1>[0-5]\d))?\s*(?:-|–|to|until|till|til)\s*"
                   r"(?P<h2>[01]?\d|2[0-3])(?:[:.](?P<m2>[0-5]\d))?\s*(?P<ap>[ap])\.?\s?m\b\.?"),
        ("clockw", r"(?:(?P<q>quarter|half|five|ten|twenty|twenty[\s-]five)|(?P<qm>\d{1,2})\s+minutes)\s+"
                   r"(?P<rel>past|to|after)\s+(?P<h>{HOURW}|1[0-2]|[1-9])\b(?:\s*(?P<ap>[ap])\.?\s?m\b\.?)?"),
        # a clock hour with its part of day or "o'clock": "4 in the morning", "ten o'clock"
        ("clock_pod", r"(?P<h>{HOURW}|1[0-2]|[1-9])(?:\s+o'clock)?\s+(?:in\s+the\s+(?P<pod>morning|afternoon|evening)"
                      r"|(?P<night>at\s+night))\b|(?P<h2>{HOURW}|1[0-2]|[1-9])\s+o'clock\b"),
        ("my", r"(?P<mon>{MON}),?\s*(?:of\s+)?(?P<y>{YEAR})"),
        # times, optionally followed by a day
        # idioms with a time word that tell no time ("high noon"): matched to be dropped
        ("idiom", r"high\s+noon\b"),
        ("time", r"(?P<t>{TIME})(?:,?\s+(?:on\s+)?(?P<rest>(?:{WDF})(?:,?\s+(?:{MON})\s*{DAY}(?:,?\s*{YEAR})?"
                 r"|,?\s+(?:{DAY})\s*(?:{MON})(?:,?\s*{YEAR})?)?|(?:{MON})\s*{DAY}(?:,?\s*{YEAR})?"
                 r"|today|yesterday|tomorrow|tonight))?"),
        # parts of the year
        ("quarter_y", r"(?:the\s+)?(?:(?P<ord>{ORD})[\s-]+(?:fiscal\s+)?quarter\s+(?:of\s+)?(?:fiscal\s+)?"
                      r"(?P<y>{YEAR})|(?P<y2>{YEAR})\s+(?P<ord2>{ORD})[\s-]+quarter|q(?P<q>[1-4])"
                      r"(?:\s*(?:of\s+)?|\s*[-/']\s*)(?P<y3>{YEAR}|\d\d\b)|(?P<y4>{YEAR})\s*[-/]?\s*q(?P<q2>[1-4])\b)"),
        # a determiner or an ordinal before it ("the quarter", "third-quarter"), not "quarter"
        ("quarter", r"(?:(?P<det>the|this|last|next|its|that)\s+(?:(?P<rel>this|last|next)\s+year's\s+)?"
                    r"(?:fiscal\s+)?(?:(?P<ord>{QORD})[\s-]*)?"
                    r"|(?:(?P<rel2>this|last|next)\s+year's\s+)?(?:fiscal\s+)?(?P<ord2>{QORD})[\s-]*)"
                    r"(?:fiscal\s+)?quarter\b"),
        ("half_y", r"(?:the\s+)?(?P<ord>first|second|1st|2nd)\s+half\s+(?:of\s+)?(?P<y>{YEAR})"
                   r"|h(?P<h>[12])\s*(?P<y2>{YEAR})"),
        ("half", r"the\s+(?P<ord>first|second)\s+half\s+of\s+(?:the|this|(?P<rel>last|next))\s+year"),
        ("fiscal", r"(?:the\s+)?(?:fiscal(?:\s+year)?\s+(?P<y>{YEAR})|fy\s?(?P<y2>\d{4}|\d\d)\b)"),
        ("season_y", r"(?P<s>{SEASON})(?:\s+of)?\s+(?P<y>{YEAR})"),
        ("season_rel", r"(?P<rel>this\s+past|this\s+coming|last|next|this|the\s+past|the\s+coming)"
                       r"\s+(?P<s>{SEASON})\b"),
        ("decade", r"(?:the\s+)?(?:(?P<pos>early|mid|late)[\s-]+)?(?P<y>1\d\d|20\d)0'?s\b"
                   r"|the\s+(?:(?P<pos2>early|mid|late)[\s-]+)?'(?P<yy>\d)0s\b"
                   r"|the\s+(?:(?P<pos3>early|mid|late)[\s-]+)?(?P<dw>twenties|thirties|forties|fifties|"
                   r"sixties|seventies|eighties|nineties)\b"),
        ("century", r"(?:the\s+)?(?P<c>\d{1,2})(?:st|nd|rd|th)[\s-]+century\b|(?P<rel>this|last|the\s+last|"
                    r"the\s+next|next|the\s+past)\s+century\b"),
        ("year_words", r"(?:the\s+year\s+)?(?:nineteen[\s-]+(?P<t>twenty|thirty|forty|fifty|sixty|seventy|"
                       r"eighty|ninety)(?:[\s-]+(?P<u>one|two|three|four|five|six|seven|eight|nine))?"
                       r"|two\s+thousand(?:\s+and)?(?:[\s-]+(?P<u2>one|two|three|four|five|six|seven|eight|nine|ten))?)\b"
                       # "two thousand years": a number of units (read as `dur`)
                       r"(?P<tail>[\s-]+(?:{UNIT})s?\b)?"),
        # deictic days and times of day
        ("deictic", r"(?P<w>yesterday|today|tomorrow|tonight|overnight|last\s+night|this\s+(?:morning|afternoon|evening)"
                    r"|(?:yesterday|tomorrow)\s+(?:morning|afternoon|evening|night))\b"),
        ("day_rel", r"(?P<w>the\s+(?:previous|next|following)\s+day|the\s+day\s+before|the\s+day\s+after)\b"),
        # counted offsets: "two days ago", "a year earlier"
        ("ago", r"(?P<num>{NUMW}|a|an|a\s+few|several|some|many)\s+(?P<unit>{UNIT})s?"
                r"(?:\s+or\s+so)?\s+(?P<dir>ago|earlier|later|before|after|from\s+now|hence|previously|prior|back)\b"),
        ("ago_adj", r"(?P<rel>year|month|week|quarter)-(?P<dir>ago|earlier)\b"),
        # this/last/next + unit, weekday, month
        ("rel_unit", r"(?:(?P<pos>earlier|later)\s+)?(?P<rel>{REL})\s+(?P<unit>week|month|year|quarter|weekend|"
                     r"decade|fiscal\s+year)\b"),
        ("rel_wd", r"(?P<rel>this\s+coming|this\s+past|the\s+previous|the\s+following|last|next|this|coming|past)\s+(?P<wd>{WDF})"
                   r"(?:\s+(?P<pod>{POD}))?\b{TSUF}?"),
        ("rel_mon", r"(?P<rel>last|next|this|this\s+past|this\s+coming)\s+(?P<mon>{MONF})\b"),
        ("mon_rel", r"(?P<mon>{MONF})\s+(?P<rel>last|next|this)\s+year\b"),
        ("the_weekend", r"the\s+weekend\b"),
        # financial periods: the year-ago quarter of the article's quarter, the latest period
        ("period", r"(?:the\s+)?(?:comparable\s+)?(?P<w>year-ago|year-earlier|latest|\d{4})\s+(?:period|quarter)\b"),
        ("quarter_ya", r"(?:the\s+)?(?:year-ago|year-earlier)\s+(?P<ord>{ORD})[\s-]+(?:fiscal\s+)?quarter\b"),
        ("the_year", r"the\s+(?P<adj>full\s+|fiscal\s+|latest\s+fiscal\s+)?year\b(?P<end>\s+end(?:ed|ing)\b)?"),
        # the last day of the year or month: "year-end", "month-end", "end of the month", "eoy"
        ("year_end", r"(?:(?P<u>year|month)(?:-end|\s+end|'s\s+end)|(?P<ab>eo[ym])"
                     r"|(?P<the>the\s+)?end\s+of\s+(?:the\s+)?(?P<u2>month|year))\b"),
        ("season_alone", r"(?P<the>the\s+)?(?P<s>summer|winter|autumn)\b"),
        # durations
        ("dur", r"(?:(?P<lim>(?:the\s+)?(?:past|last|next|first|coming|previous|following|final|remaining"
                r"|initial|another|an\s+additional|additional|over\s+the\s+past|over\s+the\s+last))\s+)?"
                r"(?P<num>half\s+an?|half|{NUMW}|{VAGUE}|a|an)(?:\s+(?:more|additional|full|straight|consecutive))?"
                r"[\s-]+(?P<unit>{UNIT})s?\b(?P<half>\s+and\s+a\s+half)?(?P<old>[\s-]old\b)?"),
        ("dur_bare", r"(?P<unit>years|months|weeks|decades|centuries|hours|minutes)\b"),
        # SET expressions
        ("set_every", r"(?:every|each)\s+(?:(?P<other>other)\s+)?(?:(?P<num>{NUMW})\s+)?"
                      r"(?:(?P<unit>{UNIT})s?|(?P<wd>{WDF})|(?P<mon>{MONF})|(?P<s>{SEASON}))\b"),
        ("set_rate", r"(?:(?P<k>once|twice|(?:{NUMW})\s+times)\s+)?(?:a|an|per)\s+(?P<unit>day|week|month|year|"
                     r"hour|minute)\b"),
        ("set_adv", r"(?P<w>{SETS})\b"),
        ("set_wds", r"(?P<wd>{WDF})s\b(?:\s+(?P<pod>{POD})s?\b)?|(?P<wd2>{WDF})\s+(?P<pod2>{POD})s\b"),
        # references
        ("ref", r"(?P<w>{REFS})\b"),
        # weekday, month, year alone
        ("wd", r"(?P<wd>{WDF})(?:\s+(?P<pod>{POD}))?\b"),
        ("wd_abbr", r"(?P<wd>{WDA})\b\.?"),
        ("mon", r"(?P<mon>{MONF})\b"),
        ("mon_abbr", r"(?P<mon>{MONA})\b\.?"),
        # day and month in digits without a year: "31.01.", "8.5.", "13.01", "5/8" (late in the
        # list: decimals and fractions are tried as durations and clock times first)
        ("holiday", r"(?:(?P<rel>last|next|this)\s+)?(?P<h>{HOLIDAY})(?:\s+(?P<wk>week))?\b"),
        ("dom", r"the\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)\b"),
        ("dm_num", r"(?P<a>[0-3]?\d)(?P<s>\.\s?|/)(?P<b>[0-3]?\d)\b(?P<dot>\.)?"),
        ("drange_open", r"(?P<a>[0-3]?\d)\s*[-–]\s*(?P<b>[0-3]?\d)\.(?P<mo>[01]?\d)\b"),
        ("dm_dash", r"(?P<a>[0-3]?\d)-(?P<b>[01]?\d)\b"),
        ("between", r"between\s+(?P<t1>{TIME}|(?:[01]?\d|2[0-3])(?:[.:][0-5]\d)?)\s+and\s+"
                    r"(?P<t2>{TIME}|(?:[01]?\d|2[0-3])(?:[.:][0-5]\d)?)\b"),
        # scheduling fragments only: a day of the month as "2." or "the 13.", a part of day alone
        ("dom_dot", r"(?:the\s+)?(?P<d>[0-3]?\d)(?:\.|(?P<sfx>st|nd|rd|th)?\b)"),
        # a clock hour in a fragment: "8h", "20h"; "8" only after a cue ("at 8", "after 9")
        ("hour", r"(?P<h>[01]?\d|2[0-3])(?P<hh>\s?h)?\b"),
        ("pod_alone", r"(?:(?P<this>this)\s+)?(?P<pod>{PODS})\b"),
        ("year", r"(?P<y>{YEAR})"),
    ]
    return rules


def _fill(pat: str, parts: dict[str, str]) -> str:
    """Replace `{NAME}` placeholders (upper-case names only; regex counts stay), with `\\s` as
    the ASCII spaces and the no-break space (see `_ws`)."""
    return _ws(re.sub(r"\{([A-Z_]+)\}", lambda m: parts[m.group(1)], pat))


# Whitespace the patterns accept. Unicode `\s` (two dozen code points, most of them multi-byte)
# makes the union's lazy DFA several times larger, and slower, for spaces news text rarely has.
_WS = "\t\n\x0b\x0c\r \xa0"


def _ws(pat: str) -> str:
    """`\\s` spelled as `_WS`: inside a character class its members, outside it a class."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pat):
        c = pat[i]
        if c == "\\":
            esc = pat[i:i + 2]
            out.append((_WS if in_class else f"[{_WS}]") if esc == r"\s" else esc)
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
        elif c == "]" and in_class and out[-1] != "[":
            in_class = False
        out.append(c)
        i += 1
    return "".join(out)


@cache
def compiled() -> list[tuple[str, re.Pattern[str]]]:
    """The rules, with placeholders filled, each with an optional cue/position prefix."""
    parts = _parts()
    out = []
    for name, pat in _rules():
        body = _fill(pat, parts)
        out.append((name, re.compile(rf"(?:{body})", re.IGNORECASE)))
    return out


@cache
def _first_rule() -> re.Pattern[str]:
    """All rules in one alternation: which rule is the first that can match a whole string
    (group `_r<i>`), so `interpret_core` skips the rules before it in one C-level pass."""
    bodies = (re.sub(r"\(\?P<\w+>", "(?:", rx.pattern) for _, rx in compiled())
    return re.compile(
        "|".join(f"(?P<_r{i}>{b})" for i, b in enumerate(bodies)), re.IGNORECASE
    )


@cache
def _first_rule_ascii() -> re.Pattern[str]:
    """`_first_rule` for a string in lower case, without IGNORECASE: the same rule for it (the
    rules' letters are ASCII and their escapes \\b and \\d; see `_FOLD_ODD`), found several
    times faster (Python's engine skips a case-sensitive alternative on its first letter)."""
    bodies = (re.sub(r"\(\?P<\w+>", "(?:", rx.pattern).lower() for _, rx in compiled())
    return re.compile("|".join(f"(?P<_r{i}>{b})" for i, b in enumerate(bodies)))


# The rules are scanned in two passes of about half of them each: one lazy DFA for all of them
# outgrows its cache on news text and runs several times slower than two smaller ones.
_SPLIT = 27
_FIRST_PASS = {"quarter_ya", "period", "rel_wd"}


# Rules for scheduling fragments only ("tue", "apr.", "2.", "morning"): not scanned in other
# text, where they would only find words to throw away and cut the context of later mentions.
FRAGMENT_RULES = {"wd_abbr", "mon_abbr", "dom_dot", "pod_alone", "dm_yy", "dm_dash", "drange_open",
                  "hour", "between"}


@cache
def scan_patterns(fragments: bool = False) -> tuple[str, str]:
    """Two polars (Rust regex) patterns that together find what one union of all rules would:
    the first `_SPLIT` rules, then the rest over the text between their matches (see
    `dates._spans`); the second steps over any span the first one marked with NUL characters
    as a whole. A rule that starts earlier than a first-pass rule could match inside it goes in
    the first pass (`_FIRST_PASS`). The rules for fragments only are left out unless
    `fragments`."""
    rules = [r for r in _rules() if fragments or r[0] not in FRAGMENT_RULES]
    # rules that begin earlier than a first-pass rule matching inside them scan in the first
    first = [r for i, r in enumerate(rules) if i < _SPLIT or r[0] in _FIRST_PASS]
    second = _union([r for r in rules if r not in first])
    return _union(first), r"(?i)\x00[^\x00]*\x00|" + second[len("(?i)"):]


def _union(rules: list[tuple[str, str]]) -> str:
    """One alternation of the rules, names stripped, ASCII word boundaries (a fast DFA)."""
    p = _parts()
    body = "|".join(_fill(pat, p) for _, pat in rules)
    return re.sub(r"\(\?P<\w+>", "(?:", _rust(rf"(?i)\b(?:{body})"))


@cache
def prefix_pattern() -> str:
    """Cue words ending the left context: `co` outside the span, `inner` (kept) inside it."""
    p = _parts()
    pos = r"(?:(?:early|late|mid|earlier|later)(?:\s+|-)|the\s+(?:beginning|start|middle|end|close)\s+of\s+)"
    return _rust(_ws(
        rf"(?i)(?:\b(?P<co>{p['CUE_OUT']})\s+)?(?P<inner>(?:\b(?:{p['CUE_IN']})\s+)?(?:\b{pos})?)$"
    ))


@cache
def prefix_filter() -> str:
    """Whether a left context ends in a cue `prefix_pattern` takes (a non-empty match of it):
    the rows without one skip the capturing pass."""
    p = _parts()
    pos = r"(?:(?:early|late|mid|earlier|later)(?:\s+|-)|the\s+(?:beginning|start|middle|end|close)\s+of\s+)"
    co, ci = rf"\b(?:{p['CUE_OUT']})\s+", rf"\b(?:{p['CUE_IN']})\s+"
    return _rust(_ws(rf"(?i)(?:{co}(?:{ci})?(?:\b{pos})?|{ci}(?:\b{pos})?|\b{pos})$"))


def _rust(pat: str) -> str:
    """Python rule syntax to Rust regex: ASCII \\b, [0-9] for \\d; named groups kept once."""
    return pat.replace(r"\b", r"(?-u:\b)").replace(r"\d", "[0-9]")


@cache
def holiday_date(name: str, year: int) -> date | None:
    """The date of a holiday from `holidays` in the seeds in a given year (cached)."""
    h = lexicon()["holidays"].get(name)
    if h is None:
        return None
    if "easter" in h:  # anonymous Gregorian computus
        a, b, c = year % 19, year // 100, year % 100
        d, e = divmod(b, 4)
        f = (b + 8) // 25
        g = (b - f + 1) // 3
        hh = (19 * a + b - d - g + 15) % 30
        i, k = divmod(c, 4)
        ll = (32 + 2 * e + 2 * i - hh - k) % 7
        m = (a + 11 * hh + 22 * ll) // 451
        month, day = divmod(hh + ll - 7 * m + 114, 31)
        return date.fromordinal(date(year, month, day + 1).toordinal() + int(h["easter"]))
    mo = int(h["month"])
    if "day" in h:
        return date(year, mo, int(h["day"]))
    wd, nth = int(h["weekday"]), int(h["nth"])
    if nth > 0:
        first = date(year, mo, 1)
        day = 1 + (wd - first.isoweekday()) % 7 + 7 * (nth - 1)
    else:
        last = calendar.monthrange(year, mo)[1]
        day = last - (date(year, mo, last).isoweekday() - wd) % 7
    return date.fromordinal(date(year, mo, day).toordinal() + int(h.get("after", 0)))


# ----------------------------------------------------------------------------- interpretation

_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
_HALF_NUM = re.compile(r"(\d+)\s+1/2")
_NUM_SPLIT = re.compile(r"[\s-]+")
_CLOCK = re.compile(r"(\d{1,2})(?:[:.h](\d\d))?\s*(?:h\b)?\s*([ap])?")


def _squash(s: str) -> str:
    """Runs of whitespace as one space."""
    return _SPACES.sub(" ", s)

def _num(s: str | None) -> float | None:
    """A number written in digits or words; None when vague ("a few", "several")."""
    if s is None:
        return None
    t = _squash(s.lower().strip())
    nums = lexicon()["numbers"]
    if t in nums:
        return float(nums[t])
    if t == "1/2":
        return 0.5
    m = _HALF_NUM.fullmatch(t)
    if m:
        return int(m.group(1)) + 0.5
    try:
        return float(t.replace(",", ""))
    except ValueError:
        pass
    total = 0.0
    for w in _NUM_SPLIT.split(t):
        if w not in nums:
            return None
        v = float(nums[w])
        total = total * v if v in (100.0, 1000.0) and total else total + v
    return total


def _mon(s: str) -> int:
    return int(lexicon()["months"][s.lower().rstrip(".")])


def _wd(s: str) -> int:
    return int(lexicon()["weekdays"][s.lower().rstrip(".")])


def _time(s: str) -> str | None:
    """'3:30 p.m. EST' -> 'T15:30'; None when it is not a valid time."""
    t = s.lower()
    if t.startswith("noon") or t.startswith("midday"):
        return "T12:00"
    if t.startswith("midnight"):
        return "T24:00"
    m = _CLOCK.match(t)
    if not m:
        return None
    hh, mi = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3) == "p" and hh < 12:
        hh += 12
    elif m.group(3) == "a" and hh == 12:
        hh = 0
    if hh > 24 or mi > 59:
        return None
    return f"T{hh:02d}:{mi:02d}"


def _tsuf(g: dict[str, Any]) -> tuple[str, str] | None:
    """The clock time after a date ('T15:30') and, for '1900-2110', the range's end time."""
    if g.get("r1"):
        a, b = _time(g["r1"][:-2] + ":" + g["r1"][-2:]), _time(g["r2"][:-2] + ":" + g["r2"][-2:])
        return (a, b) if a and b else None
    if g.get("t") or g.get("t2"):
        t = _time(g.get("t") or g["t2"])
        return (t, "") if t else None
    return "", ""


_MDAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # as `calendar.mdays`


def _valid(y: int, mo: int, d: int) -> bool:
    """A real date (a year of 0: any year, so 29 February is one)."""
    if not 1 <= mo <= 12:
        return False
    return 1 <= d <= _MDAYS[mo] + (mo == 2 and calendar.isleap(y if y else 2000))


def _year4(y: str) -> int:
    v = int(y)
    if len(y) == 2:
        v += 2000 if v < 50 else 1900
    return v


_BASE: Spec = {**dict.fromkeys(SPEC_SCHEMA), "ok": True, "ext": 0, "cut": 0, "typ": "DATE",
               "mode": "fixed"}


def _base(**kw: Any) -> Spec:
    return {**_BASE, **kw}


def _fixed_date(y: int, mo: int, d: int | None, tsuf: str = "", tend: str = "") -> Spec:
    if d is None:
        last = calendar.monthrange(y, mo)[1]
        return _base(val=f"{y:04d}-{mo:02d}", sd=date(y, mo, 1), ed=date(y, mo, last))
    day = date(y, mo, d)
    val = f"{day.isoformat()}{tsuf}"
    end = day
    if tend:  # "1900-2110"; an end before the start is on the next day
        end = date.fromordinal(day.toordinal() + (1 if tend < tsuf else 0))
        val += f"/{end.isoformat()}{tend}"
    return _base(val=val, sd=day, ed=end, typ="TIME" if tsuf else "DATE")


def _yearless(mo: int, d: int | None, tsuf: str = "", dirn: int = 0, tend: str = "") -> Spec:
    u = f"XXXX-{mo:02d}" + (f"-{d:02d}{tsuf}" if d else "")
    if tend:
        u += f"/XXXX-{mo:02d}-{d:02d}{tend}"
    return _base(mode="yearless", mo=mo, d=d, tsuf=tsuf or None, dirn=dirn, uval=u,
                 typ="TIME" if tsuf else "DATE", ctx="md" if d else None, code=tend or None)


def _offset(unit: str, n: int, tsuf: str = "", typ: str = "DATE") -> Spec:
    return _base(mode="offset", unit=unit, n=n, tsuf=tsuf or None, typ=typ)


def _year_span(y: int) -> Spec:
    return _base(val=f"{y:04d}", sd=date(y, 1, 1), ed=date(y, 12, 31))


_POD = {"morning": "TMO", "afternoon": "TAF", "evening": "TEV", "night": "TNI", "overnight": "TNI"}
_REL_N = {"last": -1, "past": -1, "previous": -1, "this past": -1, "the past": -1,
          "the previous": -1, "the last": -1, "next": 1, "coming": 1, "this coming": 1,
          "the coming": 1, "the next": 1, "the following": 1, "following": 1, "this": 0,
          "current": 0, "the current": 0, "the same": 0, "that": 0}
_UNIT_CODE = {"second": "S", "minute": "M", "min": "M", "hour": "H", "hr": "H", "day": "D",
              "night": "D", "week": "W", "weekend": "WE", "fortnight": "W", "month": "M",
              "quarter": "Q", "year": "Y", "yr": "Y", "decade": "DE", "century": "CE",
              "millennium": "ML"}


def _dur_value(n: float | None, unit: str) -> str:
    """TimeML duration value: P3Y, PT24H, PXD, P2Y6M ..."""
    u = unit.lower().rstrip("s") if unit.lower() not in ("centuries",) else "century"
    u = {"centurie": "century", "hr": "hour", "yr": "year", "min": "minute"}.get(u, u)
    timey = u in ("second", "minute", "hour")
    factor = {"fortnight": 2}.get(u, 1)
    code = {"quarter": "Q", "fortnight": "W", "night": "D", "decade": "DE", "century": "CE",
            "millennium": "ML"}.get(u, _UNIT_CODE.get(u, "D"))
    if u == "weekend":
        code = "WE"
    pre = "PT" if timey else "P"
    if n is None:
        return f"{pre}X{code}"
    n = n * factor
    if code in ("DE", "CE") and n == int(n):
        return f"P{int(n) * (10 if code == 'DE' else 100)}Y"
    if n != int(n):
        whole = int(n)
        sub = {"Y": (12, "M"), "D": (24, "H"), "H": (60, "M"), "M": (30, "D") if not timey else (60, "S"),
               "W": (7, "D")}.get(code)
        if sub:
            rest = round((n - whole) * sub[0])
            if whole == 0:  # "half an hour": PT30M
                return f"{'PT' if timey or sub[1] == 'H' else 'P'}{rest}{sub[1]}"
            if timey or sub[1] == "H":
                head = f"P{whole}{code}T" if not timey else f"PT{whole}{code}"
                return f"{head}{rest}{sub[1]}"
            return f"P{whole}{code}{rest}{sub[1]}"
    return f"{pre}{int(n)}{code}"


def _unit_name(u: str) -> str:
    u = u.lower().rstrip("s")
    return {"yr": "year", "hr": "hour", "min": "minute", "centurie": "century"}.get(u, u)


def _interp_rule(name: str, m: re.Match[str], s: str, has_cue: bool) -> Spec | None:
    g = m.groupdict()
    low = s.lower()
    if name == "week_of":
        inner = interpret_core(g["rest"])
        if inner is None or inner["typ"] != "DATE" or inner["d2"] is not None:
            return None
        if inner["mode"] == "fixed" and inner["sd"] is not None and len(inner["val"]) == 10:
            day = inner["sd"]
            iy, iw, iwd = day.isocalendar()
            monday = date.fromordinal(day.toordinal() - iwd + 1)
            return _base(val=f"{iy}-W{iw:02d}", sd=monday,
                         ed=date.fromordinal(monday.toordinal() + 6))
        if inner["mode"] == "yearless" and inner["d"]:
            return {**inner, "unit": "week", "uval": "XXXX-WXX", "ctx": None}
        return None
    if name == "iso":
        y, mo, d = int(g["y"]), int(g["mo"]), int(g["d"])
        if not _valid(y, mo, d):
            return None
        return _fixed_date(y, mo, d, "T" + g["tm"] if g["tm"] else "")
    if name == "ymd":
        y, mo, d = int(g["y"]), int(g["mo"]), int(g["d"])
        if mo > 12 >= d:  # "2022/30/11": year/day/month
            mo, d = d, mo
        return _fixed_date(y, mo, d) if _valid(y, mo, d) else None
    if name in ("num", "wd_num"):
        a, b = int(g["a"]), int(g["b"])
        if name == "num" and g.get("s") == "-" and len(g["y"]) != 4:
            c = int(g["y"])
            dmy = (_year4(g["y"]), b, a) if _valid(_year4(g["y"]), b, a) else None
            ymd = (_year4(g["a"]), b, c) if _valid(_year4(g["a"]), b, c) else None
            if dmy is None and ymd is None:
                return None
            one, two = dmy or ymd, ymd or dmy
            assert one is not None and two is not None
            spec = _base(mode="pick", val=date(*one).isoformat(), code=date(*two).isoformat(),
                         uval=date(*one).isoformat(), ctx="looser")
            return spec
        # day first unless impossible (news outside the US and ctparse-style input), or a US
        # slash date whose second number cannot be a month.
        if g.get("s") == "/" and b > 12 >= a:
            mo, d = a, b
        elif a > 12 >= b or g.get("s") in (".", "-"):
            d, mo = a, b
        else:
            mo, d = a, b
        ts = _tsuf(g)
        if ts is None:
            return None
        tsuf, tend = ts
        if g.get("y"):
            y = _year4(g["y"])
            return _fixed_date(y, mo, d, tsuf, tend) if _valid(y, mo, d) else None
        return _yearless(mo, d, tsuf, tend=tend) if _valid(0, mo, d) else None
    if name in ("md", "dm"):
        mon = g["mon"]
        mo = _mon(mon)
        d = int(_DIGITS.match(g["d"]).group())  # type: ignore[union-attr]
        d2 = int(_DIGITS.match(g["d2"]).group()) if g.get("d2") else None  # type: ignore[union-attr]
        yraw = g.get("y")
        ts = _tsuf(g) or ("", "")
        tsuf, tend = ts
        # "2 Jan 1430", "12 Nov 2255": a 24-hour time, not a year centuries away
        if yraw and name == "dm" and not 1800 <= int(yraw) <= 2100 and _time(yraw[:2] + ":" + yraw[2:]):
            tsuf, tend = _time(yraw[:2] + ":" + yraw[2:]) or "", ""
            yraw = None
        # "may 8": lower case, only where the day ends the phrase (see `dates._day_ends`)
        low_month = mon.lower().rstrip(".") in lexicon()["ambiguous_months"] \
            and not mon[0].isupper() and not yraw and not g.get("wd")
        if g.get("wd") and g["wd"].lower().rstrip(".") not in lexicon()["weekdays"]:
            return None
        if not _valid(int(yraw) if yraw else 0, mo, d):
            return None
        if d2 is not None:
            if not (d < d2 and _valid(int(yraw) if yraw else 0, mo, d2)) or low_month:
                return None
            if yraw:
                y = int(yraw)
                return _base(val=f"{y}-{mo:02d}-{d:02d}/{y}-{mo:02d}-{d2:02d}",
                             sd=date(y, mo, d), ed=date(y, mo, d2))
            return _base(mode="yearless", mo=mo, d=d, d2=d2,
                         uval=f"XXXX-{mo:02d}-{d:02d}/XXXX-{mo:02d}-{d2:02d}")
        if yraw:
            return _fixed_date(int(yraw), mo, d, tsuf, tend)
        spec = _yearless(mo, d, tsuf, tend=tend)
        if low_month:
            spec["ctx"] = "looser" if name == "dm" or tsuf else "dom"
        return spec
    if name == "dm_yy":  # "2 jul 93": a two-digit year, in a fragment only
        mo, d, y = _mon(g["mon"]), int(_DIGITS.match(g["d"]).group()), _year4(g["y"])  # type: ignore[union-attr]
        return _fixed_date(y, mo, d) if _valid(y, mo, d) else None
    if name == "compact":
        mo = _mon(g["mon"])
        d = int(g["d"])
        if g.get("y"):
            y = _year4(g["y"])
            return _fixed_date(y, mo, d) if _valid(y, mo, d) else None
        return _yearless(mo, d) if _valid(0, mo, d) else None
    if name == "drange":
        a, b, mo = int(g["a"]), int(g["b"]), int(g["mo"])
        if g.get("a0"):  # "5.8. - 16.8.": day.month on both sides, one month only
            if a != mo:
                return None
            a = int(g["a0"])
        if not (a < b and _valid(0, mo, a) and _valid(0, mo, b)):
            return None
        spec = _base(mode="yearless", mo=mo, d=a, d2=b, ctx="number",
                     uval=f"XXXX-{mo:02d}-{a:02d}/XXXX-{mo:02d}-{b:02d}")
        if g.get("y"):
            y = _year4(g["y"].strip())
            if not _valid(y, mo, b):
                return None
            spec = _base(val=f"{y}-{mo:02d}-{a:02d}/{y}-{mo:02d}-{b:02d}",
                         sd=date(y, mo, a), ed=date(y, mo, b), ctx="number")
        return spec
    if name == "hour":
        if not (g.get("hh") or has_cue):
            return None
        clock = f"T{int(g['h']):02d}:00"
        return _base(mode="time", tsuf=clock, typ="TIME", uval=f"XXXX-XX-XX{clock}")
    if name == "between":  # "between 9.30 and 10.45", "between 11am and 1pm"
        t1, t2 = _time(g["t1"]), _time(g["t2"])
        if not (t1 and t2) or t2 <= t1:
            return None
        return _base(mode="time", tsuf=t1, code=t2, typ="TIME", uval=f"XXXX-XX-XX{t1}/XXXX-XX-XX{t2}")
    if name == "dm_dash":  # "28-05": day-month, in a fragment only
        d, mo = int(g["a"]), int(g["b"])
        return _yearless(mo, d) if _valid(0, mo, d) else None
    if name == "drange_open":  # "02-05.4": days of one month, in a fragment only
        a, b, mo = int(g["a"]), int(g["b"]), int(g["mo"])
        if not (a < b and _valid(0, mo, a) and _valid(0, mo, b)):
            return None
        return _base(mode="yearless", mo=mo, d=a, d2=b,
                     uval=f"XXXX-{mo:02d}-{a:02d}/XXXX-{mo:02d}-{b:02d}")
    if name == "dm_num":
        a, b = int(g["a"]), int(g["b"])
        slash = g["s"] == "/"
        mo, d = (a, b) if slash and a <= 12 else (b, a)  # US month/day with a slash
        if not _valid(0, mo, d) or (slash and g.get("dot")):
            return None
        spec = _yearless(mo, d)
        # "31.01." and "5/8" need a date cue or a fragment; "13.01" (a decimal) only a fragment
        spec["ctx"] = "loose" if g.get("dot") or slash else "looser"
        return spec
    if name == "wdday":
        wdn = _wd(g["wd"])
        if g.get("t0"):
            t0 = _time(g["t0"])
            if t0 is None:
                return None
            return _base(mode="weekday", wd=wdn, dirn=0, tsuf=t0, typ="TIME",
                         uval=f"XXXX-WXX-{wdn}{t0}")
        d = int(g["d"])
        if not 1 <= d <= 31:
            return None
        bare = not (g.get("sfx") or g.get("the"))
        # n: the weekday's length, for falling back to it alone ("Friday 12 people")
        return _base(mode="wdday", wd=wdn, d=d, uval=f"XXXX-XX-{d:02d}",
                     ctx="wdbare" if bare else None, n=m.end("wd"))
    if name == "wd_week":
        wdn = _wd(g["wd"])
        return _base(mode="weekday", wd=wdn, dirn={"next": 3, "last": -3, "this": 4}[g["rel"].lower()],
                     uval=f"XXXX-WXX-{wdn}")
    if name == "trange":
        ap = g["ap"].lower()
        h1, h2 = int(g["h1"]), int(g["h2"])
        t1 = _time(f"{h1}:{g.get('m1') or '00'} {ap}m" if h1 <= h2 or ap == "a" else f"{h1}:{g.get('m1') or '00'} am")
        t2 = _time(f"{h2}:{g.get('m2') or '00'} {ap}m")
        if not (t1 and t2) or h1 > 12 or h2 > 12 or h1 == 0:
            return None
        return _base(mode="time", tsuf=t1, code=t2, typ="TIME", uval=f"XXXX-XX-XX{t1}/XXXX-XX-XX{t2}")
    if name == "clockw":
        hours = lexicon()["clock_hours"]
        hr = int(g["h"]) if g["h"].isdigit() else int(hours[g["h"].lower()])
        q = (g.get("q") or "").lower().replace("-", " ")
        mins = {"quarter": 15, "half": 30, "five": 5, "ten": 10, "twenty": 20}.get(q)
        if mins is None:
            mins = 25 if q.startswith("twenty") else int(g.get("qm") or 0)
        if not 0 < mins < 60 or (q == "half" and g["rel"].lower() == "to"):
            return None
        if g["rel"].lower() == "to":
            hr, mins = hr - 1, 60 - mins
        ap = (g.get("ap") or "").lower()
        if ap == "p" and hr < 12:
            hr += 12
        if hr == 0:
            hr = 12
        clock = f"T{hr:02d}:{mins:02d}"
        return _base(mode="time", tsuf=clock, typ="TIME", uval=f"XXXX-XX-XX{clock}")
    if name == "idiom":
        return None
    if name == "clock_pod":
        raw = (g.get("h") or g["h2"]).lower()
        hr = int(raw) if raw.isdigit() else int(lexicon()["clock_hours"][raw])
        pod = (g.get("pod") or "").lower()
        if (pod in ("afternoon", "evening") or g.get("night")) and hr < 12:
            hr += 12
        if g.get("night") and hr < 18:  # "2 at night": the small hours
            hr -= 12
        clock = f"T{hr:02d}:00" if hr != 12 or pod != "morning" else "T00:00"
        return _base(mode="time", tsuf=clock, typ="TIME", uval=f"XXXX-XX-XX{clock}")
    if name == "holiday":
        hname = _squash(g["h"].lower())
        if hname not in lexicon()["holidays"] or not g["h"][0].isupper():
            return None
        dirn = {"last": -1, "next": 1}.get((g.get("rel") or "").lower(), 0)
        return _base(mode="holiday", code=hname, dirn=dirn, unit="week" if g.get("wk") else None,
                     uval="XXXX-XX-XX")
    if name == "dom_dot":
        d = int(g["d"])
        if not 1 <= d <= 31:
            return None
        dotted = s.endswith(".") or g.get("sfx")
        if not dotted and has_cue:
            return None  # "at 8": a clock hour (rule `hour`)
        return _base(mode="wdday", d=d, uval=f"XXXX-XX-{d:02d}",
                     ctx="domdot" if dotted else "domonly")
    if name == "pod_alone":
        # the day on which that part of the day comes next (today unless it has begun)
        start = int(lexicon()["pod_starts"][g["pod"].lower()])
        return _base(mode="pod", n=start, dirn=2 if g.get("this") else 0, uval="XXXX-XX-XX",
                     ctx="looser")
    if name == "dom":
        d = int(g["d"])
        if not 1 <= d <= 31:
            return None
        return _base(mode="wdday", d=d, uval=f"XXXX-XX-{d:02d}", ctx="dom")
    if name == "my":
        mon = g["mon"]
        if mon.lower() in ("may", "march") and not mon[0].isupper():
            return None
        return _fixed_date(int(g["y"]), _mon(mon), None)
    if name == "time":
        ttime = _time(g["t"])
        if ttime is None:
            return None
        if not re.search(r"[ap]\.?\s?m|:|noon|midnight|midday|h", g["t"], re.I):
            return None
        rest = g.get("rest")
        if rest:
            inner = interpret_core(rest)
            if inner is None or inner["mode"] not in ("fixed", "yearless", "weekday", "offset"):
                return None
            inner = dict(inner)
            if inner["mode"] == "fixed" and inner["val"] and len(inner["val"]) == 10:
                inner["val"] += ttime
            elif inner["mode"] == "yearless" and inner["d"]:
                inner["uval"] = (inner["uval"] or "") + ttime
            elif inner["mode"] == "offset" and inner["unit"] != "day":
                return None
            inner["tsuf"] = ttime
            inner["typ"] = "TIME"
            return inner
        return _base(mode="time", tsuf=ttime, typ="TIME", uval=f"XXXX-XX-XX{ttime}")
    if name == "quarter_y":
        q = g.get("q") or g.get("q2")
        if q is None:
            o = (g.get("ord") or g.get("ord2") or "").lower()
            q = str(lexicon()["ordinals"].get(o, 0))
        y = _year4(g.get("y") or g.get("y2") or g.get("y3") or g.get("y4") or "0")
        qi = int(q)
        if not 1 <= qi <= 4:
            return None
        sd = date(y, 3 * qi - 2, 1)
        ed = date(y, 3 * qi, calendar.monthrange(y, 3 * qi)[1])
        return _base(val=f"{y}-Q{qi}", sd=sd, ed=ed, qn=qi)
    if name == "quarter":
        o = (g.get("ord") or g.get("ord2") or "").lower()
        det = (g.get("det") or "").lower()
        if not o and not det:
            return None
        if o in ("latest", "previous", "past") or (det == "last" and not o):
            return _offset("quarter", -1)
        if o in ("year-ago", "year-earlier"):
            return _base(mode="fin", qy=1, uval="XXXX-QX")
        if det == "next" and not o:
            return _offset("quarter", 1)
        if o in lexicon()["ordinals"] and o != "last":
            n = {"last": -1, "next": 1}.get((g.get("rel") or g.get("rel2") or "").lower(), 0)
            q = int(lexicon()["ordinals"][o])
            return _base(mode="part", code=f"Q{q}", n=n, uval=f"XXXX-Q{q}", smo=3 * q - 2,
                         dirn=-2 if n == 0 else 0, qn=q)
        if o == "current" or det == "this":
            return _offset("quarter", 0)
        return _offset("quarter", -1)  # "the quarter": the latest reported one
    if name == "period":
        w = g["w"].lower()
        if w.isdigit():
            return _base(mode="fin", qy=2, n=int(w), uval=f"{w}-QX")
        return _base(mode="fin", qy=0 if w == "latest" else 1, uval="XXXX-QX")
    if name == "quarter_ya":
        q = int(lexicon()["ordinals"].get(g["ord"].lower(), 0))
        if not 1 <= q <= 4:
            return None
        return _base(mode="fin", qy=1, qn=q, uval=f"XXXX-Q{q}")
    if name == "the_year":
        adj = _squash((g.get("adj") or "").strip().lower())
        if g.get("end"):
            spec = _base(typ="DURATION", val="P1Y")
            spec["cut"] = len(g["end"])
            return spec
        if adj == "latest fiscal":
            return _offset("year", -1)
        if adj or has_cue:
            return _offset("year", 0)
        return None
    if name == "year_end":
        unit = (g.get("u") or g.get("u2") or "").lower() or ("year" if g["ab"].lower() == "eoy" else "month")
        if g.get("ab") and not s.islower():
            return None  # "EOM" and the like are other abbreviations
        if g.get("the") and unit == "year":  # "the end of the year": the year, mod END
            spec = _offset("year", 0)
            spec["mod"] = "END"
            return spec
        return _offset(f"{unit}end", 0)
    if name == "season_alone":
        if not g.get("the") and not has_cue:
            return None
        info = lexicon()["seasons"][g["s"].lower()]
        return _base(mode="part", code=info["code"], n=0, dirn=0, smo=int(info["month"]),
                     uval=f"XXXX-{info['code']}")
    if name in ("half_y", "half"):
        h = g.get("h") or ("1" if (g.get("ord") or "").lower() in ("first", "1st") else "2")
        if name == "half":
            n = {"last": -1, "next": 1}.get((g.get("rel") or "").lower(), 0)
            return _base(mode="part", code=f"H{h}", n=n, uval=f"XXXX-H{h}")
        y = int(g.get("y") or g.get("y2") or 0)
        return _base(val=f"{y}-H{h}", sd=date(y, 6 * int(h) - 5, 1),
                     ed=date(y, 6 * int(h), 30 if h == "1" else 31))
    if name == "fiscal":
        y = _year4(g.get("y") or g.get("y2") or "0")
        return _year_span(y)  # TimeBank values fiscal years as the plain year
    if name in ("season_y", "season_rel"):
        info = lexicon()["seasons"][g["s"].lower()]
        if name == "season_y":
            y = int(g["y"])
            sm = int(info["month"])
            sd = date(y, sm, 1)
            ed = date(y + (1 if sm == 12 else 0), (sm + 2 - 1) % 12 + 1, 28)
            return _base(val=f"{y}-{info['code']}", sd=sd, ed=ed)
        rel = _squash(g["rel"].lower())
        n = _REL_N.get(rel, 0)
        dirn = -1 if n < 0 else (1 if n > 0 else 0)
        return _base(mode="part", code=info["code"], n=0, dirn=dirn, smo=int(info["month"]),
                     uval=f"XXXX-{info['code']}")
    if name == "decade":
        if g.get("y"):
            y3 = g["y"]
        elif g.get("yy"):
            y3 = "19" + g["yy"]
        else:
            words = ["twenties", "thirties", "forties", "fifties", "sixties", "seventies",
                     "eighties", "nineties"]
            y3 = "19" + str(words.index(g["dw"].lower()) + 2)
        if not g.get("y") and not low.startswith("the") and not has_cue:
            return None
        pos = (g.get("pos") or g.get("pos2") or g.get("pos3") or "").lower()
        y0 = int(y3) * 10
        spec = _base(val=y3, sd=date(y0, 1, 1), ed=date(y0 + 9, 12, 31))
        if pos:
            spec["mod"] = {"early": "START", "mid": "MID", "late": "END"}[pos]
        return spec
    if name == "century":
        if g.get("c"):
            c = int(g["c"])
            if not 1 <= c <= 21:
                return None
            return _base(val=f"{c - 1:02d}", sd=date(max(1, (c - 1) * 100), 1, 1),
                         ed=date(c * 100 - 1, 12, 31))
        n = _REL_N.get(_squash(g["rel"].lower()), 0)
        return _offset("century", n)
    if name == "year_words":
        if g.get("tail"):
            dur = dict(compiled())["dur"].fullmatch(s)
            return _interp_rule("dur", dur, s, has_cue) if dur else None
        tens = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
        units = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
        if g.get("t"):
            y = 1900 + (tens.index(g["t"].lower()) + 2) * 10
            if g.get("u"):
                y += units.index(g["u"].lower()) + 1
        else:
            if not low.startswith("the year") and not has_cue:
                return None
            y = 2000 + (units.index(g["u2"].lower()) + 1 if g.get("u2") else 0)
        return _year_span(y)
    if name == "deictic":
        w = _squash(g["w"].lower())
        table: dict[str, tuple[int, str]] = {
            "yesterday": (-1, ""), "today": (0, ""), "tomorrow": (1, ""), "tonight": (0, "TNI"),
            "overnight": (0, "TNI"), "last night": (-1, "TNI"), "this morning": (0, "TMO"),
            "this afternoon": (0, "TAF"), "this evening": (0, "TEV"),
        }
        if w in table:
            n, suf = table[w]
        else:
            first, pod = w.split(" ")
            n = -1 if first == "yesterday" else 1
            suf = _POD[pod]
        return _offset("day", n, suf, "TIME" if suf else "DATE")
    if name == "day_rel":
        w = _squash(g["w"].lower())
        n = -1 if ("previous" in w or "before" in w) else 1
        spec = _offset("day", n)
        spec["ctx"] = "dayrel" if w.startswith("the day ") else None
        return spec
    if name == "ago":
        num = _num(g["num"])
        unit = _unit_name(g["unit"])
        direction = _squash(g["dir"].lower())
        if unit in ("second", "minute", "hour"):
            typ = "DURATION"
            return _base(val=_dur_value(num, unit), typ=typ)
        if direction in ("later", "after", "before", "prior", "back"):
            # anchored on another event ("three days later"): a DURATION without the adverb
            spec = _base(typ="DURATION", val=_dur_value(num, unit))
            spec["cut"] = len(s) - len(s[:m.end("unit")]) - (1 if s[m.end("unit"):][:1].lower() == "s" else 0)
            return spec
        sign = 1 if direction in ("from now", "hence") else -1
        if num is None:
            return _base(mode="ref", val="PAST_REF" if sign < 0 else "FUTURE_REF")
        if unit in ("night",):
            unit = "day"
        if unit == "fortnight":
            unit, num = "week", num * 2
        if unit not in ("day", "week", "month", "quarter", "year", "decade", "century", "weekend"):
            return None
        if num != int(num):
            return None
        if unit == "year" and num == 1 and direction in ("ago", "earlier") and "or so" not in low:
            return _base(mode="fin", qy=1, uval="XXXX-QX")
        spec = _offset(unit if unit != "weekend" else "week", int(num) * sign)
        if "or so" in low:
            spec["mod"] = "APPROX"
        return spec
    if name == "ago_adj":
        unit = g["rel"].lower()
        if unit == "year":
            return _base(mode="fin", qy=1, uval="XXXX-QX")
        return _offset(unit, -4 if unit == "quarter" else -1)
    if name == "rel_unit":
        rel = _squash(g["rel"].lower())
        unit = _squash(g["unit"].lower())
        if unit == "fiscal year":
            unit = "year"
        if rel == "the same":
            return None
        if rel in ("that", "the following", "the previous") and unit in ("year", "month"):
            spec = _offset(unit, {"that": 0, "the following": 1}.get(rel, -1))
            spec["mode"] = "prev"
            return spec
        if rel == "that":
            return None
        n = _REL_N.get(rel, 0)
        if rel in ("the past", "the last", "past", "the next", "the coming", "coming") and unit in (
                "week", "month", "year", "decade"):
            # "the past year" is a DATE in TimeBank, "the past week" mostly too: keep as offset
            pass
        spec = _offset(unit, n)
        if g.get("pos"):
            spec["mod"] = "START" if g["pos"].lower() == "earlier" else "END"
        return spec
    if name == "rel_wd":
        rel = _squash(g["rel"].lower())
        dirn = {"last": -1, "past": -1, "this past": -1, "next": 1, "coming": 1,
                "the previous": -1, "the following": 1,
                "this coming": 1, "this": 2}[rel]
        suf = _POD.get((g.get("pod") or "").lower(), "")
        ts = _tsuf(g)
        if ts is None or ts[1]:
            return None
        suf = ts[0] or suf  # "next Monday 9.15"
        return _base(mode="weekday", wd=_wd(g["wd"]), dirn=dirn, tsuf=suf or None,
                     uval=f"XXXX-WXX-{_wd(g['wd'])}", typ="TIME" if suf else "DATE")
    if name in ("rel_mon", "mon_rel"):
        rel = _squash(g["rel"].lower())
        mo = _mon(g["mon"])
        if g["mon"].lower() in lexicon()["ambiguous_months"] and not g["mon"][0].isupper():
            return None  # "this march", "last may": the noun or verb
        if name == "mon_rel":
            return _base(mode="part", code=f"{mo:02d}", n=_REL_N[rel], uval=f"XXXX-{mo:02d}")
        dirn = {"last": -1, "this past": -1, "next": 1, "this coming": 1, "this": 0}[rel]
        # "This May Be Our Only Chance" (a headline): the modal, when a verb follows (`_keep`)
        return _base(mode="yearless", mo=mo, dirn=dirn, uval=f"XXXX-{mo:02d}",
                     ctx="modal" if g["mon"].lower() == "may" else None)
    if name == "the_weekend":
        spec = _offset("weekend", 0)
        spec["dirn"] = 9  # the nearest weekend: the past one unless the sentence is future
        return spec
    if name == "set_every":
        other = 2 if g.get("other") else 1
        if g.get("wd"):
            return _base(typ="SET", val=f"XXXX-WXX-{_wd(g['wd'])}")
        if g.get("mon"):
            if g["mon"].lower() in lexicon()["ambiguous_months"] and not g["mon"][0].isupper():
                return None  # "each may choose": the verb
            return _base(typ="SET", val=f"XXXX-{_mon(g['mon']):02d}")
        if g.get("s"):
            return _base(typ="SET", val=f"XXXX-{lexicon()['seasons'][g['s'].lower()]['code']}")
        num = _num(g["num"]) if g.get("num") else 1.0
        return _base(typ="SET", val=_dur_value((num or 1) * other, _unit_name(g["unit"])))
    if name == "set_rate":
        unit = _unit_name(g["unit"])
        if not g.get("k") and not low.startswith("per"):
            return None
        return _base(typ="SET", val=_dur_value(1, unit))
    if name == "set_adv":
        # "Daily Mail", "Weekly Standard", "Daily Newsletters": part of a name when a capitalised
        # word follows (`dates._keep` reads what follows; in capitals throughout, it tells none)
        return _base(typ="SET", val=lexicon()["sets"][g["w"].lower()],
                     ctx="capset" if s[0].isupper() and not s.isupper() else None)
    if name == "set_wds":
        if not s[0].isupper():
            return None
        wd = g.get("wd") or g["wd2"]
        suf = _POD.get((g.get("pod") or g.get("pod2") or "").lower().rstrip("s"), "")
        return _base(typ="SET", val=f"XXXX-WXX-{_wd(wd)}{suf}")
    if name == "dur":
        unit = _unit_name(g["unit"])
        rawnum = g["num"].lower()
        num = _num(rawnum)
        vague = num is None
        if rawnum in ("the",):
            return None  # "the week", "the year": too ambiguous alone
        lim = _squash((g.get("lim") or "").lower())
        plural = g["unit"].lower().endswith("s") or low.endswith("s")
        if plural and rawnum in ("recent", "coming"):  # "in recent months": PXM
            return _base(typ="DURATION", val=_dur_value(None, unit))
        if plural and (rawnum == "the coming" or (lim in ("the coming", "coming") and vague)):
            return _base(mode="ref", val="FUTURE_REF")
        if unit == "weekend" or g.get("old"):
            return None
        if rawnum.startswith("half"):
            num = 0.5
        if unit == "second" and rawnum in ("a", "an"):
            return None  # "a second group": the ordinal
        if not vague and num is not None and (num > 10000 or re.fullmatch(r"1\d{3}|20\d\d", rawnum)):
            return None
        if num is not None and rawnum.replace(".", "").isdigit() and "." in rawnum \
                and num != int(num) * 1.0 and not g.get("half"):
            pass
        if g.get("half"):
            num = (num or 0) + 0.5
        spec = _base(typ="DURATION", val=_dur_value(num, unit))
        if rawnum in ("a", "an"):
            spec["ctx"] = "rate"
        if unit == "quarter":
            spec["ctx"] = "frac"  # "three-quarters of the food"
        return spec
    if name == "dur_bare":
        if not has_cue:
            return None
        return _base(typ="DURATION", val=_dur_value(None, _unit_name(g["unit"])))
    if name == "ref":
        w = _squash(g["w"].lower())
        val = lexicon()["refs"].get(w)
        if val is None:
            return None
        if w in ("current", "recent") and not has_cue:
            pass
        return _base(mode="ref", val=val)
    if name == "wd_abbr":  # "tue", "Sat.": a weekday only in a scheduling fragment
        wdn = _wd(g["wd"])
        return _base(mode="weekday", wd=wdn, dirn=0, uval=f"XXXX-WXX-{wdn}", ctx="looser")
    if name == "wd":
        suf = _POD.get((g.get("pod") or "").lower(), "")
        return _base(mode="weekday", wd=_wd(g["wd"]), dirn=0, tsuf=suf or None,
                     uval=f"XXXX-WXX-{_wd(g['wd'])}" + suf, typ="TIME" if suf else "DATE")
    if name in ("mon", "mon_abbr"):
        mon = g["mon"]
        spec = _yearless(_mon(mon), None)
        if not mon[0].isupper() or (mon.isupper() and len(mon) > 3) or name == "mon_abbr" or (
                mon.lower().rstrip(".") in lexicon()["ambiguous_months"] and not has_cue):
            spec["ctx"] = "looser"  # "may", "apr.", "Jun": a month only in a scheduling fragment
        return spec
    if name == "year":
        y = int(g["y"])
        spec = _year_span(y)
        spec["ctx"] = "year" if has_cue else "bare_year"
        if not has_cue and not 1900 <= y <= 2099:
            return None
        return spec
    return None


_INSIDE_MOD_ANY = {"APPROX"}


# The rules whose reading depends on `has_cue` (see `_interp_rule`): a string no such rule
# was tried on has one spec, with or without a cue before it.
_CUE_RULES = frozenset({"hour", "dom_dot", "the_year", "season_alone", "decade", "year_words",
                        "dur_bare", "mon", "mon_abbr", "year", "ref"})
_CORE_ANY: dict[str, Spec | None] = {}  # specs that hold with or without a cue
_CORE: dict[tuple[str, bool], Spec | None] = {}


def interpret_core(s: str, has_cue: bool = False) -> Spec | None:
    """The spec of a string without any cue prefix (first rule that matches all of it).
    Cached; once per string unless a cue-dependent rule was tried on it."""
    if s in _CORE_ANY:
        return _CORE_ANY[s]
    key = (s, has_cue)
    if key in _CORE:
        return _CORE[key]
    spec, cued = _interpret_core(s, has_cue)
    if cued:
        _CORE[key] = spec
    else:
        _CORE_ANY[s] = spec
    return spec


# Letters Python's case-insensitive matching takes for an ASCII letter that their lower case
# is not (the long s, the dotless i); "İ" lowers to two characters.
_FOLD_ODD = frozenset("ſı")


def _interpret_core(s: str, has_cue: bool) -> tuple[Spec | None, bool]:
    """The spec and whether a rule in `_CUE_RULES` was tried."""
    rules = compiled()
    low = s.lower()
    # a string in lower case reads the same in `_first_rule_ascii` unless a letter of it folds
    # to an ASCII one other than by its lower case (its union is compiled only then)
    plain = s.isascii() or (len(low) == len(s) and _FOLD_ODD.isdisjoint(s))
    first = _first_rule_ascii().fullmatch(low) if plain else _first_rule().fullmatch(s)
    if first is None:
        return None, False
    cued = False
    for name, rx in rules[int(str(first.lastgroup)[2:]):]:
        m = rx.fullmatch(s)
        if m is None:
            continue
        cued = cued or name in _CUE_RULES
        spec = _interp_rule(name, m, s, has_cue)
        if spec is not None:
            return spec, cued
    return None, cued


def interpret(match: str, co: str = "", inner: str = "") -> tuple[Any, ...]:
    """A spec row (SPEC_SCHEMA order) for a matched string and the cue words before it.

    `co` is a cue outside the TIMEX span ("by", "since", "in"); `inner` is the text just before
    the match that TimeML keeps in the span ("around ", "more than ", "early ", "the end of ").
    The spec's `ext` says how many characters of `inner` the mention takes.
    """
    return _interpret(match, co, inner)


def _interpret(match: str, co: str, inner: str) -> tuple[Any, ...]:
    cue, ci, pos, _ = _cues(co, inner)
    if not (cue or ci or pos):  # no cue words before it (most keys): the string's own row
        return _plain_row(match)
    spec = _interpret_dict(match, co, inner)
    if spec is None:
        spec = _base(ok=False)
    return tuple(map(spec.get, SPEC_SCHEMA))


@cache
def _plain_row(match: str) -> tuple[Any, ...]:
    """`_interpret` without any cue: the spec of the string alone (`ext` 0)."""
    spec = interpret_core(match, False)
    spec = _base(ok=False) if spec is None else {**spec, "ext": 0}
    return tuple(map(spec.get, SPEC_SCHEMA))


_INNER = re.compile(
    r"(?:(?P<ci>\S.*?)\s+)??(?P<pos>(?:early|late|mid|earlier|later)(?:\s+|-)|"
    r"the\s+(?:beginning|start|middle|end|close)\s+of\s+)?",
    re.IGNORECASE | re.DOTALL,
)


@cache
def _cues(co: str, inner: str) -> tuple[str, str, str, str]:
    """The normalised outside cue, inside cue, position cue and the raw position text."""
    cue = _squash(co.strip().lower())
    pm = _INNER.fullmatch(inner)
    ci = _squash((pm.group("ci") or "").lower()) if pm else ""
    pos_raw = (pm.group("pos") or "") if pm else ""
    pos = _squash(pos_raw.strip().lower()).rstrip("-").strip()
    return cue, ci, pos, pos_raw


def _interpret_dict(match: str, co: str, inner: str) -> Spec | None:
    lx = lexicon()
    cue, ci, pos, pos_raw = _cues(co, inner)
    # try with the inner cues in the span first, then without
    for use_inner in (True, False):
        has_cue = bool(cue or (use_inner and (ci or pos)))
        spec = interpret_core(match, has_cue)
        if spec is None:
            continue
        spec = dict(spec)
        ext = 0
        if use_inner and (ci or pos):
            ci_mod = lx["cues_inside"].get(ci)
            keep_ci = bool(ci) and (spec["typ"] == "DURATION" or ci_mod in _INSIDE_MOD_ANY)
            keep_pos = bool(pos) and spec["typ"] in ("DATE", "TIME") and spec["mode"] != "ref"
            if keep_pos:
                spec["mod"] = lx["position_cues"].get(pos)
                ext = len(pos_raw)
            if keep_ci and (keep_pos or not pos):
                spec["mod"] = ci_mod if not keep_pos else spec["mod"]
                ext = len(inner)
        elif not use_inner and (ci or pos) and not cue:
            pass
        if cue == "since" and spec["unit"] in ("yearend", "monthend"):
            spec["n"] = -1
        if cue and spec.get("mod") is None and spec["typ"] in ("DATE", "TIME") and ext == 0:
            spec["mod"] = lx["cues_outside"].get(cue)
        spec["ext"] = ext
        return spec
    return None

"""Figures: money, percentages, counts and measured quantities, found with vectorised polars.

Pipeline (no Python loop per article or per match):

1. `_spans` finds number cores (digits with separators, fractions, number words with
   scale words, "hundreds of" ...) with character offsets.
2. Each core gets its left and right context (`str.slice`, characters); anchored regexes over
   the contexts find a currency before it, a scale abbreviation ("bn", "m"), a currency, percent
   sign or measurement unit after it, a counted noun, a rate period, a qualifier ("up to") and
   a direction verb ("rose") before it, and false friends (dates, times, ordinals, model names).
3. Number values are computed by tokenising cores, joining tokens against the number-word table
   and aggregating per core (`hundred`/`dozen` multiply, `thousand`.. close a segment,
   fraction words divide the numerator before them).
4. Adjacent figures joined by "to", "-", "–", "between .. and" or two opposite bounds ("more
   than 10 and less than 20") become ranges; "3 dollars 50 cents" becomes one amount; "one in
   five", "seven out of 10" become one ratio (0.2, 0.7); "45 and 50 mg" shares the unit.
   These merges find their few candidate pairs with shifts and update them by index.

Cores also cover spoken decimals ("two hundred point zero three"), scientific notation
("1.3x10^6"), tokenised digits ("80 , 000", "6 . 2", "7 3 / 4"), glued currency codes
("USD115"), fractions with ordinal denominators ("one twenty-fifth"; a singular one after a
numerator other than one is an ordinal: "twenty-fifth anniversary") and fractions of a scale
word ("two thirds of a million"). Units may be compound ("km/s2", "2 kb per second").
Hot paths avoid window functions and string-keyed joins (rows are numbered: `fid` for spans,
`_row` for articles) and materialise each extracted struct once. Every regex pass over a
column costs ~20 ns a row and every full-length string column (a slice, `when/then` over
strings) costs page faults, so steps that change few rows (a currency word, a unit, a noun, a
qualifier) pick those rows with a plain `contains` and scatter their results back; years and
month days that no context can rescue go before the context passes (`_drop_early`).

Data (units, currencies, number and scale words, context words) lives in `seeds/figures/` and
is compiled once. Quantities are normalised to SI-like canonical units: m, m2, l, kg, s, °C,
m/s, W, J, Hz, B, Pa, V, A, N, Ω, Gy, Sv (compounds: "m/s2"); money/percent/count have no
normalised unit.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from pipelines.extract.spans import ascii_word_boundaries, computed_where
from schemas.tables import Figures, conform, empty, polars_schema

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "figures"
_CTX_LEFT = 48
_CTX_RIGHT = 96
_B = r"(?-u:\b)"  # ASCII word boundary: keeps the regex on the fast DFA path
_SP = r"[ \t\u00a0\u202f]"  # spaces inside a figure (no newlines)
_MILS = ["KWD", "BHD", "OMR", "JOD", "TND", "LYD", "IQD"]  # three minor digits
_PUNCT = ",.;:!?)"  # see `_drop_early`
_MOD_OK = {"new", "additional", "extra", "separate", "different", "various", "consecutive",
           "successive", "total", "whole", "full", "main", "key", "major", "other"}


@dataclass(frozen=True)
class Lexicon:
    """Compiled seed data: regex sources and lookup tables."""

    core: str
    frac_split: str
    a_unit_re: str
    token: str
    words: dict[str, tuple[float, str]]
    vulgar: dict[str, float]
    scale_re: str
    scales: dict[str, tuple[float, bool]]
    cur_prefix_re: str
    cur_suffix_re: str
    cur_forms: dict[str, str]
    cur_scales: dict[str, float]
    cur_word_re: str
    cur_words: dict[str, tuple[str | None, str | None]]
    unit_re: str
    units: dict[str, tuple[str, str | None, float | None, float | None]]
    per_unit_re: str
    per_units: dict[str, tuple[str, str | None, float | None, float | None]]
    periods_set: frozenset[str]
    qual_re: str
    quals: dict[str, str]
    dir_re: str
    dirs: dict[str, str]
    period_re: str
    periods: dict[str, str]
    not_period: str
    change_re: str
    irregular: dict[str, str]
    not_nouns: frozenset[str]
    adjectives: frozenset[str]
    punct_free: bool  # no scale, currency, unit form starts with `_PUNCT` (`_drop_early`)


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(SEEDS / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _alt(forms: list[str], *, spaces: bool = True) -> str:
    """Regex alternation of literal forms, longest first; spaces match any run of spaces."""
    out = []
    for f in sorted(set(forms), key=lambda s: (-len(s), s)):
        esc = re.escape(f)
        if spaces:
            esc = esc.replace(r"\ ", _SP + "+")
        out.append(esc)
    return "|".join(out)


def _key(s: pl.Expr) -> pl.Expr:
    """Lookup key for a matched form: single spaces."""
    return s.str.replace_all(r"\s+", " ").str.strip_chars()


def _plural(word: str) -> list[str]:
    if word.endswith("y") and not word.endswith(("ay", "ey", "oy")):
        return [word, word[:-1] + "ies"]
    if word.endswith(("s", "x", "ch", "sh")):
        return [word, word + "es"]
    return [word, word + "s"]


@cache
def _lexicon() -> Lexicon:
    words: dict[str, tuple[float, str]] = {
        r["word"]: (float(r["value"]), r["type"]) for r in _read_csv("number_words.csv")
    }
    vulgar = {r["char"]: float(r["value"]) for r in _read_csv("vulgar_fractions.csv")}
    lex = yaml.safe_load((SEEDS / "lexicon.yaml").read_text(encoding="utf-8"))

    def wl(pred: Any) -> str:
        return "(?:" + "|".join(sorted((w for w, (v, t) in words.items() if pred(w, v, t)),
                                       key=len, reverse=True)) + ")" + _B

    ones = wl(lambda w, v, t: t == "small" and 1 <= v <= 9 and w not in ("a", "an"))
    teens = wl(lambda w, v, t: t == "small" and (10 <= v <= 19 or (v == 0 and w != "nil")))
    tens = wl(lambda w, v, t: t == "small" and v >= 20)
    scalew = wl(lambda w, v, t: t in ("mult", "big") and not w.endswith("s")
                and w not in ("score",))
    dens = wl(lambda w, v, t: t == "den")
    # compound ordinal denominators: "one twenty-fifth", "three twenty-firsts"
    ones_den = wl(lambda w, v, t: (t == "den" and 3 <= v <= 9 and not w.startswith("quarter"))
                  or t == "ord")
    cden = rf"{_B}{tens}(?:{_SP}*-{_SP}*|{_SP}+){ones_den}"
    ords = sorted((w for w, (v, t) in words.items() if t in ("den", "ord")), key=len,
                  reverse=True)
    tens_words = sorted((w for w, (v, t) in words.items() if t == "small" and v >= 20),
                        key=len, reverse=True)
    sep = r"(?:[ \t\u00a0\u202f]*-[ \t\u00a0\u202f]*|[ \t\u00a0\u202f]+)"
    frac_split = (rf"^(?P<n>.+?){sep}(?P<d>(?:(?P<t>{'|'.join(tens_words)}){sep})?"
                  rf"(?P<o>{'|'.join(ords)}))$")
    vul = "[" + "".join(vulgar) + "]"
    # thousands groups (spaces, "1'049"), tokenised text ("80 , 000", "6 . 2"), plain digits
    dig = (r"\d{1,3}(?:[\u00a0\u202f ]\d{3}" + _B + r")+(?:[.,]\d+)?"
           r"|\d{1,3}(?:'\d{3}" + _B + r")+(?:[.,]\d+)?"
           r"|\d{1,3}(?: , \d{3}" + _B + r")+|\d+ \. \d+" + _B +
           r"|\d+(?:[.,]\d+)*(?:[eE][-+]?\d+" + _B + ")?")
    # tokenised fractions keep to common denominators: "1 / 4 point", "7 3 / 4 %"
    frac_sp = r"\d{1,2} / (?:2|3|4|8|16|32|64)" + _B
    d = (rf"(?:{_B}\d+/\d+{_B}|{_B}{frac_sp}|{_B}(?:{dig})(?:{_SP}+(?:\d+/\d+{_B}|{frac_sp})"
         rf"|{_SP}?{vul})?|{vul})")
    smallw = rf"(?:{_B}{tens}(?:{_SP}*-{_SP}*|{_SP}+){ones}|{_B}{tens}|{_B}{teens}|{_B}{ones})"
    scale_plural = scalew[:-len(_B)] + "s?" + _B
    group = (rf"(?:(?:{smallw}|{d}|{_B}an?{_B}|{_B}half(?:{_SP}+an?)?{_B}|"
             rf"{_B}(?:an?{_SP}+)?quarter{_B}){_SP}+)?{_B}{scale_plural}"
             rf"(?:{_SP}+{_B}{scale_plural})*")
    and_frac = rf"{_SP}+and{_SP}+(?:an?|{smallw}){_SP}+{_B}{dens}"
    frac = rf"(?:{and_frac}|(?:{_SP}*-{_SP}*|{_SP}+){_B}{dens}|{_SP}+{cden})"
    # a bare fraction word joins number words ("three quarters"), not digits ("1988 quarter")
    phrase = (rf"(?:{group}(?:{_SP}+and{_SP}+|{_SP}+))*"
              rf"(?:(?:{group}|{smallw})(?:{frac})?|{d}(?:{and_frac})?)"
              rf"(?:{_SP}+{_B}{scale_plural})?")
    a_den = rf"{_B}an?{_SP}+(?:{cden}|{dens})"
    # "a gallon", "an acre": a/an before a length, area, volume or mass word is one unit
    # (idioms with foot, inch, pound, ton, cup: "set foot", "a ton of", "a cup of coffee")
    a_words = [f for r in _read_csv("units.csv") if r["normalized_unit"] in ("m", "m2", "l", "kg")
               for f in r["forms"].split("|") if re.fullmatch(r"[a-z]{4,}", f)
               and r["unit"] not in ("foot", "inch", "pound", "ton", "cup", "carat")]
    a_unit = rf"{_B}an?{_SP}+(?:{_alt(a_words)}){_B}"
    vague = (rf"{_B}(?:tens|dozens|hundreds|thousands|millions|billions|trillions){_B}"
             rf"(?:{_SP}+of{_SP}+(?:thousands|millions|billions){_B})?")
    # spoken decimals: "two hundred point zero three", "nine point nought four"
    decw = rf"(?:{_B}{tens}(?:{_SP}*-{_SP}*{ones})?|{_B}{teens}|{_B}{ones}|{_B}oh{_B})"
    spoken = rf"(?:{group}|{smallw})(?:{_SP}+(?:{group}|{smallw}))*{_SP}+point{_SP}+{decw}" \
             rf"(?:{_SP}+{decw})*"
    # scientific notation: "1.3x10^6", "2.48×10−5", "6.23 x 10^-4"
    # other bases need the power sign ("8x2^10"); a power glued to a number: "1.1^23",
    # "2.5^-1"
    sci = (rf"{_B}\d+(?:\.\d+)?{_SP}*[x×]{_SP}*(?:10{_SP}*(?:\^|\*\*)?|\d{{1,2}}{_SP}*(?:\^|\*\*))"
           rf"{_SP}*[-−+]?\d+{_B}|{_B}\d+(?:\.\d+)?\^[-−+]{{0,2}}\d+{_B}")
    # a fraction of a scale word: "two thirds of a million", "a quarter of a billion"
    frac_of = (rf"(?:(?:{smallw}|{_B}an?|{_B}one)(?:{_SP}*-{_SP}*|{_SP}+){_B}{dens}|{_B}half)"
               rf"{_SP}+of{_SP}+an?{_SP}+{_B}(?:thousand|million|billion|trillion){_B}")
    # a sign spaced from the digits only at the start of the text ("- 1 4/5"; elsewhere a
    # spaced dash joins words or numbers: "1991 - 92")
    core = (rf"(?i)(?:^[-−]{_SP}+|[-−]|{_B}(?:minus|negative){_SP}+)?"
            rf"(?:{vague}|{sci}|{spoken}|{frac_of}|{phrase}|{a_den}|{a_unit}|(?-u:\B)\.\d+"
            # a currency code glued to the digits ("USD115", "EUR29.66", "Rs1,599.00")
            rf"|(?-i:[A-Z]{{3}}|Rs|RM)(?-u:\B)\d+(?:[.,]\d+)*)"
            # an uncertainty: "2,000.45±0.01", "9.83e-3 +/- 1e-5"
            rf"(?:{_SP}*(?:±|\+/-){_SP}*\d+(?:\.\d+)?(?:e[-+]?\d+)?{_B})?")
    token = (rf"\d+/\d+|\d{{1,3}}(?:[\u00a0\u202f ']\d{{3}}{_B})+(?:[.,]\d+)?"
             rf"|\d+(?:[.,]\d+)*(?:e[-+]?\d+)?|{vul}|[a-z]+")

    scales = {r["token"]: (float(r["multiplier"]), r["needs_currency"] == "true")
              for r in _read_csv("scales.csv")}
    multi = [t for t in scales if len(t) > 1]
    single = [t for t in scales if len(t) == 1]
    # a single letter is glued ("10k", "1.2b") or, at a clause end, spaced ("2.33 k")
    sp_single = [t for t in single if t in "kMG"]  # (a spaced "K" is kelvin: "300 K")
    scale_re = (rf"^(?P<all>{_SP}?(?P<s1>{_alt(multi)})|(?P<s2>{'|'.join(single)})"
                rf"|{_SP}{{1,2}}(?P<s3>{'|'.join(sp_single)}))"
                rf"(?P<tail>{_SP}*(?:[.,;:!?)]|$))?(?:[^\w]|$)")

    cur_forms: dict[str, str] = {}
    cur_scales: dict[str, float] = {}
    pre_cs: list[str] = []
    pre_ci: list[str] = []
    suf_cs: list[str] = []
    suf_ci: list[str] = []
    for r in _read_csv("currencies.csv"):
        f, cs = r["form"], r["case"] == "cs"
        cur_forms[f if cs else f.lower()] = r["code"]
        if r["scale"]:  # "MUSD", "MEUR": millions of the currency
            cur_scales[f if cs else f.lower()] = float(r["scale"])
        if r["position"] in ("prefix", "both"):
            (pre_cs if cs else pre_ci).append(f)
            if re.fullmatch(r"[A-Za-z]{2,}\$", f):  # "HK $ 10.05 billion" (not "a $5")
                spaced = f[:-1] + " $"
                cur_forms[spaced if cs else spaced.lower()] = r["code"]
                (pre_cs if cs else pre_ci).append(spaced)
        if r["position"] in ("suffix", "both"):
            (suf_cs if cs else suf_ci).append(f)
    cur_prefix_re = (rf"(?:^|[^\w$])(?P<pre>(?P<cur>(?-i:{_alt(pre_cs)})|(?i:{_alt(pre_ci)}))"
                     rf"{_SP}*:?{_SP}*)$")
    # a sign may be followed by letters ("184,20 €HT": hors taxes), a code may not ("USDA")
    cur_suffix_re = (rf"^(?P<all>{_SP}*(?P<cur>(?-i:{_alt(suf_cs)})|(?i:{_alt(suf_ci)})))"
                     rf"(?:[^\w]|$|{_B}[A-Za-z])")
    cur_words: dict[str, tuple[str | None, str | None]] = {}
    cw_forms: list[str] = []
    for r in _read_csv("currency_words.csv"):
        w = r["word"]
        forms = [w] if w in ("yen", "yuan", "won", "pence", "renminbi", "sterling", "kronor",
                             "reais", "baht", "rand") else _plural(w)
        if w == "penny":
            forms = ["penny", "pennies"]
        if w == "lira":
            forms = ["lira", "liras", "lire"]
        if w.endswith("dollar") and " " in w:
            forms += [w.replace("dollar", "dollars")]
        for f in forms:
            cur_words[f] = (r["code"] or None, r["unit"] or None)
            cw_forms.append(f)
    cur_word_re = (rf"^(?P<all>{_SP}*(?:-{_SP}*)?(?P<cur>(?i:{_alt(cw_forms)}))"
                   rf"(?P<ster>{_SP}+sterling)?)(?:[^\w]|$)")

    units: dict[str, tuple[str, str | None, float | None, float | None]] = {}
    u_cs: list[str] = []
    u_ci: list[str] = []
    for r in _read_csv("units.csv"):
        norm = r["normalized_unit"] or None
        fac = float(r["factor"]) if r["factor"] else None
        off = float(r["offset"]) if r["offset"] else None
        for f in r["forms"].split("|"):
            cs = r["case"] == "cs" or len(f) == 1 or f in ("in", "ms") or f[0] in "°º"
            # every form shows the unit's one canonical name ("km", "kilometers" -> "kilometre")
            units[f if cs else f.lower()] = (r["unit"], norm, fac, off)
            (u_cs if cs else u_ci).append(f)
    unit_re = (rf"^(?P<all>(?:{_SP}*|{_SP}?-{_SP}?)(?P<unit>(?-i:{_alt(u_cs)})|(?i:{_alt(u_ci)})))"
               r"(?P<next>[^\w]|$)")
    # a compound unit: "km/s2", "10 l/km", "kg/cm³", "2 kb per second" (the second unit may be
    # a bare symbol only written after "/": "s", "h")
    per_units = dict(units)
    per_cs = [f for f in u_cs if f != "in"]
    for f, name in lex["denominator_units"].items():
        per_units[f] = units[name]
        per_cs.append(f)
    per_unit_re = (rf"^(?P<all>(?P<sep>{_SP}*/{_SP}*|{_SP}+(?i:per){_SP}+)"
                   rf"(?P<pw>(?i:square|sq\.?|cubic){_SP}+)?"
                   rf"(?P<unit>(?-i:{_alt(per_cs)})|(?i:{_alt(u_ci)}))(?P<exp>\^?[23]|[²³])?)"
                   r"(?:[^\w]|$)")

    quals = {k.lower(): v for k, v in lex["qualifiers"].items()}
    qual_re = (rf"(?i)(?:^|[^\w<>~≥≤])(?P<qall>(?P<q>{_alt(list(lex['qualifiers']))}){_SP}*)$")
    dirs = {w: d for d, ws in lex["directions"].items() for w in ws}
    dir_re = rf"(?i)(?:^|\W)(?P<d>{_alt(list(dirs))})(?:{_SP}+by)?{_SP}+$"
    periods = {w: p for p, ws in lex["periods"].items() for w in ws}
    for adv, p in lex["period_adverbs"].items():
        periods[adv] = p
    per_words = _alt([w for ws in lex["periods"].values() for w in ws])
    period_re = (rf"(?i)^(?P<all>{_SP}*,?{_SP}*(?:(?:a|an|per|each|every|/|a{_SP}+single)"
                 rf"{_SP}*(?P<p1>{per_words})|(?P<p2>{_alt(list(lex['period_adverbs']))})))"
                 rf"(?P<next>{_SP}+\w+|[^\w]|$)")
    not_period = "|".join(lex["not_period_after"])
    # "fell from 22 percent to 18 percent": a change verb before "from" (same clause)
    verbs = _alt(list(dirs) + lex["change_verbs"])
    change_re = rf"(?i)(?:^|\W)(?:{verbs})(?:[ \t]+[^\s;:!?]+){{0,4}}[ \t]+from[ \t]*$"
    return Lexicon(
        core=core, frac_split=frac_split, token=token,
        a_unit_re=rf"^(?i:(an?){_SP}+(?:{_alt(a_words)}))$",
        words=words, vulgar=vulgar, scale_re=scale_re, scales=scales,
        cur_prefix_re=cur_prefix_re, cur_suffix_re=cur_suffix_re, cur_forms=cur_forms,
        cur_scales=cur_scales,
        cur_word_re=cur_word_re, cur_words=cur_words, unit_re=unit_re, units=units,
        per_unit_re=per_unit_re, per_units=per_units,
        periods_set=frozenset(w for ws in lex["periods"].values() for w in ws),
        qual_re=qual_re, quals=quals, dir_re=dir_re, dirs=dirs, period_re=period_re,
        periods=periods, not_period=not_period, change_re=change_re,
        irregular={k: v for k, v in lex["irregular_plurals"].items()},
        not_nouns=frozenset(str(lex["not_nouns"]).split() + str(lex["verbs"]).split()),
        adjectives=frozenset(str(lex["adjectives"]).split()),
        punct_free=not any(f[:1] in _PUNCT for f in
                           [*scales, *suf_cs, *suf_ci, *cw_forms, *u_cs, *u_ci, "p"]),
    )


@cache
def _lookup(table: str, field: int | None = None) -> tuple[pl.Series, pl.Series]:
    """A lexicon mapping (field `field` of its values) as the `old`, `new` Series of
    `replace_strict`, built once (a dict argument is converted on every call)."""
    d: dict[str, Any] = getattr(_lexicon(), table)
    return (pl.Series(list(d), dtype=pl.String),
            pl.Series([v if field is None else v[field] for v in d.values()]))


# ----------------------------------------------------------------------------- values

def _digit_value(t: pl.Expr) -> pl.Expr:
    """Float value of a digit token: thousands separators, decimal comma, a/b fractions."""
    s = t.str.replace_all(r"[\u00a0\u202f ']", "")
    both = s.str.contains(",") & s.str.contains(r"\.")
    euro_both = both & s.str.contains(r",\d+$")
    only_comma = s.str.contains(",") & ~s.str.contains(r"\.")
    dec_comma = only_comma & s.str.contains(r"^\d+,\d{1,2}$")
    dot_thousands = s.str.contains(r"^\d{1,3}(?:\.\d{3}){2,}$")
    cleaned = (
        pl.when(euro_both).then(s.str.replace_all(r"\.", "").str.replace(",", "."))
        .when(both).then(s.str.replace_all(",", ""))
        .when(dec_comma).then(s.str.replace(",", "."))
        .when(only_comma & s.str.contains(r"^\d{1,3}(?:(?:,\d{3})+|(?:,\d{2})*,\d{3})(?:\.\d+)?$"))
        .then(s.str.replace_all(",", ""))
        .when(only_comma).then(None)
        .when(dot_thousands).then(s.str.replace_all(r"\.", ""))
        .otherwise(s)
    )
    num = s.str.extract(r"^(\d+)/\d+$").cast(pl.Float64, strict=False)
    den = s.str.extract(r"^\d+/(\d+)$").cast(pl.Float64, strict=False)
    return (
        pl.when(num.is_not_null() & (den > 0)).then(num / den)
        .otherwise(cleaned.cast(pl.Float64, strict=False))
    )


def _spoken_decimals(rows: pl.DataFrame, lex: Lexicon) -> pl.DataFrame:
    """Values of "<number words> point <digit words>" cores: digits after "point" are read
    one by one ("zero three" = .03) unless a word is ten or more ("point seventy-one" = .71)."""
    digits = {w: v for w, (v, t) in lex.words.items() if t == "small"} | {"oh": 0.0}
    whole = _core_values(rows.select("fid", pl.col("core").str.replace(
        r"(?i)[ \t\u00a0\u202f]+point[ \t\u00a0\u202f].*$", "")), lex)
    dec = rows.select(
        "fid",
        pl.col("core").str.to_lowercase().str.replace(r"^.*?\spoint\s+", "")
        .str.replace_all(r"[-\s]+", " ").str.split(" ")
        .list.eval(pl.element().replace_strict(digits, default=None, return_dtype=pl.Float64))
        .alias("d"),
    ).with_columns(
        pl.when(pl.col("d").list.max() < 10)
        .then(pl.col("d").list.eval(pl.element().cast(pl.Int64).cast(pl.String)).list.join(""))
        .otherwise(pl.col("d").list.sum().cast(pl.Int64).cast(pl.String)).alias("ds"),
    )
    return whole.join(dec, on="fid").select(
        "fid", (pl.col("num") + ("0." + pl.col("ds")).cast(pl.Float64, strict=False)).alias("num"))


def _fraction_cores(cores: pl.DataFrame, lex: Lexicon) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rewrite fraction cores (`fid`, `core`) to their numerator; returns the cores and, for
    the rewritten ones, `fid`, `mult` (the value is numerator x mult) and `bad` (no value).

    "two thirds of a million" is two thirds x 1e6; the numerator is the whole number before
    the fraction word ("a hundred trillionths" = 100 x 1e-12, "ninety-five hundred fifths" =
    9500 / 5); a tens word before a unit ordinal makes one denominator ("one twenty-fifth" =
    1/25, "three twenty-firsts" = 3/21). A singular fraction word after a numerator other than
    one is an ordinal ("twenty-fifth anniversary"), dropped with its context in
    `_filter_false_friends`. Mixed numbers with "and" ("three and three fifths") are left to
    the tokeniser. Few cores qualify: they are picked by index and scattered back."""
    core = pl.col("core")
    of_re = r"(?i)\sof\s+an?\s+(?:thousand|million|billion|trillion)$"
    pick = cores.select(core.str.contains(
        r"(?i)(?:\sof\s+an?\s+(?:thousand|million|billion|trillion)"
        r"|[\s-]\S*(?:ths?|half|halves|quarters?|thirds?|firsts?|seconds?))$"))[:, 0]
    idx = pick.arg_true()
    idx = idx.filter(cores["core"].gather(idx).str.contains(of_re)
                     | ~cores["core"].gather(idx).str.contains(r"(?i)\sand\s"))
    empty = pl.DataFrame(schema={"fid": pl.UInt32, "mult": pl.Float64, "bad": pl.Boolean})
    if idx.len() == 0:
        return cores, empty
    big = {w: v for w, (v, t) in lex.words.items() if t == "big"}
    ords = {w: v for w, (v, t) in lex.words.items() if t in ("den", "ord")}
    tens = {w: v for w, (v, t) in lex.words.items() if t == "small" and v >= 20}
    sub = cores[idx].with_columns(core.str.to_lowercase().str.extract_groups(
        r"^(?P<f>.+?)\s+of\s+an?\s+(?P<s>thousand|million|billion|trillion)$").alias("p"))
    p = pl.col("p").struct
    sub = sub.with_columns(
        pl.coalesce(p.field("f").str.replace(r"^half$", "one half"), core.str.to_lowercase())
        .alias("core"),
        p.field("s").replace_strict(big, default=1.0, return_dtype=pl.Float64).fill_null(1.0)
        .alias("scale"),
    ).with_columns(core.str.extract_groups(lex.frac_split).alias("f"))
    f = pl.col("f").struct
    o = f.field("o")
    den = (f.field("t").replace_strict(tens, default=0.0, return_dtype=pl.Float64)
           + o.replace_strict(ords, default=None, return_dtype=pl.Float64))
    split = f.field("n").is_not_null()
    sub = sub.select(
        "fid",
        pl.when(split).then(f.field("n")).otherwise(core).alias("core"),
        (pl.col("scale") / pl.when(split).then(den).otherwise(1.0)).alias("mult"),
        (split & (o.is_in([w for w, (_, t) in lex.words.items() if t == "ord"])
                  & f.field("t").is_null()) | (den <= 0)).fill_null(False).alias("bad"),
    )
    cores = cores.with_columns(cores["core"].scatter(idx, sub["core"]))
    return cores, sub.select("fid", "mult", "bad")


def _core_values(rows: pl.DataFrame, lex: Lexicon) -> pl.DataFrame:
    """Value of every core (`fid`, `core`): fast paths for digits, single number words and
    digits with one scale word; the rest go through `_token_values`."""
    single = {w: v for w, (v, t) in lex.words.items() if t == "small"}
    # most cores are plain digits ("2024", "3.5"): a cast; other digit forms go through
    # `_digit_value`; single number words are a lookup; the rest are tokenised below
    rows = rows.with_columns(
        pl.col("core").cast(pl.Float64, strict=False).alias("plain"),
        pl.col("core").str.contains(r"^[\d.,\u00a0\u202f ']+$").alias("simple"),
        pl.col("core").str.to_lowercase().replace_strict(single, default=None,
                                                         return_dtype=pl.Float64).alias("word"),
    )
    plain = pl.col("plain").is_not_null() & pl.col("core").str.contains(r"^\d+(?:\.\d+)?$")
    fast = pl.concat([
        rows.filter(plain).select("fid", pl.col("plain").alias("num")),
        rows.filter(pl.col("simple") & ~plain).select(
            "fid", _digit_value(pl.col("core")).alias("num")),
        rows.filter(pl.col("word").is_not_null()).select("fid", pl.col("word").alias("num")),
    ])
    # "10.2 million": digits times one scale word (as the token sums below give it)
    big = {w: v for w, (v, t) in lex.words.items() if t == "big"}
    dm = pl.col("core").str.extract_groups(
        rf"(?i)^(?P<d>\d+(?:\.\d+)?)[ \t\u00a0\u202f]+(?P<s>{'|'.join(big)})$").struct
    rows = rows.filter(~pl.col("simple") & pl.col("word").is_null()).select(
        "fid", "core", (dm.field("d").cast(pl.Float64) * dm.field("s").str.to_lowercase()
                        .replace_strict(big, default=None, return_dtype=pl.Float64)).alias("num"))
    fast = pl.concat([fast, rows.filter(pl.col("num").is_not_null()).select("fid", "num")])
    rows = rows.filter(pl.col("num").is_null()).select("fid", "core")
    sci = rows.filter(pl.col("core").str.contains(r"[x×]\s*\d|\d\^"))
    if sci.height:
        # "1.3x10^6", "8x2^10" (mantissa x base^exponent), "1.1^23", "2.5^--1" (a power)
        parts = pl.col("core").str.extract_groups(
            r"^(?P<m>\d+(?:\.\d+)?)(?:\s*[x×]\s*(?P<b>\d+)\s*(?:\^|\*\*)?\s*|\^)"
            r"(?P<s>[-−+]*)(?P<e>\d+)$").struct
        exp = parts.field("e").cast(pl.Float64) * pl.when(
            parts.field("s").str.count_matches("[-−]") % 2 == 1).then(-1.0).otherwise(1.0)
        m = parts.field("m").cast(pl.Float64)
        fast = pl.concat([fast, sci.select(
            "fid", pl.when(parts.field("b").is_null()).then(m.pow(exp))
            .otherwise(m * parts.field("b").cast(pl.Float64).pow(exp)).alias("num"))])
        rows = rows.filter(~pl.col("fid").is_in(sci["fid"].implode()))
    spoken = rows.filter(pl.col("core").str.contains(r"(?i)\spoint\s"))
    if spoken.height:
        fast = pl.concat([fast, _spoken_decimals(spoken, lex)])
        rows = rows.filter(~pl.col("fid").is_in(spoken["fid"].implode()))
    return _token_values(rows, lex).vstack(fast.filter(pl.col("num").is_not_null()))


def _token_values(rows: pl.DataFrame, lex: Lexicon) -> pl.DataFrame:
    """Value of number-word cores (`fid`, `core`): tokens joined to number words and
    aggregated (cores with no value are left out)."""
    words = pl.DataFrame(
        {"tok": list(lex.words) + list(lex.vulgar),
         "wval": [v for v, _ in lex.words.values()] + list(lex.vulgar.values()),
         "wtype": [t for _, t in lex.words.values()] + ["small"] * len(lex.vulgar)},
        schema={"tok": pl.String, "wval": pl.Float64, "wtype": pl.String},
    )
    toks = (
        rows.lazy()
        .select("fid", pl.col("core").str.to_lowercase().str.extract_all(lex.token).alias("tok"))
        .explode("tok")
        # tokens of one core are contiguous: neighbours are plain shifts masked at core changes
        # (window functions cost a group-by each)
        .with_columns(((pl.col("tok").shift(1) == "and")
                       & (pl.col("fid").shift(1) == pl.col("fid"))).fill_null(False)
                      .alias("after_and"))
        .filter(pl.col("tok").is_not_null() & ~pl.col("tok").is_in(["and", "of", "minus",
                                                                     "negative"]))
        .join(words.lazy(), on="tok", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("wtype").is_null()).then(_digit_value(pl.col("tok")))
            .otherwise(pl.col("wval")).alias("v"),
            pl.col("wtype").fill_null("small").alias("ty"),
        )
        .with_columns(
            (pl.col("fid") != pl.col("fid").shift(1)).fill_null(True).alias("first"),
            (pl.col("fid") != pl.col("fid").shift(-1)).fill_null(True).alias("last"),
        )
        .with_columns(
            pl.when(~pl.col("last")).then(pl.col("ty").shift(-1)).alias("next_ty"),
            pl.when(~pl.col("last")).then(pl.col("v").shift(-1)).alias("next_v"),
            pl.when(~pl.col("first")).then(pl.col("ty").shift(1)).alias("prev_ty"),
        )
        .with_columns(
            # a fraction word at the start ("half a million") multiplies the whole figure
            pl.when(pl.col("first") & (pl.col("ty") == "den"))
            .then(1.0 / pl.col("v")).otherwise(1.0).alias("prefix_mult"),
            # segments end after a big word ("thousand"); ids are unique across cores
            (pl.col("first") | (pl.col("prev_ty") == "big").fill_null(False)).cast(pl.Int32)
            .cum_sum().alias("seg"),
            pl.when(pl.col("ty") == "mult").then(pl.col("v")).otherwise(1.0).alias("m"),
            # "hundred", "dozen" multiply back to the segment start or an "and": "three
            # hundred and two dozen" is 300 + 24
            (pl.col("first") | (pl.col("prev_ty") == "big").fill_null(False)
             | pl.col("after_and")).cast(pl.Int32).cum_sum().alias("mseg"),
            # runs of number words ("twenty three"); "and" starts a new run
            (pl.col("first") | (pl.col("ty") != "small") | pl.col("after_and")).cast(pl.Int32)
            .cum_sum().alias("run"),
        )
        .with_columns(
            pl.col("m").reverse().cum_prod().reverse().over("mseg").alias("mprod"),
            # a fraction word divides the whole run before it: "twenty-three fifths" = 23/5
            pl.col("next_ty").last().over("run").alias("run_next_ty"),
            pl.col("next_v").last().over("run").alias("run_next_v"),
        )
        .with_columns(
            pl.when(pl.col("ty") == "small").then(
                pl.when(pl.col("run_next_ty") == "den")
                .then(pl.col("v") / pl.col("run_next_v"))
                .otherwise(pl.col("v")) * pl.col("mprod"))
            .when((pl.col("ty") == "mult")
                  & (pl.col("prev_ty").is_null() | ~pl.col("prev_ty").is_in(["small", "mult"])))
            .then(pl.col("mprod"))
            .otherwise(0.0).alias("contrib"),
            pl.when(pl.col("ty") == "big").then(pl.col("v")).alias("bigv"),
            pl.col("ty").is_in(["small", "mult"]).alias("has_small"),
        )
    )
    segs = (
        toks.with_columns(
            ((pl.col("ty") == "small") & (pl.col("run_next_ty") != "den").fill_null(True))
            .alias("whole"))
        .group_by("fid", "seg")
        .agg(pl.col("contrib").sum(), pl.col("bigv").max(), pl.col("has_small").any(),
             pl.col("prefix_mult").min(), pl.col("v").is_null().any().alias("bad"),
             pl.col("whole").any(), (pl.col("ty") == "den").any().alias("has_den"))
        .sort("seg")
        .with_columns(pl.when(pl.col("fid") == pl.col("fid").shift(1))
                      .then(pl.col("bigv").shift(1)).alias("prev_big"))
        .with_columns(
            # "3 million and a half": a bare fraction after a scale word scales with it
            pl.when(pl.col("has_den") & ~pl.col("whole") & pl.col("bigv").is_null()
                    & pl.col("prev_big").is_not_null())
            .then(pl.col("contrib") * pl.col("prev_big"))
            # "three lakh crore", "two thousand million": a lone scale word multiplies
            .when(~pl.col("has_small") & pl.col("bigv").is_not_null()
                  & pl.col("prev_big").is_not_null()).then(0.0)
            .otherwise(pl.when(pl.col("has_small")).then(pl.col("contrib")).otherwise(1.0)
                       * pl.col("bigv").fill_null(1.0)).alias("segv"),
            pl.when(~pl.col("has_small") & pl.col("bigv").is_not_null()
                    & pl.col("prev_big").is_not_null()).then(pl.col("bigv")).otherwise(1.0)
            .alias("segm"),
        )
    )
    return (
        segs.group_by("fid")
        .agg((pl.col("segv").sum() * pl.col("segm").product() * pl.col("prefix_mult").min())
             .alias("num"),
             pl.col("bad").any())
        .filter(~pl.col("bad"))
        .select("fid", "num")
        .collect()
    )


# ----------------------------------------------------------------------------- context

def _sparse_groups(df: pl.DataFrame, col: str, pattern: str, fields: list[str]) -> list[pl.Series]:
    """Capture groups of a pattern that few rows match: a plain `contains` (the fast DFA)
    picks the rows, only those run the capturing match; the fields come back full-length."""
    idx = df.select(pl.col(col).str.contains(pattern).fill_null(False))[:, 0].arg_true()
    g = df[col].gather(idx).str.extract_groups(pattern)
    # (`scatter` writes in place: one fresh column per field)
    return [pl.repeat(None, df.height, dtype=pl.String, eager=True).scatter(idx, g.struct.field(f))
            for f in fields]


def _consume(df: pl.DataFrame, pattern: str, prefix: str, fields: list[str],
             cond: pl.Expr | None = None, lead: str | None = None) -> pl.DataFrame:
    """Match an anchored pattern on `rest`; add `prefix_<field>` columns, advance `rest`.
    Few rows match: a plain `contains` (the fast DFA) picks them, only those run the
    capturing match and are advanced; the other rows keep `rest` as it is.

    With `lead`, the one field is group `all` less its leading `lead` and comes from the
    plain match (a capturing match over a large alternation costs ~2 µs a row): the pattern
    ends with one `[^\\w]` character or the end of `rest`, so a match short of the end is
    `all` plus one character; only matches that reach the end run the capturing match."""
    hit = pl.col("rest").str.contains(pattern)
    if cond is not None:
        hit = hit & cond
    idx = df.select(hit.fill_null(False))[:, 0].arg_true()
    rest = df["rest"].gather(idx)
    if lead is None:
        g = rest.str.extract_groups(pattern)
        vals = [g.struct.field(f) for f in fields]
        n = g.struct.field("all").str.len_chars().cast(pl.Int64)
    else:
        m = rest.str.extract_all(pattern).list.first()
        short = (m.str.len_chars() < rest.str.len_chars()).fill_null(False)
        at_end = (~short).arg_true()
        whole = m.str.slice(0, m.str.len_chars() - 1).scatter(
            at_end, rest.gather(at_end).str.extract_groups(pattern).struct.field("all"))
        vals = [whole.str.replace(lead, "")]
        n = whole.str.len_chars().cast(pl.Int64)
    return df.with_columns(
        *[pl.repeat(None, df.height, dtype=pl.String, eager=True)
          .scatter(idx, v).alias(f"{prefix}_{f}") for f, v in zip(fields, vals, strict=True)],
        pl.repeat(0, df.height, dtype=pl.Int64, eager=True).scatter(idx, n)
        .alias(f"{prefix}_len"),
        df["rest"].scatter(idx, rest.str.slice(n)),
        df["grow"].scatter(idx, df["grow"].gather(idx) + n),
    )


def _compound_units(df: pl.DataFrame, lex: Lexicon, idx: pl.Series,
                    per_units: pl.DataFrame) -> pl.DataFrame:
    """ "km" + "/s2" -> "kilometre per square second" (m/s2, factor 1000): the few rows
    `idx` with a second unit (`per_units`: pu_unit, pu_pw, pu_exp) get the compound name,
    normalised unit and factor."""
    if idx.len() == 0:
        return df
    rows = pl.concat([per_units, df.select("qunit", "normalized_unit", "nfac")[idx]],
                     how="horizontal")
    key = _key(pl.col("pu_unit"))
    key = pl.when(key.is_in(list(lex.per_units))).then(key).otherwise(key.str.to_lowercase())

    def get(i: int) -> pl.Expr:
        return key.replace_strict(*_lookup("per_units", i), default=None)

    power = (pl.when(pl.col("pu_exp").str.contains("[3³]") | pl.col("pu_pw").str.contains(
        "(?i)cubic")).then(pl.lit(3))
        .when(pl.col("pu_exp").is_not_null() | pl.col("pu_pw").is_not_null()).then(pl.lit(2)))
    name = pl.when(power == 3).then(pl.lit("cubic ")).when(power == 2).then(
        pl.lit("square ")).otherwise(pl.lit(""))
    rows = rows.select(
        (pl.col("qunit") + " per " + name + get(0)).alias("qunit"),
        (pl.col("normalized_unit") + "/" + get(1) + power.cast(pl.String).fill_null(""))
        .alias("normalized_unit"),
        (pl.col("nfac") / get(2).cast(pl.Float64).pow(power.fill_null(1))).alias("nfac"),
    )
    return df.with_columns(df[c].scatter(idx, rows[c]) for c in rows.columns)


def _singular(low: pl.Expr, irregular: dict[str, str]) -> pl.Expr:
    """Singular of a lower-case word."""
    # irregular plurals ("people", "movies", "species") are looked up and done; otherwise at
    # most one of the regular rules applies (their outputs never end in a plural "s" the next
    # rule would strip again)
    return pl.when(low.is_in(list(irregular))).then(low.replace(*_lookup("irregular"))).otherwise(
        low.str.replace(r"^(.{2,})ies$", "${1}y")
        .str.replace(r"(ch|sh|x|ss|zz)es$", "${1}")
        .str.replace(r"([^sui])s$", "${1}")
    )


def _is_plural(w: pl.Expr, irregular: dict[str, str]) -> pl.Expr:
    return w.is_in(list(irregular)) | (
        w.str.ends_with("s") & ~w.str.contains(r"(?:ss|us|is|'s)$") & (w.str.len_chars() > 2)
    )


# ----------------------------------------------------------------------------- main

def _spans(base: pl.DataFrame, pattern: str) -> pl.DataFrame:
    """Matches of `pattern` in `base` (`_row`, `text`) as `_row`, `start`, `end` (character
    offsets), `match`: `pipelines.extract.spans.regex_spans` (NUL-marked matches, split, piece
    lengths summed) with running sums over all pieces instead of window functions per article."""
    mark = "\x00"
    return (
        base.lazy()
        .select("_row", pl.col("text").str.replace_all(
            ascii_word_boundaries(pattern), f"{mark}${{0}}{mark}").str.split(mark).alias("p"))
        .explode("p")
        .with_columns(pl.col("p").str.len_chars().cast(pl.Int64).alias("_len"),
                      (pl.col("_row") != pl.col("_row").shift(1)).fill_null(True).alias("_first"),
                      pl.int_range(pl.len(), dtype=pl.Int64).alias("_i"))
        .with_columns((pl.col("_len").cum_sum() - pl.col("_len")).alias("_cs"))
        # offsets from the article's first piece; matches are the odd pieces
        .with_columns(
            (pl.col("_cs") - pl.when("_first").then("_cs").forward_fill()).alias("start"),
            ((pl.col("_i") - pl.when("_first").then("_i").forward_fill()) % 2 == 1).alias("_odd"))
        .filter(pl.col("_odd") & (pl.col("_len") > 0))
        .select("_row", "start", (pl.col("start") + pl.col("_len")).alias("end"),
                pl.col("p").alias("match"))
        .collect()
    )


_SCALE_WORDS = ["trillion", "billion", "million", "crore", "lakh", "thousand", "hundred"]
_AND_SPLIT = (r"(?i)^(?P<a>.*\b(?P<s>" + "|".join(_SCALE_WORDS) + r")s?)(?P<g>[ \t]+and[ \t]+)"
              r"(?P<b>.+)$")


def _split_and(spans: pl.DataFrame) -> pl.DataFrame:
    """ "and" joins a smaller part onto a scale word ("three hundred and two", "two million and
    three hundred thousand", "one hundred and twenty thousand"), not two numbers of the same
    scale: "two hundred and three hundred", "5 million and 6 million" are two figures (a
    "between .. and" range later). Few matches qualify: they are split apart and re-sorted."""
    idx = spans.select(pl.col("match").str.contains(r"(?i)[ \t]and[ \t]"))[:, 0].arg_true()
    if idx.len() == 0:
        return spans
    g = spans["match"].gather(idx).str.extract_groups(_AND_SPLIT).struct
    low = g.field("b").str.to_lowercase()
    top = pl.select(pl.coalesce([pl.when(low.str.contains(rf"\b{w}s?\b")).then(pl.lit(w))
                                 for w in _SCALE_WORDS])).to_series()
    ok = (top == g.field("s").str.to_lowercase()).fill_null(False)
    idx = idx.filter(ok)
    if idx.len() == 0:
        return spans
    a, b = g.field("a").filter(ok), g.field("b").filter(ok)
    start = spans["start"].gather(idx)
    b_start = start + a.str.len_chars() + g.field("g").filter(ok).str.len_chars()
    sub = spans[idx]
    second = sub.with_columns(b_start.alias("start"), b.alias("match"))
    first = sub.with_columns((start + a.str.len_chars()).alias("end"), a.alias("match"))
    keep = pl.repeat(True, spans.height, dtype=pl.Boolean, eager=True).scatter(idx, False)
    return pl.concat([spans.filter(keep), first, second]).sort("_row", "start")


def extract_figures(articles: pl.DataFrame) -> pl.DataFrame:
    """Money, percent, count and quantity mentions of every article (schema `Figures`)."""
    lex = _lexicon()
    base = (articles.select("article_id", "text").filter(pl.col("text").is_not_null())
            .with_row_index("_row"))
    spans = _spans(base, lex.core)
    if spans.is_empty():
        return empty(Figures)
    texts = base["text"]  # article text by row number: a gather, not a string-keyed join
    # "a gallon": the figure is "a"; the unit word goes back to the right context
    ai = spans.select(pl.col("match").str.contains(lex.a_unit_re))[:, 0].arg_true()
    a_len = spans["match"].gather(ai).str.extract(lex.a_unit_re, 1).str.len_chars()
    spans = spans.with_columns(
        spans["end"].scatter(ai, spans["start"].gather(ai) + a_len),
        spans["match"].scatter(ai, spans["match"].gather(ai).str.slice(0, a_len)))
    spans = _split_and(spans)
    # one slice of the text (a walk from its start) holds both contexts: they are cut from it
    ctx_start = (pl.col("start") - _CTX_LEFT).clip(lower_bound=0)
    df = (
        spans.with_row_index("fid")
        .with_columns(texts.gather(spans["_row"]).alias("text"))
        .with_columns(pl.col("text").str.slice(ctx_start, pl.col("end") + _CTX_RIGHT - ctx_start))
        .with_columns(
            pl.col("text").str.slice(0, pl.col("start") - ctx_start).alias("left"),
            pl.col("text").str.slice(pl.col("end") - ctx_start, _CTX_RIGHT).alias("right"),
        )
        .drop("text")
    )
    # letters glued before the digits go back to the left context ("USD115": a currency
    # prefix there, else dropped as glued to letters)
    # A leading hyphen glued to a word or number is not a minus sign ("F-16", "10-15").
    # Both fixes move characters from the match to the left context; they touch few rows,
    # so those rows are fixed apart and put back (rows are re-sorted by `fid` later).
    glued = (pl.when(pl.col("match").str.contains(r"^[A-Z]{3}\d")).then(pl.lit(3, pl.UInt32))
             .when(pl.col("match").str.contains(r"^(?:Rs|RM)\d")).then(pl.lit(2, pl.UInt32))
             .otherwise(pl.lit(0, pl.UInt32))
             + pl.lit(computed_where(df, pl.col("match").str.contains(r"^[-−]"),
                              pl.col("left").str.contains(r"\w$"))).cast(pl.UInt32))
    df = df.with_columns(glued.alias("_gl"))
    fix = df.filter(pl.col("_gl") > 0)
    if fix.height:
        df = pl.concat([df.filter(pl.col("_gl") == 0), fix.with_columns(
            (pl.col("start") + pl.col("_gl")).alias("start"),
            (pl.col("left") + pl.col("match").str.slice(0, pl.col("_gl"))).alias("left"),
            pl.col("match").str.slice(pl.col("_gl")).alias("match"),
        )])
    df = df.drop("_gl")
    # a sign, an uncertainty or tokenised digits need a space, hyphen, minus or ± in the match:
    # only those rows are rewritten (the others' core is the match)
    odd = df.select(pl.col("match").str.contains(r"[-−± \t\u00a0\u202f]"))[:, 0].arg_true()
    sub = df.select("match")[odd].select(
        # tokenised text: "1 . 6 billion" is 1.6 billion, "80 , 000" is 80,000
        pl.col("match").str.replace(
            r"^(?:[-−][ \t\u00a0\u202f]*|(?i:minus|negative)[ \t\u00a0\u202f]+)", "")
        .str.replace(r"[ \t\u00a0\u202f]*(?:±|\+/-).*$", "")
        .str.replace_all(r"(\d) ([.,/]) (\d)", "${1}${2}${3}").alias("core"),
        pl.col("match").str.extract(r"(?:±|\+/-)[ \t\u00a0\u202f]*(\S+)$", 1)
        .cast(pl.Float64, strict=False).alias("pm"),
        pl.col("match").str.to_lowercase().str.contains(r"^(?:[-−]|minus|negative)").alias("neg"),
    )
    df = df.with_columns(
        df["match"].scatter(odd, sub["core"]).alias("core"),
        pl.repeat(None, df.height, dtype=pl.Float64, eager=True).scatter(odd, sub["pm"])
        .alias("pm"),
        pl.repeat(False, df.height, dtype=pl.Boolean, eager=True).scatter(odd, sub["neg"])
        .alias("neg"),
        pl.col("match").str.to_lowercase().str.contains(
            r"^(?:tens|dozens|hundreds|thousands|millions|billions|trillions)").alias("vague"),
    )
    cores, frac = _fraction_cores(df.select("fid", "core"), lex)
    vals = _core_values(cores, lex)
    # values by fid (0..n-1): a scatter and a gather instead of a hash join
    by_fid = pl.repeat(None, spans.height, dtype=pl.Float64, eager=True).scatter(
        vals["fid"], vals["num"])
    if frac.height:  # fractions: the numerator's value times `mult`
        scaled = by_fid.gather(frac["fid"]) * frac["mult"]
        by_fid = by_fid.scatter(frac["fid"], pl.select(
            pl.when(~frac["bad"]).then(scaled)).to_series())
    # ---- left context: currency prefix, qualifier, direction
    pre_cur, pre = _sparse_groups(df, "left", lex.cur_prefix_re, ["cur", "pre"])
    df = df.drop("match").with_columns(
        by_fid.gather(df["fid"]).alias("num"),
        pre_cur.alias("pre_cur"),
        pre.str.len_chars().fill_null(0).cast(pl.Int64).alias("pre_len"),
    ).with_columns(pl.when(pl.col("neg")).then(-pl.col("num")).otherwise("num").alias("num"))
    has_num = pl.col("num").is_not_null()
    df = df.filter(has_num & ~_drop_early(df).fill_null(False) if lex.punct_free else has_num)
    # the qualifier ("up to") ends the left context before a currency sign, the direction
    # ("rose") the text before both; few rows have either: a plain `contains` picks them and
    # only those are cut and matched (the rest stay null)
    pi = (df["pre_len"] > 0).arg_true()
    lp = df["left"].gather(pi)
    left2 = df["left"].scatter(pi, lp.str.slice(0, lp.str.len_chars() - df["pre_len"].gather(pi)))
    qi = left2.str.contains(lex.qual_re).arg_true()
    lq = left2.gather(qi)
    qg = lq.str.extract_groups(lex.qual_re)
    qual = qg.struct.field("q").str.to_lowercase().str.replace_all(r"\s+", " ").replace_strict(
        *_lookup("quals"), default=None)
    left3 = left2.scatter(qi, lq.str.slice(
        0, lq.str.len_chars() - qg.struct.field("qall").str.len_chars().fill_null(0)))
    di = left3.str.contains(lex.dir_re).arg_true()
    dirn = left3.gather(di).str.extract(lex.dir_re, 1).str.to_lowercase().replace_strict(
        *_lookup("dirs"), default=None)
    df = df.with_columns(
        pl.repeat(None, df.height, dtype=pl.String, eager=True).scatter(qi, qual)
        .alias("qualifier"),
        pl.repeat(None, df.height, dtype=pl.String, eager=True).scatter(di, dirn)
        .alias("direction"),
    )

    # ---- right context: scale, currency, percent, unit, noun, period
    df = df.with_columns(pl.col("right").alias("rest"), pl.lit(0, pl.Int64).alias("grow"))
    has_pre = pl.col("pre_cur").is_not_null()
    # Scale words, "of" after vague plurals, "pound" weights and a glued "p" touch few rows:
    # they are matched on those rows and scattered back (a full-column string rewrite or
    # `when/then/otherwise` over strings costs more than all of their regexes).
    idx = df.select(pl.col("rest").str.contains(lex.scale_re))[:, 0].arg_true()
    sg = df["rest"].gather(idx).str.extract_groups(lex.scale_re)
    tok = sg.struct.field("s1").fill_null(sg.struct.field("s2")).fill_null(sg.struct.field("s3"))
    s_mult = tok.replace_strict({t: m for t, (m, _) in lex.scales.items()}, default=None,
                                return_dtype=pl.Float64)
    s_needs = tok.replace_strict({t: n for t, (_, n) in lex.scales.items()}, default=None,
                                 return_dtype=pl.Boolean)
    s_sub = df.select("core", "num", "left", "right")[idx]
    at_end = sg.struct.field("tail").is_not_null()
    decimal = s_sub["core"].str.contains(r"\d[.,]\d")
    # "1.2b" (billions: bits come whole), "10G" / "1,674.5 G" at a clause end (not the
    # mobile generations "4G", "5G"), "573.15K" beside other temperatures is kelvin
    b_scale = tok.is_in(["b", "B"]) & decimal & at_end
    g_ok = (tok != "G") | (at_end & ((s_sub["num"].abs() >= 10) | decimal))
    kelvin = (tok == "K") & (s_sub["left"] + s_sub["right"]).str.contains(
        r"(?i)°|º|℃|℉|celsius|fahrenheit|kelvin|temperature")
    s_ok = (s_mult.is_not_null() & (~s_needs | df["pre_cur"].gather(idx).is_not_null() | b_scale)
            & g_ok & ~kelvin & (sg.struct.field("s3").is_null() | at_end)).fill_null(False)
    idx, n = idx.filter(s_ok), sg.struct.field("all").filter(s_ok).str.len_chars().cast(pl.Int64)
    df = df.with_columns(
        pl.repeat(0, df.height, dtype=pl.Int64, eager=True).scatter(idx, n).alias("sc_len"),
        pl.repeat(1.0, df.height, dtype=pl.Float64, eager=True).scatter(idx, s_mult.filter(s_ok))
        .alias("sc_mult"),
        df["rest"].scatter(idx, df["rest"].gather(idx).str.slice(n)),
        df["grow"].scatter(idx, n),
    )
    # "hundreds of soldiers", "millions of dollars": look past "of"
    idx = df["vague"].arg_true()
    rest = df["rest"].gather(idx)
    of_len = rest.str.extract(r"^([ \t]+of)[ \t]").str.len_chars().fill_null(0)
    df = df.with_columns(df["rest"].scatter(idx, rest.str.slice(of_len)))
    # a code after the number names the dollar: "$1,190.00 AUD"
    dollar_code = computed_where(df, pl.col("pre_cur") == "$",
                          pl.col("rest").str.contains(r"^[ \t]*[A-Z]{3}\b"))
    df = _consume(df, lex.cur_suffix_re, "cs", ["cur"], cond=~has_pre | pl.lit(dollar_code))
    df = _consume(df, lex.cur_word_re, "cw", ["cur", "ster"],
                  cond=pl.col("cs_cur").is_null())
    # "pound" is money only with a scale, "sterling" or a currency sign; else it is a weight
    cw_low = pl.col("cw_cur").str.to_lowercase()
    pound_weight = cw_low.str.starts_with("pound") & pl.col("cw_ster").is_null() & ~has_pre & (
        (pl.col("sc_mult") == 1.0) & (pl.col("num") < 1_000_000) | pl.col("core").str.contains(
            r"(?i)^(?:one|two|three|four|five|six|seven|eight|nine|ten|\d{1,3}(?:\.\d+)?)$")
    ) & ~pl.col("core").str.contains(r"(?i)million|billion|thousand|trillion")
    idx = df["cw_cur"].is_not_null().arg_true()
    idx = idx.filter(df[idx].select(pound_weight.fill_null(False))[:, 0])
    if idx.len():
        df = df.with_columns(
            df["rest"].scatter(idx, df["right"].gather(idx).str.slice(df["sc_len"].gather(idx))),
            df["grow"].scatter(idx, df["grow"].gather(idx) - df["cw_len"].gather(idx)),
            df["cw_cur"].scatter(idx, None),
        )
    p_cand = (pl.col("rest").str.starts_with("p") & ~has_pre & pl.col("cs_cur").is_null()
              & pl.col("cw_cur").is_null())
    df = df.with_columns(
        computed_where(df, p_cand, pl.col("rest").str.contains(r"^p(?:[^\w]|$)")).alias("pence_p"))
    idx = df["pence_p"].arg_true()
    df = df.with_columns(df["rest"].scatter(idx, df["rest"].gather(idx).str.slice(1)),
                         df["grow"].scatter(idx, df["grow"].gather(idx) + 1))
    is_money = has_pre | pl.col("cs_cur").is_not_null() | pl.col("cw_cur").is_not_null() \
        | pl.col("pence_p")
    pct = (rf"^(?P<all>{_SP}*(?P<p>%|(?i:per{_SP}?cents?|per-cent|percents?|pct))"
           rf"(?P<pt>(?i:{_SP}+points?|{_SP}+point{_SP}+|-point))?|{_SP}+(?P<pp>(?i:percentage"
           rf"{_SP}+points?|pp|bps|basis{_SP}+points?)))(?:[^\w]|$)")
    df = _consume(df, pct, "pc", ["p", "pt", "pp"], cond=~is_money)
    is_pct = pl.col("pc_len") > 0
    # "in" is inches only at a clause end, before a dimension word ("2 1/2 in thick") or
    # after feet ("5 ft 2 in"); never before a number or other words ("2 in 10", "3 in a row")
    # (both tests run only where "in" follows)
    not_inch = computed_where(df, pl.col("rest").str.contains(r"^[ \t]*in\b"), ~(
        pl.col("rest").str.contains(
            r"^[ \t]*in(?:[ \t]*(?:[.,;:!?)\]]|$)|[ \t]+(?:thick|long|wide|tall|high|deep|"
            r"across|diameter|screens?|displays?|x|by|×)\b)")
        | pl.col("left").str.contains(r"(?i)\d[ \t]*(?:ft|feet|foot)[ \t]+(?:and[ \t]+)?$")))
    df = _consume(df, lex.unit_re, "un", ["unit"], cond=~is_money & ~is_pct & ~pl.lit(not_inch),
                  lead=rf"^{_SP}*(?:-{_SP}?)?")
    # a lone "C"/"F" is a temperature only for plausible values, not before "-", "." or "/"
    # ("777F", "800,000 F-Series", "2021 C.P.I.", "14.7C/ per security")
    # (both tests run on the few rows with such a unit, picked by index)
    picked = df["un_unit"].is_in(["C", "F", '"', "″"]).arg_true()
    sub = df.select("un_unit", "un_len", "num", "rest", "left", "core")[picked]
    cf = pl.col("un_unit").is_in(["C", "F"])
    lone_cf = cf & (
        (pl.col("num").abs() > 150) | pl.col("rest").str.contains(r"^(?:[-./]\w|/)")
        # SEC form names: "13F filing", "When must 13F be filed?"
        | pl.col("rest").str.contains(
            r"^[ \t]+(?:filings?|filers?|forms?|reports?|holdings?|be|is|was|are)\b"))
    # a double quote is inches only glued to the digits with no quotation mark near it and
    # before a line end, a number or a capital ('a 65" TV', 'Wrench 8"', 'finest 9" 360-ish
    # plates'; not 'he said "we won 9"', 'width="560"' or 'Individual 1" during')
    bad_quote = ~cf & ((pl.col("un_len") > 1) | pl.col("core").str.contains(r"^\d{4}$")
                       | pl.col("left").str.contains('["“”]')
                       | ~pl.col("left").str.contains(r"(?:^|[\s(])$")
                       | pl.col("rest").str.slice(0, 40).str.contains('["“”]')
                       # a closing quote is followed by running text: 'Individual 1" during'
                       | ((pl.col("un_unit") == '"')
                          & ~pl.col("rest").str.contains(r"^(?:$|[ \t]*[\r\n]|[ \t]+[A-Z0-9])")))
    undo = picked.filter(sub.select((lone_cf | bad_quote).fill_null(False))[:, 0])
    # the few rejected units go back to the right context (by index: no full-column rewrite)
    if undo.len():
        back = df["grow"].gather(undo) - df["un_len"].gather(undo)
        df = df.with_columns(
            df["rest"].scatter(undo, df["right"].gather(undo).str.slice(back)),
            df["grow"].scatter(undo, back),
            df["un_unit"].scatter(undo, None),
        )
    is_unit = pl.col("un_unit").is_not_null()
    # compound units: "9.83e-3 km/s2", "10 l/km", "2 kb per second"; "per <period>" stays a
    # rate period ("50 mg per day"), temperatures take no denominator. Few rows have one:
    # they are matched apart and scattered back.
    idx = df["un_unit"].is_not_null().arg_true()
    pu = df.select("rest", "un_unit")[idx]
    slash_per = pu["rest"].str.contains(r"^[ \t]*/|^[ \t]+(?i:per)[ \t]")
    idx, pu = idx.filter(slash_per), pu.filter(slash_per)
    pu = pu.with_columns(pl.col("rest").str.extract_groups(lex.per_unit_re).alias("g"))
    g = pl.col("g").struct
    ok = (g.field("all").is_not_null()
          & (g.field("sep").str.contains("/")
             | ~g.field("unit").str.to_lowercase().is_in(list(lex.periods_set)))
          & ~pl.col("un_unit").str.contains(
              r"(?i)°|º|℃|℉|celsius|fahrenheit|centigrad|^[CFK]$|kelvin|degree|deg"))
    keep = pu.select(ok.alias("ok"))["ok"]
    idx, pu = idx.filter(keep), pu.filter(keep)
    pu_len = pu["g"].struct.field("all").str.len_chars().cast(pl.Int64)
    per_units = pu.select(*[pl.col("g").struct.field(f).alias(f"pu_{f}")
                            for f in ("unit", "pw", "exp")])
    if idx.len():
        df = df.with_columns(df["rest"].scatter(idx, pu["rest"].str.slice(pu_len)),
                             df["grow"].scatter(idx, df["grow"].gather(idx) + pu_len))
    # ages: "5 years old", "90 day old", "6 weeks of age"
    ai = df["un_unit"].is_not_null().arg_true()
    rest = df["rest"].gather(ai)
    age_len = rest.str.extract(
        r"^((?:[ \t]+|[ \t]?-[ \t]?)old|[ \t]+of[ \t]+age)(?:[^\w]|$)", 1
    ).str.len_chars().fill_null(0).cast(pl.Int64)
    df = df.with_columns(df["rest"].scatter(ai, rest.str.slice(age_len)),
                         df["grow"].scatter(ai, df["grow"].gather(ai) + age_len))
    # counted noun (not part of the span): "105 children", "three Russian soldiers"; money,
    # percentages and quantities have none; the rules run on the rows with a word after the
    # figure and are scattered back (other rows: no noun, the period search starts at `rest`)
    nn_re = (r"^(?P<s1>(?:[ \t]+|-)(?P<w1>[A-Za-z][a-z]+(?:-[a-z]+)?))"
             r"(?P<s2>[ \t]+(?P<w2>[a-z]+(?:-[a-z]+)?))?")
    noun_ok = ~is_money & ~is_pct & ~is_unit
    ni = df.select((noun_ok & pl.col("rest").str.contains(nn_re)).fill_null(False))[:, 0] \
        .arg_true()
    sub = df.select("rest", "num", "core")[ni].with_columns(
        pl.col("rest").str.extract_groups(nn_re).alias("nn"),
        pl.col("core").str.contains(r"^(?:\d+|[A-Za-z]+)$").alias("one_core"))
    sub = sub.with_columns(
        pl.col("nn").struct.field("w1"), pl.col("nn").struct.field("w2"),
        pl.col("nn").struct.field("w1").str.to_lowercase().alias("w1l"),
        pl.col("nn").struct.field("s1").str.len_chars().cast(pl.Int64).alias("n1_len"),
        pl.col("nn").struct.field("s2").str.len_chars().cast(pl.Int64).alias("n2_len"),
    )
    w1, w2, w1l = pl.col("w1"), pl.col("w2"), pl.col("w1l")
    bad = list(lex.not_nouns | set(lex.words))
    # ordinals and dozen abbreviations cannot head a counted noun ("deaths" and "cities" can)
    numberish = (r"^(?:[a-z]+-)?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|"
                 r"tenth|eleventh|twelfth|[a-z]*teenth|[a-z]*tieth|hundredth|thousandth|"
                 r"millionth|billionth|\d+(?:st|nd|rd|th)|dz|doz)s?$")
    # a singular "one" / "1" counts a singular noun: "one costs", "that one starts" (verbs)
    # are no counted nouns; invariant plurals ("one species", "one series") are
    invariant = [k for k, v in lex.irregular.items() if k == v]
    adjectives = list(lex.adjectives)
    # tests the rules share are columns (a repeated expression is computed again)
    sub = sub.with_columns(w1l.is_in(bad).alias("w1_bad"),
                           _is_plural(w1l, lex.irregular).alias("w1_plural"),
                           _is_plural(w2, lex.irregular).alias("w2_plural"),
                           w1l.is_in(adjectives).alias("w1_adj"),
                           ((pl.col("num") == 1) & pl.col("one_core")).alias("single"))
    w1_bad, w1_plural, w2_plural, w1_adj, single = (
        pl.col(c) for c in ("w1_bad", "w1_plural", "w2_plural", "w1_adj", "single"))
    w1_ok_plural = w1_plural & (~single | w1l.is_in(invariant))
    # a singular noun behind a common adjective: "one complete orbit", "one big problem"
    w2_single = (single & w1_adj & ~w2_plural
                 & ~w2.is_in(adjectives) & ~w2.str.contains(r"(?:ly|ed)$"))
    head2 = w2.is_not_null() & ~w2.is_in(bad) & (
        w2_plural & (~w1_bad | w1l.is_in(list(_MOD_OK)))
        & ~w1l.str.ends_with("ly") & ~w1_plural | w2_single) & ~w2.str.contains(numberish)
    head1 = w1.str.contains(r"^[a-z]") & ~w1_bad & ~w1l.str.contains(numberish) & (
        w1_ok_plural | (single & ~w1_plural & ~w1_adj & ~w1l.str.contains(r"(?:ly|ed|ing)$"))
    )
    sub = sub.with_columns(
        head2.fill_null(False).alias("noun2"),
        head1.fill_null(False).alias("noun1"),
    )
    # only rows with a head noun get a noun and advance `rest`
    has = (sub["noun1"] | sub["noun2"]).arg_true()
    ni = ni.gather(has)
    sub = sub[has].with_columns(
        pl.when(pl.col("noun2")).then(w2).when(pl.col("noun1")).then(w1l).alias("head"),
    ).select(
        pl.when(pl.col("noun2")).then(w1l + " ").otherwise(pl.lit(""))
        .add(_singular(pl.col("head"), lex.irregular)).alias("noun"),  # (`head` is lower-case)
        pl.col("rest").str.slice(
            pl.when(pl.col("noun2")).then(pl.col("n1_len") + pl.col("n2_len"))
            .when(pl.col("noun1")).then(pl.col("n1_len")).otherwise(0))
        .alias("rest_after_noun"),
    )
    df = df.with_columns(
        pl.repeat(None, df.height, dtype=pl.String, eager=True).scatter(ni, sub["noun"])
        .alias("noun"),
        df["rest"].scatter(ni, sub["rest_after_noun"]).alias("rest_after_noun"),
    )
    # rate period after the figure (and after a counted noun)
    p1, p2, nxt = _sparse_groups(df, "rest_after_noun", lex.period_re, ["p1", "p2", "next"])
    p_word = pl.coalesce(p1, p2).str.to_lowercase()
    p_next = nxt.str.strip_chars().str.to_lowercase()
    df = df.with_columns(
        pl.when(~p_next.is_in(lex.not_period.split("|")) | p_next.is_null() | p1.is_null())
        .then(p_word.str.replace_all(r"\s+", " ").replace_strict(*_lookup("periods"), default=None))
        .alias("period"),
    )

    # ---- kind, unit, currency, normalisation
    cur_code = pl.coalesce(
        pl.col("pre_cur").replace_strict(*_lookup("cur_forms"), default=None),
        pl.col("pre_cur").str.to_lowercase().replace_strict(*_lookup("cur_forms"), default=None),
        pl.col("cs_cur").replace_strict(*_lookup("cur_forms"), default=None),
        pl.col("cs_cur").str.to_lowercase().replace_strict(*_lookup("cur_forms"), default=None),
    )
    # the unit key is cut once into a column (in one `when/then` it is cut three times); the
    # lookups run on the rows with a currency or unit only and are scattered back
    names = ("pre_cur", "cs_cur", "cw_cur", "un_unit")
    ki = df.select(pl.any_horizontal(pl.col(names).is_not_null()))[:, 0].arg_true()
    sub = df.select(names)[ki].with_columns(_key(pl.col("cw_cur").str.to_lowercase()).alias("_cw"),
                                            _key(pl.col("un_unit")).alias("_uk"))
    cw_key, ukey2 = pl.col("_cw"), pl.col("_uk")
    sub = sub.with_columns(pl.when(ukey2.is_in(_lookup("units", 0)[0].implode())).then(ukey2)
                           .otherwise(ukey2.str.to_lowercase()).alias("_uk"))

    def uget(i: int) -> pl.Expr:
        return ukey2.replace_strict(*_lookup("units", i), default=None)

    sub = sub.select(
        pl.coalesce(cur_code, cw_key.replace_strict(*_lookup("cur_words", 0), default=None))
        .alias("currency"),
        cw_key.replace_strict(*_lookup("cur_words", 1), default=None)
        .alias("money_word"),
        uget(0).alias("qunit"),
        uget(1).alias("normalized_unit"),
        uget(2).cast(pl.Float64).alias("nfac"),
        uget(3).cast(pl.Float64).alias("noff"),
    )
    df = df.with_columns(pl.repeat(None, df.height, dtype=v.dtype, eager=True).scatter(ki, v)
                         .alias(v.name) for v in sub)
    # "$1,190.00 AUD": the code after the number names the dollar (few rows: by index)
    di = df.select((pl.col("pre_cur") == "$") & pl.col("cs_cur").is_not_null())[:, 0].arg_true()
    if di.len():
        code = df["cs_cur"].gather(di)
        named = code.replace_strict(*_lookup("cur_forms"), default=None).fill_null(
            code.str.to_lowercase().replace_strict(*_lookup("cur_forms"), default=None))
        df = df.with_columns(df["currency"].scatter(di, named))
    df = _compound_units(df, lex, idx, per_units)
    # "−273.15° on the Celsius scale": a bare degree takes the scale named after it; "absolute
    # zero" is 0 kelvin (few rows: picked by index)
    deg = (df["qunit"] == "degree").fill_null(False).arg_true()
    scale = df["rest"].gather(deg).str.extract(
        r"(?i)^[ \t]+(?:on|in)[ \t]+the[ \t]+(celsius|centigrade|fahrenheit|kelvin)[ \t]+"
        r"scale\b", 1)
    zero = (df["core"].str.to_lowercase() == "zero").fill_null(False).arg_true()
    zero = zero.filter(df["left"].gather(zero).str.contains(r"(?i)(?:^|\W)absolute[ \t]+$")
                       & df["un_unit"].gather(zero).is_null())
    fixed = pl.concat([deg.filter(scale.is_not_null()), zero])
    if fixed.len():
        words = pl.concat([scale.filter(scale.is_not_null()).str.to_lowercase(),
                           pl.repeat("kelvin", zero.len(), dtype=pl.String, eager=True)])
        df = df.with_columns(
            *[df[c].scatter(fixed, words.replace_strict(*_lookup("units", i), default=None)
                            .cast(df[c].dtype)) for i, c in
              enumerate(("qunit", "normalized_unit", "nfac", "noff"))],
            df["un_unit"].scatter(fixed, words),
            df["pre_len"].scatter(zero, df["pre_len"].gather(zero) + 9),
        )
    kind = (
        pl.when(is_money).then(pl.lit("money"))
        .when(is_pct).then(pl.lit("percent"))
        .when(pl.col("qunit").is_not_null()).then(pl.lit("quantity"))
        .otherwise(pl.lit("count"))
    )
    unit = (
        pl.when(is_money).then(pl.coalesce(
            pl.col("currency"), pl.col("money_word"),
            pl.when(pl.col("pence_p")).then(pl.lit("pence"))))
        .when(is_pct).then(
            pl.when(pl.col("pc_pt").is_not_null() | pl.col("pc_pp").str.contains(r"(?i)^p"))
            .then(pl.lit("percentage point"))
            .when(pl.col("pc_pp").is_not_null()).then(pl.lit("basis point"))
            .otherwise(pl.lit("percent")))
        .when(pl.col("qunit").is_not_null()).then(pl.col("qunit"))
        .otherwise(pl.col("noun"))
    )
    # "30 MUSD": a currency code that counts millions (few rows: picked by index)
    cur_form = df.select(pl.coalesce("pre_cur", "cs_cur"))[:, 0]
    scaled = cur_form.is_in(list(lex.cur_scales)).arg_true()
    if scaled.len():
        df = df.with_columns(df["sc_mult"].scatter(scaled, df["sc_mult"].gather(scaled) * cur_form
                                                   .gather(scaled).replace_strict(lex.cur_scales)))
    df = df.with_columns(
        kind.alias("kind"), unit.alias("unit"),
        (pl.col("num") * pl.col("sc_mult")).alias("value"),
    )
    # "Rp 235.000", "1.727 Ft", "129.900": one dot and three digits is a thousands group in
    # prices (not for currencies with three minor digits) and in round bare numbers
    dot_k = pl.col("core").str.contains(r"^[1-9]\d{0,2}\.\d{3}$") & (
        ((pl.col("kind") == "money") & ~pl.col("currency").is_in(_MILS).fill_null(False)
         & ((pl.col("currency") != "USD") | pl.col("core").str.contains(r"00$")).fill_null(True))
        | ((pl.col("kind") == "count") & pl.col("core").str.contains(r"\.000$")))
    df = df.with_columns(pl.when(dot_k).then(pl.col("value") * 1000).otherwise("value")
                         .alias("value"))
    # the scale word ending the core: looked up on the few rows a case-blind test picks
    wi = df.select(pl.col("core").str.contains(
        r"(?i)(?:thousand|million|billion|trillion|bn)s?$"))[:, 0].arg_true()
    wscale = df.select("core")[wi].select(pl.col("core").str.to_lowercase().str.extract(
        r"(thousand|million|billion|trillion|bn)s?$").replace_strict(
        {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12},
        default=1.0, return_dtype=pl.Float64))[:, 0]
    wscale = pl.repeat(1.0, df.height, dtype=pl.Float64, eager=True).scatter(wi, wscale)
    df = df.with_columns((pl.col("sc_mult") * wscale).alias("tscale")).with_columns(
        (pl.col("tscale") == 1.0).alias("unscaled"))
    df = df.with_columns(
        pl.when(pl.col("kind") == "money").then(pl.col("currency")).alias("currency"),
        pl.when(pl.col("kind") == "quantity").then(pl.col("normalized_unit"))
        .alias("normalized_unit"),
        (pl.col("start") - pl.col("pre_len")).alias("start"),
        (pl.col("end") + pl.col("grow")).alias("end"),
    )
    # only the columns still needed: filters, sorts and gathers copy every column
    df = _filter_false_friends(df.select(_KEEP))
    df = _share_units(_merge_ranges(_merge_feet_inches(_merge_cents(_merge_ratios(df))), lex))
    # "2,000.45±0.01" is the range 2000.44 .. 2000.46
    pm = pl.col("pm").abs() * (pl.col("value") / pl.col("num")).abs()
    unc = pl.col("pm").is_not_null() & pl.col("value_max").is_null() & (pl.col("num") != 0)
    df = df.with_columns(
        pl.when(unc).then(pl.col("value") - pm).otherwise("value").alias("value"),
        pl.when(unc).then(pl.col("value") + pm).otherwise("value_max").alias("value_max"),
    )
    # 16.4 x 1e6 is 16399999.999999998 in floating point: 15 significant digits are kept
    df = df.with_columns(pl.col("value").round_sig_figs(15), pl.col("value_max").round_sig_figs(15))
    df = df.with_columns(
        pl.when(pl.col("kind") == "quantity")
        .then(pl.col("value") * pl.col("nfac") + pl.col("noff").fill_null(0.0))
        .alias("normalized_value"),
        pl.when(pl.col("qualifier").is_in(["between", "from"])).then(None)
        .when(pl.col("vague") & pl.col("qualifier").is_null()).then(pl.lit("at_least"))
        .otherwise("qualifier").alias("qualifier"),
    )
    # only the published columns go through the filter and the sort (they gather every column);
    # the article id and text come by row number
    df = df.select([c for c in polars_schema(Figures) if c in df.columns] + ["_row"])
    df = df.filter(pl.col("value").is_not_null() & pl.col("value").is_finite()
                   & (pl.col("end") > pl.col("start")))
    # sorted by article id and start: one integer key (the ids' dense rank, then the start)
    rank = base["article_id"].rank("dense").cast(pl.Int64).gather(df["_row"])
    df = df[(rank * 2**32 + df["start"]).arg_sort()]
    out = df.with_columns(
        base["article_id"].gather(df["_row"]).alias("article_id"),
        texts.gather(df["_row"]).str.slice(df["start"], df["end"] - df["start"]).alias("text"))
    return conform(out, Figures)


_DATED_NOUNS = ["sale", "result", "revenue", "earning", "profit", "loss", "budget", "season",
                "election", "quarter", "campaign", "census", "game", "model", "edition", "version",
                "figure", "estimate", "forecast", "report", "plan", "deadline", "target", "law",
                "act", "olympic", "cup", "championship", "tournament", "survey", "poll", "vote",
                "level", "price", "rate", "record", "agreement", "deal", "accord", "class",
                "graduate", "winner", "nominee", "draft", "release", "crisis", "war", "attack"]
_KEEP = ["_row", "fid", "start", "end", "left", "right", "core", "pre_len", "grow",
         "num", "vague", "unscaled", "tscale", "kind", "value", "unit", "currency", "qunit", "noun",
         "normalized_unit", "nfac", "noff", "period", "qualifier", "direction", "pm"]
_MONTHS = (r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)(?:[a-z]*)(?:[ \t]?\.)?")
_ID_WORDS = (r"(?:nos?[ \t]?\.|#|article|section|chapter|title|page|flight|room|route|interstate|"
             r"highway|proposition|prop\.|amendment|episode|season|vol\.|volume|level|phase|"
             r"category|grade|bill|resolution|rule|act|gen|windows|iphone|galaxy|series|model|"
             r"type|district|ward|precinct|apollo|version|v\.|covid|sars-cov|h\dn|pixel|xbox|"
             r"playstation|studio|channel|region|zone|block|suite|apt\.?|apartment|"
             r"p\.o\.|su|mig|tu|kh|exit|gate|terminal|platform|seat|row|figure|fig\.|table|"
             r"item|step|stage|round|pier|line|bus|tram|pick)")


_RIGHT_DROP = (r"^(?::\d|/\d|\.\d+\.\d|[-.]\d+[-.]\d|[ \t]*(?i:a\.?m\b|p\.?m\b)"
               r"|(?i:st|nd|rd|th)\b|\S*%[0-9A-F]{2}"
               # addresses ("the 3600 block of West Baker"), names ("the 60 Plus Association")
               r"|[ \t]+block[ \t]+of[ \t]+[A-Z0-9]|[ \t]+Plus[ \t]+[A-Z]"
               r"|[ \t]+(?:[A-Z][a-z]+[ \t]+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|"
               r"Blvd|Lane|Drive|Dr|Way|Place|Court|Highway)\b)")


def _filter_false_friends(df: pl.DataFrame) -> pl.DataFrame:
    """Drop dates, times, ordinals, years, model names, ids, phone numbers, pronoun 'one'.
    Each regex pass costs about as much as the rest of a rule: rules that hold for few rows
    test their cheap part first and run their regexes only on those rows (`_few_rules`)."""
    core, num = pl.col("core"), pl.col("num")
    df = df.with_columns(
        pl.col("left").str.slice(0, pl.col("left").str.len_chars() - pl.col("pre_len"))
        .alias("_lraw"),
        core.str.contains(r"^\d").alias("_dig"),
        (pl.col("kind") != "money").alias("_nocur"),
        core.str.len_chars().alias("_clen"),
    )
    right, lraw = pl.col("right"), pl.col("_lraw")
    no_cur, is_digit, clen = pl.col("_nocur"), pl.col("_dig"), pl.col("_clen")
    yr = (clen == 4) & (num >= 1800) & (num <= 2100) & pl.col("unscaled")
    df = df.with_columns(computed_where(df, yr, core.str.contains(r"^\d+$")).alias("_year"))
    one_ratio, rare = _rare_cases(df)
    year_like = pl.col("_year")
    small_day = is_digit & (num <= 31)
    drop = (
        ((pl.col("grow") == 0) & is_digit & right.str.contains(r"^[A-Za-z]"))
        | (is_digit & no_cur & lraw.str.contains(
            # (capitalised names: "No 1", "Number 10", "Radio 2", "Formula 1", "Day 1")
            rf"(?i)(?:^|[^\w])(?:{_ID_WORDS}|(?-i:No|Number|Radio|Formula|Day|Camp|Mark))"
            r"[ \t]*-?[ \t]*$"))
        # times, dates, ids, phone numbers
        # (one regex each side: times, ordinals, streets, URL-escapes; "12:", "3/", "+1")
        | right.str.contains(_RIGHT_DROP)
        | lraw.str.contains(r"(?:\d[:/]|\d[-.]\d+[-.]|\d\.|\+|\^[-+]?)$|(?:https?://|www\.)\S*$")
        | small_day & right.str.contains(
            r"^[ \t]+(?:January|February|March|April|May|June|July|August|September|October|"
            r"November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b")
        # years: bare 4-digit numbers 1800-2100 with no unit, money or noun, or before a
        # dated noun ("1988 sales", "the 2024 election"); news writes counts from 1,000 with
        # a comma, so a comma-less year before any noun is a modifier ("its 2005 profit
        # forecasts", "the race for 2020 starts") unless a qualifier or direction makes it a
        # count ("some 2000 people", "rose 1900 jobs")
        | (year_like & (pl.col("kind") == "count") & (
            pl.col("unit").is_in(_DATED_NOUNS)
            | (pl.col("unit").is_not_null() & pl.col("direction").is_null()
               & (pl.col("qualifier").is_null() | pl.col("qualifier").is_in(["from", "between"])))))
        | pl.lit(rare)
        | pl.lit(_few_rules(df, one_ratio))
        | core.is_in(["24/7", "9/11", "7/7", "50/50", "24 / 7", "50 / 50"])
        | core.str.contains(r"^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$")
    )
    return df.filter(~drop.fill_null(False)).drop("_lraw", "_dig", "_nocur", "_clen", "_year")


def _few_rules(df: pl.DataFrame, one_ratio: pl.Series) -> pl.Series:
    """Figures to drop by rules whose cheap part holds for few rows: those rows are picked
    by index, the regexes run on them only and the hits are scattered back (a `when/then`
    guard copies a whole string column per regex).

    Pronoun "one" ("one of them", "the one", "no one", "an ongoing one", "one can only hope"),
    clock times ("0500 GMT", "0900 local time", "at 0630"), list numbering at a line start
    ("2. Joe Biden: ..."), names with numbers ("Six Nations", "Formula One", "Air Force One":
    a capitalised number word with no counted noun, not at a sentence start; "the 60 Plus
    Association", "the 100 Club"), and the rest of `_filter_false_friends`' rules with a
    cheap part: digits glued to letters, dates, years, "a third term", vague plurals with no
    "of", spoken times, ZIP codes, list markers."""
    core, right, lraw, unit = pl.col("core"), pl.col("right"), pl.col("_lraw"), pl.col("unit")
    count, is_digit, no_cur = pl.col("kind") == "count", pl.col("_dig"), pl.col("_nocur")
    clen, num = pl.col("_clen"), pl.col("num")
    one = core.is_in(_ONE) & unit.is_null()
    day = is_digit & (num <= 31) & no_cur & unit.is_null()
    rules = (
        (one, (
            right.str.contains(
                r"(?i)^[ \t]+(?:of|another|or|by|in|at|after|who|that|which|is|was|has|thing|"
                r"last|more[ \t]+time|can|could|may|might|must|shall|should|would|will|cannot|"
                r"up|else)\b"
                # "one-time", "one-off", "one-sided" (compound words), "one . tel" (a name),
                # "one's vote"
                r"|^[ \t]*[-.][ \t]*[a-z]|^[’']s\b")
            | lraw.str.contains(
                r"(?i)(?:the|this|that|which|any|every|each|no|some|someone|anyone|one|'s|"
                r"next|last|previous|current|right|wrong|only|same|other|big|little|new|old|"
                r"good|bad|best|worst|favou?rite|lucky|special|(?:^|\W)(?:what|either|"
                r"number))[ \t]+$|(?:^|\W)(?:no|on)[-‐][ \t]*$")
            # "bought one on a net firm", "one for the future"; not in a list of counts
            # ("two from China, one from Mauritius")
            | (right.str.contains(r"(?i)^[ \t]+(?:on|for|from|with|about|like)\b")
               & ~lraw.str.contains(
                   r"(?i)\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|dozen)\b"))
            # "an ongoing one", "a very fair one", "the most important one" (no noun
            # follows: `unit` is null), not "the ratio of one", "the answer is one"
            | (lraw.str.contains(
                r"(?i)(?:^|\W)(?:an?|the|this|that|its|his|her|their|our|my|your)[ \t]+"
                r"(?:[a-z]+[ \t]+)?[a-z]+[ \t]+$")
               & ~lraw.str.contains(
                r"(?i)(?:^|\W)(?:of|to|by|than|from|at|in|on|for|with|and|or|but|about|least|"
                r"most|nearly|almost|just|over|under|around|only|exactly|into|between|among|"
                r"per|plus|minus|times|is|was|are|were|be|been|being|has|have|had|equals?|"
                r"totals?|hit|hits|reached|got|gets|get|won|lost|scored|killed|became|"
                r"remains|stands|stood|as|said|says|ranked|rated)[ \t]+$"))
            # "Obama, for one, ..."
            | (lraw.str.contains(r"(?i)(?:^|\W)for[ \t]+$")
               & right.str.contains(r"^[ \t]*[,;:)—–]")))),
        # clock times
        # (a bare year is dropped anyway: "1800 GMT")
        ((clen == 4) & no_cur & ~pl.col("_year"),
         core.str.contains(r"^(?:[01]\d|2[0-3])[0-5]\d$") & (
            right.str.contains(
                r"^[ \t]*(?:(?:GMT|UTC|BST|CET|CEST|EST|EDT|CST|CDT|MST|MDT|PST|PDT|IST|JST|"
                r"AEST|AEDT|hrs|Z)\b|local[ \t]+time\b)")
            | core.str.starts_with("0") & lraw.str.contains(
                r"(?i)(?:^|\W)(?:at|by|from|until|till|before|after|since|around|\()[ \t]*$"))),
        # list numbering
        ((clen <= 2) & is_digit & count & unit.is_null() & right.str.starts_with("."),
         core.str.contains(r"^\d{1,2}$") & right.str.contains(r"^\.[ \t]+[A-Z\"“‘'(]")
         & lraw.str.contains(r"(?:^|\n)[ \t]*$")),
        # names
        (count & ~is_digit & unit.is_null() & core.is_in(_CAP_WORDS),
         ~lraw.str.contains(r"(?:^|[.!?:;\"“”‘’'(\[\n—–•*|-])[ \t]*$")),
        (is_digit & no_cur & unit.is_null()
         & (lraw.str.ends_with("the ") | lraw.str.ends_with("The ")), right.str.contains(
            r"^[ \t]+(?:[A-Z][A-Za-z]+[ \t]+){1,2}(?:Association|Club|Society|Foundation|"
            r"Institute|Coalition|Alliance|Movement|Initiative|Council|Prize|Festival|"
            r"Challenge)\b")),
        # glued to letters: "A320", "F-16", "MiG-29", "COVID-19", "5G", "1960s"
        (is_digit & no_cur & lraw.str.contains(r"[A-Za-z][-−]?$"),
         ~lraw.str.contains(r"\d(?:k|K|M|bn|m)-$")),
        (right.str.starts_with("-"), lraw.str.contains(r"\d-$") & right.str.contains(r"^-\d")),
        (day, lraw.str.contains(rf"(?i)(?:^|\W){_MONTHS}[ \t]+$")
         # "on 1 may that year" (lower-cased text)
         | (lraw.str.contains(r"(?i)(?:^|\W)on[ \t]+$") & right.str.contains(
             r"(?i)^[ \t]+(?:january|february|march|april|may|june|july|august|september|"
             r"october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)"
             r"(?:[ \t]*[.,]|[ \t]|$)"))),
        # bare years and years after a preposition (see `_filter_false_friends`)
        (pl.col("_year") & no_cur & (pl.col("kind") != "percent"),
         unit.is_null() | lraw.str.contains(
            r"(?i)(?:in|since|by|of|from|until|till|during|before|after|the|and|early|late|"
            r"mid|to|between|year|fiscal|fy|,)[ \t]*-?$")),
        # "a third term" (ordinal) vs "a third of": bare a + fraction word needs "of"
        (core.str.contains(r"(?i)^an?[ \t]") & pl.col("kind").is_in(["count", "quantity"]),
         core.str.contains(
            r"(?i)(?:third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
            r"teenth|tieth|first|second)s?$")
         # (or a clause end: "a fifth.")
         & ~right.str.contains(r"^(?:[ \t]+of\b|[ \t]*(?:[.,;:!?)]|$))")),
        # vague plurals need "of": "hundreds of soldiers"; "millions" alone is not a figure
        (pl.col("vague"), ~right.str.contains(r"^[ \t]+of\b")),
        # "at one point three men ...": a time, not a spoken decimal
        ((clen >= 7) & core.str.contains(r"(?i)\spoint\s"),
         lraw.str.contains(r"(?i)(?:^|\W)(?:at|some)[ \t]+$")),
        ((clen == 2) & (lraw.str.ends_with("-") | lraw.str.ends_with("–")
                        | lraw.str.ends_with("/")), core.str.contains(r"^\d\d$")
         & lraw.str.contains(r"(?:^|\D)(?:1[89]|20)\d\d[-–/]$")),
        # US ZIP codes after a state abbreviation: "Cloud City, PA 23456"
        ((clen == 5) & no_cur, core.str.contains(r"^\d{5}$")
         & lraw.str.contains(r"(?:^|[\s,])[A-Z]{2}[ \t]+$")),
        # list markers with no opening bracket: "what 1 ) explains ... ; 2 ) cautions"
        ((clen <= 2) & is_digit & unit.is_null() & no_cur & right.str.contains(r"^[ \t]*\)"),
         core.str.contains(r"^\d{1,2}$") & ~lraw.str.contains("(", literal=True)),
    )
    out = pl.repeat(False, df.height, dtype=pl.Boolean, eager=True)
    df = df.select("core", "right", "_lraw", "unit", "kind", "_dig", "_nocur", "_clen", "_year",
                   "num", "vague")
    picks = df.select(*[cond.fill_null(False).alias(str(i))
                        for i, (cond, _) in enumerate(rules)])
    for i, (_, rule) in enumerate(rules):
        idx = picks[:, i].arg_true()
        if i == 0:  # "one in five", "one out of three": a ratio, not the pronoun
            idx = idx.filter(~one_ratio.gather(idx))
        hit = df[idx].select(rule.fill_null(False))[:, 0]
        out = out.scatter(idx.filter(hit), True)
    return out


_CAP_WORDS = ["One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
              "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen",
              "Eighteen", "Nineteen", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy",
              "Eighty", "Ninety", "Hundred", "Thousand"]
_ONE = ["one", "One", "oNe", "onE", "ONe", "OnE", "oNE", "ONE"]  # `to_lowercase() == "one"`


def _drop_early(df: pl.DataFrame) -> pl.Expr:
    """Rows to drop before the context passes: the years and month days that
    `_filter_false_friends` drops whatever those passes find. With no currency before the
    figure and only punctuation (or nothing) after it, no scale word, currency, percent sign,
    unit or counted noun can follow (`Lexicon.punct_free`), so the figure is a bare, unscaled
    count: a bare year 1800-2100 or a number up to 31 after a month name. (Rows are
    independent until that filter.)"""
    core = pl.col("core")
    bare = (pl.col("pre_cur").is_null() & core.str.contains(r"^\d")
            & pl.col("right").str.contains(rf"^[ \t]*(?:[{re.escape(_PUNCT)}]|$)"))
    year = (core.str.contains(r"^\d+$") & (core.str.len_chars() == 4) & (pl.col("num") >= 1800)
            & (pl.col("num") <= 2100))
    day = pl.lit(computed_where(df, bare & (pl.col("num") <= 31), pl.col("left").str.contains(
        rf"(?i)(?:^|\W){_MONTHS}[ \t]+$")))
    return bare & (year | day)


def _rare_cases(df: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    """Rules for rare figure forms, run on the few rows a cheap test picks and scattered back
    (per-row masks): "one" before "in five" / "out of three" (a ratio, not the pronoun), and
    figures to drop: "twenty-first" (ordinal), "several hundred" (vague), "10 / 12 / 2020"
    (tokenised date), "twenty-fifth anniversary" (a singular fraction word after a numerator
    other than one, unless "of" or a clause end follows: "three-fourth of")."""
    core, right, lraw = pl.col("core"), pl.col("right"), pl.col("_lraw")
    picks = df.select(
        core.is_in(_ONE).alias("one"),
        (core.str.contains(r"(?i)^(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
                           r"hundred|thousand|million|billion|dozen)$")
         | core.str.contains(_SINGULAR_DEN) | right.str.starts_with(" / ")
         | lraw.str.ends_with(" / ") | core.str.contains("/")).alias("rare"))
    # "a/b" in digits is a fraction below one ("2/3", "1 1/2", "1/40 of"), not a poll split
    # ("56/42", "41/57": two-digit numerators only over 16, 32, 64, 100, 1000) or a month/day
    # date ("9/13", "3/14": a month over a day 13..31 that is no usual denominator)
    num = core.str.extract(r"(\d+)[ \t]*/[ \t]*\d+$", 1).cast(pl.Int64, strict=False)
    den = core.str.extract(r"/[ \t]*(\d+)$", 1).cast(pl.Int64, strict=False)
    not_frac = ((num >= den) | ((num >= 10) & ~den.is_in([16, 32, 64, 100, 1000]))
                | ((num <= 12) & (den >= 13) & (den <= 31) & ~den.is_in([16, 20, 25])))
    out = []
    for name, rule in (
        ("one", right.str.contains(
            r"(?i)^[ \t]+(?:in|out[ \t]+of)[ \t]+(?:\d|(?:an?[ \t]+)?(?:hundred|thousand|million|"
            r"billion)|one|two|three|four|five|six|seven|eight|nine|ten|twenty)")),
        ("rare", (core.str.contains(r"(?i)^(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|"
                                    r"ninety)$")
                  & right.str.contains(r"^[ \t]*-[ \t]*(?i:first|second)\b"))
         | (core.str.contains(r"(?i)^(?:hundred|thousand|million|billion|dozen)$")
            & lraw.str.contains(r"(?i)(?:several|few|many|baker's|square)[ \t]+$"))
         | right.str.contains(r"^ / \d{1,4} / \d") | lraw.str.contains(r"\d / \d{1,2} / $")
         | (lraw.str.contains(r"\d / $") & right.str.contains(r"^ / \d"))
         | not_frac
         | (core.str.contains(_SINGULAR_DEN) & right.str.contains(r"^[ \t]+[A-Za-z]")
            & ~right.str.contains(r"^[ \t]+of\b")
            & (~core.str.contains(r"(?i)^(?:one|a|an)[ \t-]+\S+$")
               | core.str.contains(r"(?i)(?:hundredth|thousandth|illionth)$")
               | lraw.str.contains(r"(?i)\bthe[ \t]+$")))),
    ):
        idx = picks[name].arg_true()
        hit = df.select(core, right, lraw)[idx].select(rule.fill_null(False))[:, 0]
        out.append(pl.repeat(False, df.height, dtype=pl.Boolean, eager=True)
                   .scatter(idx.filter(hit), True))
    return out[0], out[1]


_SINGULAR_DEN = (r"(?i)(?:third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|"
                 r"twelfth|teenth|tieth|first|second|hundredth|thousandth|illionth)$")
_OR_EQ = r"(?:[ \t]+or[ \t]+equal[ \t]+(?:to|than))?"
_UPPER = (rf"(?:less|fewer|lower|smaller)(?:[ \t]+or[ \t]+equal)?[ \t]+(?:than|to){_OR_EQ}"
          r"|below|under|at[ \t]+most|no[ \t]+more[ \t]+than|not[ \t]+more[ \t]+than|up[ \t]+to")
_LOWER = (rf"(?:more|greater|higher|larger|bigger)(?:[ \t]+or[ \t]+equal)?[ \t]+(?:than|to)"
          rf"{_OR_EQ}|above|over|at[ \t]+least|no[ \t]+less[ \t]+than|not[ \t]+less[ \t]+than")


def _next_pairs(df: pl.DataFrame, cand: pl.Expr, max_gap: int) -> tuple[pl.Series, pl.Series]:
    """Rows (in `fid` order) where `cand` holds for a row and the next figure of the same
    article at most `max_gap` characters on: their indices and the gap texts (gathered for the
    few candidates only; shifting every context string costs more than the whole merge)."""
    gap_len = pl.col("start").shift(-1) - pl.col("end")
    cand = (cand & (gap_len >= 1) & (gap_len <= max_gap)
            & (pl.col("_row") == pl.col("_row").shift(-1))).fill_null(False)
    idx = df.select(cand.alias("c"))["c"].arg_true()
    nx = df.select("left", "start")[idx + 1]
    glen = nx["start"] - df["end"].gather(idx)
    return idx, nx["left"].str.slice(nx["left"].str.len_chars() - glen)


def _absorb_next(df: pl.DataFrame, idx: pl.Series, value: pl.Series,
                 cols: tuple[str, ...] = ()) -> pl.DataFrame:
    """Rows `idx` take `value`, the next row's end (and `cols`); the next rows go."""
    if idx.len() == 0:
        return df
    nxt = idx + 1
    keep = pl.repeat(True, df.height, dtype=pl.Boolean, eager=True).scatter(nxt, False)
    return df.with_columns(
        df["value"].scatter(idx, value),
        df["end"].scatter(idx, df["end"].gather(nxt)),
        *[df[c].scatter(idx, df[c].gather(nxt)) for c in cols],
    ).filter(keep)


def _merge_cents(df: pl.DataFrame) -> pl.DataFrame:
    """ "3 dollars 50 cents", "thirteen dollars and forty-five cents", "15 dollars and 50."
    become one amount (the minor unit is a hundredth)."""
    df = df.sort("fid")
    n_val = pl.col("value").shift(-1)
    minor = ((pl.col("kind").shift(-1) == "money") & pl.col("unit").shift(-1).is_in(
        ["cent", "pence", "penny"])) | (
        (pl.col("kind").shift(-1) == "count") & pl.col("unit").shift(-1).is_null())
    cand = ((pl.col("kind") == "money") & pl.col("currency").is_not_null() & minor
            & (n_val >= 1) & (n_val < 100) & (n_val == n_val.floor()))
    idx, gap = _next_pairs(df, cand, 6)
    nx = df.select("kind", "right", "value")[idx + 1]
    ok = (gap.str.contains(r"^[ \t]+(?:and[ \t]+)?$")
          & ((nx["kind"] == "money") | nx["right"].str.contains(r"^[ \t]*(?:[.,;:!?)]|$)"))
            ).fill_null(False)
    idx = idx.filter(ok)
    return _absorb_next(df, idx, df["value"].gather(idx) + nx["value"].filter(ok) / 100)


def _merge_ratios(df: pl.DataFrame) -> pl.DataFrame:
    """ "one in five", "seven out of 10 voters", "1 over 3" become one fraction (1/5, 0.7, 1/3):
    two plain counts, the first with no counted noun; "in" and "out of" need the first to be
    at most the second ("five out of three pieces" stays two counts), "over" two bare numbers
    with a small numerator, the second closing the clause ("S&P 500 over 3000", "two over
    500 others" are comparisons)."""
    df = df.sort("fid")
    n_val = pl.col("value").shift(-1)
    bare = (pl.col("kind") == "count") & pl.col("unit").is_null() & ~pl.col("vague")
    n_count = (pl.col("kind").shift(-1) == "count") & ~pl.col("vague").shift(-1) & (n_val > 0)
    idx, gap = _next_pairs(df, bare & n_count & (pl.col("end") + 4 <= pl.col("start").shift(-1)),
                           10)
    nx = df.select("value", "unit", "right")[idx + 1]
    here = df["value"].gather(idx)
    word = gap.str.extract(r"^[ \t]+(in|out[ \t]+of|over)[ \t]+$", 1)
    # not inside a score or a run of numbers ("2 to 1 in three", "45–64 over 64"), not "in
    # three of those weeks"
    lraw = df.select(pl.col("left").str.slice(0, pl.col("left").str.len_chars()
                                              - pl.col("pre_len")))["left"].gather(idx)
    ok = ((((word == "over") & nx["unit"].is_null() & (here <= 10)
            & nx["right"].str.contains(r"^[ \t]*(?:[.,;:!?)]|$)"))
           | ((word == "in") | word.str.starts_with("out")) & (here <= nx["value"]))
          & ~lraw.str.contains(r"(?i)(?:\bto|[-–—\d%])[ \t]*$")
          & ~nx["right"].str.contains(r"^[ \t]+of\b")).fill_null(False)
    idx = idx.filter(ok)
    if idx.len():
        uns = df["unscaled"]
        df = df.with_columns(uns.scatter(idx, uns.gather(idx) & uns.gather(idx + 1)))
    return _absorb_next(df, idx, here.filter(ok) / nx["value"].filter(ok), ("unit",))


def _share_units(df: pl.DataFrame) -> pl.DataFrame:
    """ "45 and 50 mg", "3 or 4 percent", "2 or 3 million dollars": a bare number joined by
    "and"/"or" to a figure with a unit, currency or percent sign takes that unit (and its
    scale word when it is smaller than the second number)."""
    n_kind = pl.col("kind").shift(-1)
    cand = ((pl.col("kind") == "count") & pl.col("unit").is_null() & ~pl.col("vague")
            & pl.col("value_max").is_null() & n_kind.is_in(["quantity", "percent", "money"])
            & (pl.col("end") + 4 <= pl.col("start").shift(-1)))
    idx, gap = _next_pairs(df, cand, 5)
    idx = idx.filter(gap.str.contains(r"^[ \t]+(?:and|or)[ \t]+$").fill_null(False))
    if idx.len() == 0:
        return df
    nxt = idx + 1
    val, tscale = df["value"].gather(idx), df["tscale"].gather(nxt)
    scaled = (df["unscaled"].gather(idx) & (tscale > 1)
              & (val * tscale <= df["value"].gather(nxt)))
    return df.with_columns(
        df["value"].scatter(idx, pl.select(pl.when(scaled).then(val * tscale).otherwise(val))
                            .to_series()),
        *[df[c].scatter(idx, df[c].gather(nxt)) for c in
          ("kind", "unit", "currency", "normalized_unit", "nfac", "noff")],
    )


def _merge_feet_inches(df: pl.DataFrame) -> pl.DataFrame:
    """ "5 ft 2 in", "5 feet and 2 inches" become one length in feet (5 + 2/12)."""
    df = df.sort("fid")
    n_val = pl.col("value").shift(-1)
    cand = ((pl.col("unit") == "foot") & (pl.col("unit").shift(-1) == "inch")
            & (n_val >= 0) & (n_val < 12))
    idx, gap = _next_pairs(df, cand, 6)
    ok = gap.str.contains(r"^[ \t]+(?:and[ \t]+)?$").fill_null(False)
    idx = idx.filter(ok)
    return _absorb_next(df, idx, df["value"].gather(idx) + df["value"].gather(idx + 1) / 12)


_RANGE_COLS = ("value", "value_max", "start", "end", "kind", "unit", "currency",
               "normalized_unit", "nfac", "noff", "period", "qualifier", "direction")


def _merge_ranges(df: pl.DataFrame, lex: Lexicon) -> pl.DataFrame:
    """Join "3 to 4", "$100–115 million", "between 3 and 4", "-18 °C to -34 °C" into ranges.
    A change ("fell from 22% to 18%") stays two figures, both with the change's direction.
    Only figures with a neighbour at most 40 characters away can join: the rules run on
    those rows (`_range_rows`) and their results are scattered back."""
    df = df.sort("fid")
    gap_len = pl.col("start").shift(-1) - pl.col("end")
    near = ((pl.col("_row") == pl.col("_row").shift(-1)) & (gap_len >= 0) & (gap_len <= 40)
            ).fill_null(False)
    c = df.select(near.alias("c"))["c"]
    # only gaps holding a joiner word or sign can join (a superset of `_range_rows`' joiners,
    # bounds and changes); the gap text is found as there, for the near pairs only
    idx = c.arg_true()
    n_left = df["left"].gather(idx + 1)
    glen = (df["start"].gather(idx + 1) - df["end"].gather(idx)).clip(0, 40)
    gap = n_left.str.slice((n_left.str.len_chars() - df["pre_len"].gather(idx + 1) - glen)
                           .clip(lower_bound=0), glen)
    c = pl.repeat(False, df.height, dtype=pl.Boolean, eager=True).scatter(
        idx.filter(gap.str.contains(_JOIN_WORDS).fill_null(False)), True)
    pos = (c | c.shift(1, fill_value=False)).arg_true()
    df = df.with_columns(pl.lit(None, pl.Float64).alias("value_max"))
    if pos.len() == 0:
        return df
    sub = _range_rows(df[pos].with_columns(pos.alias("_pos")), lex)
    keep = pl.repeat(True, df.height, dtype=pl.Boolean, eager=True).scatter(
        pos, ~sub["merged_away"])
    df = df.with_columns(df[col].scatter(pos, sub[col]) for col in _RANGE_COLS).filter(keep)
    # ranges of years ("2013-14", "1990 to 2000") are dates
    yr = (pl.col("value_max").is_not_null() & (pl.col("kind") == "count")
          & (pl.col("value") >= 1800) & (pl.col("value") <= 2100)
          & pl.when(pl.col("value_max").is_not_null()).then(pl.col("core"))
          .str.contains(r"^\d{4}$"))
    return df.filter(~yr.fill_null(False))


_JOIN_WORDS = (r"(?i)[-–—~]|to|thr|and|less|fewer|lower|smaller|below|under|most|more|up|"
               r"greater|higher|larger|bigger|above|over|least")


def _range_rows(df: pl.DataFrame, lex: Lexicon) -> pl.DataFrame:
    """The range and change rules over figures in text order (`_pos`: their row numbers);
    returns every row with `merged_away` marking the upper ends taken into a range."""
    # the next row's fields are plain shifts, cut where the next row is not the next figure
    # of the same article (no window functions: `merge` needs `n_start`)
    df = df.with_columns(
        pl.when((pl.col("_row") == pl.col("_row").shift(-1))
                & (pl.col("_pos") + 1 == pl.col("_pos").shift(-1)))
        .then(pl.col("start").shift(-1)).alias("n_start"),
        pl.col("end").shift(-1).alias("n_end"),
        pl.col("left").shift(-1).alias("n_left"),
    )
    gap_len = pl.col("n_start") - pl.col("end")
    # the next row's `left` ends with its currency prefix ("$"), which its `start` covers
    n_end_left = pl.col("n_left").str.len_chars() - pl.col("pre_len").shift(-1)
    glen = gap_len.clip(0, 40)
    gap = pl.col("n_left").str.slice((n_end_left - glen).clip(lower_bound=0), glen)
    # (a column: the rules below test it five times)
    df = df.with_columns(pl.when((gap_len >= 0) & (gap_len <= 40)).then(gap).alias("_gap"))
    gap = pl.col("_gap")
    between = pl.col("qualifier") == "between"
    # "more than 10 and less than 20", "at most 100 and at least 20": two opposite bounds
    lower = pl.col("qualifier").is_in(["more_than", "at_least"])
    upper = pl.col("qualifier").is_in(["less_than", "at_most", "up_to"])
    link = r"(?i)^(?:,[ \t]*|[ \t]+)(?:(?:and|but)[ \t]+)?"
    bounds = (lower & gap.str.contains(rf"{link}(?:{_UPPER})[ \t]*$")
              & (pl.col("value") < pl.col("value").shift(-1))) | (
        upper & gap.str.contains(rf"{link}(?:{_LOWER})[ \t]*$")
        & (pl.col("value") > pl.col("value").shift(-1)))
    joiner = (gap_len <= 12) & gap.str.contains(
        r"^[ \t]*(?:-|–|—|~|to|-[ \t]*to|through|thru)[ \t]*$") | (
        between & gap.str.contains(r"^[ \t]+and[ \t]+$")) | bounds
    n = {c: pl.col(c).shift(-1) for c in
         ("kind", "unit", "value", "num", "unscaled", "tscale", "currency", "normalized_unit",
          "nfac", "noff", "period", "qunit", "noun")}
    bare = (pl.col("kind") == "count") & pl.col("unit").is_null()
    n_bare = (n["kind"] == "count") & n["unit"].is_null()
    compatible = (
        bare | n_bare
        | ((pl.col("kind") == n["kind"]) & (pl.col("unit") == n["unit"]))
        | ((pl.col("kind") == "count") & (n["kind"] == "count"))
    ) & ~(
        # a quantity tier before a price ("50 - $2.00 100 - $2.75") is no range of money
        bare & (n["kind"] == "money") & (pl.col("value") > n["value"] * n["tscale"].fill_null(1)))
    lraw = pl.col("left").str.slice(0, pl.col("left").str.len_chars() - pl.col("pre_len"))
    # the verb regex runs only where "from" precedes (other rows are null: skipped)
    change = (pl.when(pl.col("qualifier") == "from").then(lraw).str.contains(lex.change_re)
              & gap.str.contains(r"^[ \t]*to[ \t]*$") & compatible).fill_null(False)
    moved = (pl.when(n["value"] > pl.col("value")).then(pl.lit("up"))
             .when(n["value"] < pl.col("value")).then(pl.lit("down")))
    df = df.with_columns(
        pl.when(change).then(pl.coalesce("direction", moved)).otherwise("direction")
        .alias("direction"), change.alias("_change"))
    df = df.with_columns(
        pl.when(pl.col("_change").shift(1).fill_null(False))
        .then(pl.coalesce(pl.col("direction").shift(1), "direction")).otherwise("direction")
        .alias("direction"))
    df = df.with_columns((joiner & compatible & ~pl.col("_change")).fill_null(False)
                         .alias("merge"), bounds.fill_null(False).alias("bounds")).drop("_change")
    df = df.with_columns(
        (pl.col("merge") & ~pl.col("merge").shift(1).fill_null(False)).alias("merge"),
    ).with_columns(
        pl.col("merge").shift(1).fill_null(False).alias("merged_away"),
    )
    m = pl.col("merge")
    take_next = m & bare
    low_scaled = pl.when(m & pl.col("unscaled") & ~n["unscaled"]
                         & (pl.col("value") <= n["value"] / n["tscale"])
                         & (pl.col("kind") != "quantity"))
    df = df.with_columns(
        low_scaled.then(pl.col("value") * n["tscale"]).otherwise("value").alias("value"),
        pl.when(m).then(n["value"]).alias("value_max"),
        pl.when(m).then(pl.col("n_end")).otherwise("end").alias("end"),
        pl.when(take_next).then(n["kind"]).otherwise("kind").alias("kind"),
        pl.when(m).then(pl.coalesce(n["unit"], pl.col("unit"))).otherwise("unit").alias("unit"),
        pl.when(m).then(pl.coalesce("currency", n["currency"])).otherwise("currency")
        .alias("currency"),
        pl.when(take_next).then(n["normalized_unit"]).otherwise("normalized_unit")
        .alias("normalized_unit"),
        pl.when(take_next).then(n["nfac"]).otherwise("nfac").alias("nfac"),
        pl.when(take_next).then(n["noff"]).otherwise("noff").alias("noff"),
        pl.when(m).then(pl.coalesce(n["period"], pl.col("period"))).otherwise("period")
        .alias("period"),
        pl.when(m & between).then(
            pl.col("start") - pl.col("left").str.extract(r"(?i)(between[ \t]+)$")
            .str.len_chars().fill_null(0)).otherwise("start").alias("start"),
        pl.when(m & pl.col("bounds")).then(None).otherwise("qualifier").alias("qualifier"),
    )
    lo = pl.min_horizontal("value", "value_max")
    hi = pl.max_horizontal("value", "value_max")
    return df.with_columns(
        pl.when(pl.col("value_max").is_null()).then("value").otherwise(lo).alias("value"),
        pl.when(pl.col("value_max").is_null() | (lo == hi)).then(None).otherwise(hi)
        .alias("value_max"),
    )

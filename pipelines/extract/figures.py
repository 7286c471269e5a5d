"""Figures: money, percentages, counts and measured quantities, found with vectorised polars.

Pipeline (no Python loop per article or per match):

1. `regex_spans` finds number cores (digits with separators, fractions, number words with
   scale words, "hundreds of" ...) with character offsets.
2. Each core gets its left and right context (`str.slice`, characters); anchored regexes over
   the contexts find a currency before it, a scale abbreviation ("bn", "m"), a currency, percent
   sign or measurement unit after it, a counted noun, a rate period, a qualifier ("up to") and
   a direction verb ("rose") before it, and false friends (dates, times, ordinals, model names).
3. Number values are computed by tokenising cores, joining tokens against the number-word table
   and aggregating per core (`hundred`/`dozen` multiply, `thousand`.. close a segment,
   fraction words divide the numerator before them).
4. Adjacent figures joined by "to", "-", "–", "between .. and" or two opposite bounds ("more
   than 10 and less than 20") become ranges; "3 dollars 50 cents" becomes one amount.

Cores also cover spoken decimals ("two hundred point zero three"), scientific notation
("1.3x10^6"), tokenised digits ("80 , 000", "6 . 2") and glued currency codes ("USD115").
Hot paths avoid window functions and string-keyed joins (rows are numbered: `fid` for spans,
`_row` for articles) and materialise each extracted struct once.

Data (units, currencies, number and scale words, context words) lives in `seeds/figures/` and
is compiled once. Quantities are normalised to SI-like canonical units: m, m2, l, kg, s, °C,
m/s, W, J, Hz, B, Pa, V, Gy, Sv; money/percent/count have no normalised unit.
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

from pipelines.extract.spans import regex_spans
from schemas.tables import Figures, conform, empty

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "figures"
_CTX_LEFT = 48
_CTX_RIGHT = 96
_B = r"(?-u:\b)"  # ASCII word boundary: keeps the regex on the fast DFA path
_SP = r"[ \t\u00a0\u202f]"  # spaces inside a figure (no newlines)
_MILS = ["KWD", "BHD", "OMR", "JOD", "TND", "LYD", "IQD"]  # three minor digits
_MOD_OK = {"new", "additional", "extra", "separate", "different", "various", "consecutive",
           "successive", "total", "whole", "full", "main", "key", "major", "other"}


@dataclass(frozen=True)
class Lexicon:
    """Compiled seed data: regex sources and lookup tables."""

    core: str
    a_unit_re: str
    token: str
    words: dict[str, tuple[float, str]]
    vulgar: dict[str, float]
    scale_re: str
    scales: dict[str, tuple[float, bool]]
    cur_prefix_re: str
    cur_suffix_re: str
    cur_forms: dict[str, str]
    cur_word_re: str
    cur_words: dict[str, tuple[str | None, str | None]]
    unit_re: str
    units: dict[str, tuple[str, str | None, float | None, float | None]]
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
    vul = "[" + "".join(vulgar) + "]"
    # thousands groups (spaces, "1'049"), tokenised text ("80 , 000", "6 . 2"), plain digits
    dig = (r"\d{1,3}(?:[\u00a0\u202f ]\d{3}" + _B + r")+(?:[.,]\d+)?"
           r"|\d{1,3}(?:'\d{3}" + _B + r")+(?:[.,]\d+)?"
           r"|\d{1,3}(?: , \d{3}" + _B + r")+|\d+ \. \d+" + _B +
           r"|\d+(?:[.,]\d+)*(?:[eE][-+]?\d+" + _B + ")?")
    d = rf"(?:{_B}\d+/\d+{_B}|{_B}(?:{dig})(?:{_SP}+\d+/\d+{_B}|{_SP}?{vul})?|{vul})"
    smallw = rf"(?:{_B}{tens}(?:{_SP}*-{_SP}*|{_SP}+){ones}|{_B}{tens}|{_B}{teens}|{_B}{ones})"
    scale_plural = scalew[:-len(_B)] + "s?" + _B
    group = (rf"(?:(?:{smallw}|{d}|{_B}an?{_B}|{_B}half(?:{_SP}+an?)?{_B}|"
             rf"{_B}(?:an?{_SP}+)?quarter{_B}){_SP}+)?{_B}{scale_plural}"
             rf"(?:{_SP}+{_B}{scale_plural})*")
    and_frac = rf"{_SP}+and{_SP}+(?:an?|{smallw}){_SP}+{_B}{dens}"
    frac = rf"(?:{and_frac}|(?:{_SP}*-{_SP}*|{_SP}+){_B}{dens})"
    # a bare fraction word joins number words ("three quarters"), not digits ("1988 quarter")
    phrase = (rf"(?:{group}(?:{_SP}+and{_SP}+|{_SP}+))*"
              rf"(?:(?:{group}|{smallw})(?:{frac})?|{d}(?:{and_frac})?)"
              rf"(?:{_SP}+{_B}{scale_plural})?")
    a_den = rf"{_B}an?{_SP}+{dens}"
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
    sci = rf"{_B}\d+(?:\.\d+)?{_SP}*[x×]{_SP}*10{_SP}*(?:\^|\*\*)?{_SP}*[-−+]?\d+{_B}"
    core = (rf"(?i)(?:[-−]|{_B}(?:minus|negative){_SP}+)?"
            rf"(?:{vague}|{sci}|{spoken}|{phrase}|{a_den}|{a_unit}|(?-u:\B)\.\d+"
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
    scale_re = (rf"^(?P<all>{_SP}?(?P<s1>{_alt(multi)})|(?P<s2>{'|'.join(single)}))"
                r"(?:[^\w]|$)")

    cur_forms: dict[str, str] = {}
    pre_cs: list[str] = []
    pre_ci: list[str] = []
    suf_cs: list[str] = []
    suf_ci: list[str] = []
    for r in _read_csv("currencies.csv"):
        f, cs = r["form"], r["case"] == "cs"
        cur_forms[f if cs else f.lower()] = r["code"]
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
    cur_suffix_re = (rf"^(?P<all>{_SP}*(?P<cur>(?-i:{_alt(suf_cs)})|(?i:{_alt(suf_ci)})))"
                     r"(?:[^\w]|$)")
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
            cs = r["case"] == "cs" or len(f) == 1 or f in ("in", "ms")
            # every form shows the unit's one canonical name ("km", "kilometers" -> "kilometre")
            units[f if cs else f.lower()] = (r["unit"], norm, fac, off)
            (u_cs if cs else u_ci).append(f)
    unit_re = (rf"^(?P<all>(?:{_SP}*|-)(?P<unit>(?-i:{_alt(u_cs)})|(?i:{_alt(u_ci)})))"
               r"(?P<next>[^\w]|$)")

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
        core=core, a_unit_re=rf"^(?i:(an?){_SP}+(?:{_alt(a_words)}))$", token=token,
        words=words, vulgar=vulgar, scale_re=scale_re, scales=scales,
        cur_prefix_re=cur_prefix_re, cur_suffix_re=cur_suffix_re, cur_forms=cur_forms,
        cur_word_re=cur_word_re, cur_words=cur_words, unit_re=unit_re, units=units,
        qual_re=qual_re, quals=quals, dir_re=dir_re, dirs=dirs, period_re=period_re,
        periods=periods, not_period=not_period, change_re=change_re,
        irregular={k: v for k, v in lex["irregular_plurals"].items()},
        not_nouns=frozenset(str(lex["not_nouns"]).split()),
    )


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


def _core_values(rows: pl.DataFrame, lex: Lexicon) -> pl.DataFrame:
    """Value of every core (`fid`, `core`): tokens joined to number words and aggregated."""
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
    rows = rows.filter(~pl.col("simple") & pl.col("word").is_null()).select("fid", "core")
    sci = rows.filter(pl.col("core").str.contains(r"[x×]\s*10"))
    if sci.height:
        parts = pl.col("core").str.extract_groups(
            r"^(?P<m>\d+(?:\.\d+)?)\s*[x×]\s*10\s*(?:\^|\*\*)?\s*(?P<e>[-−+]?\d+)$")
        fast = pl.concat([fast, sci.select(
            "fid", (parts.struct.field("m").cast(pl.Float64) * pl.lit(10.0).pow(
                parts.struct.field("e").str.replace("−", "-").cast(pl.Float64))).alias("num"))])
        rows = rows.filter(~pl.col("fid").is_in(sci["fid"].implode()))
    spoken = rows.filter(pl.col("core").str.contains(r"(?i)\spoint\s"))
    if spoken.height:
        fast = pl.concat([fast, _spoken_decimals(spoken, lex)])
        rows = rows.filter(~pl.col("fid").is_in(spoken["fid"].implode()))
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
            # runs of number words ("twenty three"); "and" starts a new run
            (pl.col("first") | (pl.col("ty") != "small") | pl.col("after_and")).cast(pl.Int32)
            .cum_sum().alias("run"),
        )
        .with_columns(
            pl.col("m").reverse().cum_prod().reverse().over("seg").alias("mprod"),
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
        .vstack(fast.filter(pl.col("num").is_not_null()))
    )


# ----------------------------------------------------------------------------- context

def _consume(df: pl.DataFrame, pattern: str, prefix: str, fields: list[str],
             cond: pl.Expr | None = None) -> pl.DataFrame:
    """Match an anchored pattern on `rest`; add `prefix_<field>` columns, advance `rest`."""
    ok = pl.col("_g").struct.field("all").is_not_null()
    if cond is not None:
        ok = ok & cond
    df = df.with_columns(pl.col("rest").str.extract_groups(pattern).alias("_g")).with_columns(
        *[pl.when(ok).then(pl.col("_g").struct.field(f)).alias(f"{prefix}_{f}") for f in fields],
        pl.when(ok).then(pl.col("_g").struct.field("all").str.len_chars()).otherwise(0)
        .cast(pl.Int64).alias(f"{prefix}_len"),
    )
    return df.drop("_g").with_columns(
        pl.col("rest").str.slice(pl.col(f"{prefix}_len")).alias("rest"),
        (pl.col("grow") + pl.col(f"{prefix}_len")).alias("grow"),
    )


def _singular(w: pl.Expr, irregular: dict[str, str]) -> pl.Expr:
    # irregular plurals first; then at most one of the regular rules applies (their outputs
    # never end in a plural "s" the next rule would strip again)
    return (
        w.str.to_lowercase().replace(irregular)
        .str.replace(r"^(.{2,})ies$", "${1}y")
        .str.replace(r"(ch|sh|x|ss|zz)es$", "${1}")
        .str.replace(r"([^sui])s$", "${1}")
    )


def _is_plural(w: pl.Expr, irregular: dict[str, str]) -> pl.Expr:
    return w.is_in(list(irregular)) | (
        w.str.ends_with("s") & ~w.str.contains(r"(?:ss|us|is|'s)$") & (w.str.len_chars() > 2)
    )


# ----------------------------------------------------------------------------- main

def extract_figures(articles: pl.DataFrame) -> pl.DataFrame:
    """Money, percent, count and quantity mentions of every article (schema `Figures`)."""
    lex = _lexicon()
    base = (articles.select("article_id", "text").filter(pl.col("text").is_not_null())
            .with_row_index("_row"))
    spans = regex_spans(base, lex.core, keys=("article_id", "_row"))
    if spans.is_empty():
        return empty(Figures)
    texts = base["text"]  # article text by row number: a gather, not a string-keyed join
    # "a gallon": the figure is "a"; the unit word goes back to the right context
    a_len = pl.col("match").str.extract(lex.a_unit_re, 1).str.len_chars()
    spans = spans.with_columns(
        pl.when(a_len.is_not_null()).then(pl.col("start") + a_len).otherwise("end").alias("end"),
        pl.when(a_len.is_not_null()).then(pl.col("match").str.slice(0, a_len))
        .otherwise("match").alias("match"))
    ctx_start = (pl.col("start") - _CTX_LEFT).clip(lower_bound=0)
    df = (
        spans.with_row_index("fid")
        .with_columns(texts.gather(spans["_row"]).alias("text"))
        .with_columns(
            pl.col("text").str.slice(ctx_start, pl.col("start") - ctx_start).alias("left"),
            pl.col("text").str.slice(pl.col("end"), _CTX_RIGHT).alias("right"),
        )
        .drop("text")
    )
    # letters glued before the digits go back to the left context ("USD115": a currency
    # prefix there, else dropped as glued to letters)
    # A leading hyphen glued to a word or number is not a minus sign ("F-16", "10-15").
    # Both fixes move characters from the match to the left context; they touch few rows,
    # so those rows are fixed apart and put back (rows are re-sorted by `fid` later).
    glued = (pl.col("match").str.extract(r"^([A-Z]{3}|Rs|RM)\d", 1).str.len_chars()
             .fill_null(0)
             + (pl.col("match").str.contains(r"^[-−]") & pl.col("left").str.contains(r"\w$"))
             .cast(pl.UInt32))
    df = df.with_columns(glued.alias("_gl"))
    fix = df.filter(pl.col("_gl") > 0)
    if fix.height:
        df = pl.concat([df.filter(pl.col("_gl") == 0), fix.with_columns(
            (pl.col("start") + pl.col("_gl")).alias("start"),
            (pl.col("left") + pl.col("match").str.slice(0, pl.col("_gl"))).alias("left"),
            pl.col("match").str.slice(pl.col("_gl")).alias("match"),
        )])
    df = df.drop("_gl")
    low = pl.col("match").str.to_lowercase()
    neg = low.str.contains(r"^(?:[-−]|minus|negative)")
    df = df.with_columns(
        # tokenised text: "1 . 6 billion" is 1.6 billion, "80 , 000" is 80,000
        pl.col("match").str.replace(r"^(?:[-−]|(?i:minus|negative)[ \t\u00a0\u202f]+)", "")
        .str.replace(r"[ \t\u00a0\u202f]*(?:±|\+/-).*$", "")
        .str.replace_all(r"(\d) ([.,]) (\d)", "${1}${2}${3}").alias("core"),
        pl.col("match").str.extract(r"(?:±|\+/-)[ \t\u00a0\u202f]*(\S+)$", 1)
        .cast(pl.Float64, strict=False).alias("pm"),
        neg.alias("neg"),
        low.str.contains(r"^(?:tens|dozens|hundreds|thousands|millions|billions|trillions)")
        .alias("vague"),
    )
    vals = _core_values(df.select("fid", "core"), lex)
    # values by fid (0..n-1): a scatter and a gather instead of a hash join
    by_fid = pl.repeat(None, spans.height, dtype=pl.Float64, eager=True).scatter(
        vals["fid"], vals["num"])
    df = df.with_columns(by_fid.gather(df["fid"]).alias("num")).filter(
        pl.col("num").is_not_null()).with_columns(
        pl.when(pl.col("neg")).then(-pl.col("num")).otherwise("num").alias("num")
    )

    # ---- left context: currency prefix, qualifier, direction
    cp = pl.col("left").str.extract_groups(lex.cur_prefix_re)
    df = df.with_columns(
        cp.struct.field("cur").alias("pre_cur"),
        cp.struct.field("pre").str.len_chars().fill_null(0).cast(pl.Int64).alias("pre_len"),
    )
    left2 = pl.col("left").str.slice(0, pl.col("left").str.len_chars() - pl.col("pre_len"))
    df = df.with_columns(left2.alias("left2"))
    qg = pl.col("left2").str.extract_groups(lex.qual_re)
    df = df.with_columns(
        qg.struct.field("q").str.to_lowercase().str.replace_all(r"\s+", " ")
        .replace_strict(lex.quals, default=None).alias("qualifier"),
        pl.col("left2").str.slice(
            0, pl.col("left2").str.len_chars()
            - qg.struct.field("qall").str.len_chars().fill_null(0)).alias("left3"),
    )
    d = pl.col("left3").str.extract(lex.dir_re, 1).str.to_lowercase()
    df = df.with_columns(d.replace_strict(lex.dirs, default=None).alias("direction"))

    # ---- right context: scale, currency, percent, unit, noun, period
    df = df.with_columns(pl.col("right").alias("rest"), pl.lit(0, pl.Int64).alias("grow"))
    has_pre = pl.col("pre_cur").is_not_null()
    sc = pl.col("rest").str.extract_groups(lex.scale_re)
    sc_tok = pl.coalesce(sc.struct.field("s1"), sc.struct.field("s2"))
    scale_tab = pl.DataFrame(
        {"sc_tok": list(lex.scales), "sc_mult": [m for m, _ in lex.scales.values()],
         "sc_needs": [n for _, n in lex.scales.values()]})
    df = df.with_columns(sc_tok.alias("sc_tok"), sc.struct.field("all").alias("sc_all"))
    df = df.join(scale_tab, on="sc_tok", how="left", maintain_order="left").with_columns(
        (pl.col("sc_mult").is_not_null() & (~pl.col("sc_needs") | has_pre)).alias("sc_ok")
    )
    df = df.with_columns(
        pl.when(pl.col("sc_ok")).then(pl.col("sc_all").str.len_chars()).otherwise(0)
        .cast(pl.Int64).alias("sc_len"),
        pl.when(pl.col("sc_ok")).then(pl.col("sc_mult")).otherwise(1.0).alias("sc_mult"),
    ).with_columns(
        pl.col("rest").str.slice(pl.col("sc_len")).alias("rest"),
        (pl.col("grow") + pl.col("sc_len")).alias("grow"),
    )
    # "hundreds of soldiers", "millions of dollars": look past "of"
    of_len = pl.col("rest").str.extract(r"^([ \t]+of)[ \t]").str.len_chars().fill_null(0)
    df = df.with_columns(
        pl.when(pl.col("vague")).then(pl.col("rest").str.slice(of_len)).otherwise("rest")
        .alias("rest")
    )
    df = _consume(df, lex.cur_suffix_re, "cs", ["cur"], cond=~has_pre)
    df = _consume(df, lex.cur_word_re, "cw", ["cur", "ster"],
                  cond=pl.col("cs_cur").is_null())
    # "pound" is money only with a scale, "sterling" or a currency sign; else it is a weight
    cw_low = pl.col("cw_cur").str.to_lowercase()
    pound_weight = cw_low.str.starts_with("pound") & pl.col("cw_ster").is_null() & ~has_pre & (
        (pl.col("sc_mult") == 1.0) & (pl.col("num") < 1_000_000) | pl.col("core").str.contains(
            r"(?i)^(?:one|two|three|four|five|six|seven|eight|nine|ten|\d{1,3}(?:\.\d+)?)$")
    ) & ~pl.col("core").str.contains(r"(?i)million|billion|thousand|trillion")
    df = df.with_columns(
        pl.when(pound_weight).then(pl.col("right").str.slice(pl.col("sc_len")))
        .otherwise("rest").alias("rest"),
        pl.when(pound_weight).then(pl.col("grow") - pl.col("cw_len")).otherwise("grow")
        .alias("grow"),
        pl.when(pound_weight).then(None).otherwise(pl.col("cw_cur")).alias("cw_cur"),
    )
    glued_p = pl.col("rest").str.contains(r"^p(?:[^\w]|$)") & ~has_pre \
        & pl.col("cs_cur").is_null() & pl.col("cw_cur").is_null()
    df = df.with_columns(
        pl.when(glued_p).then(pl.col("rest").str.slice(1)).otherwise("rest").alias("rest"),
        pl.when(glued_p).then(pl.col("grow") + 1).otherwise("grow").alias("grow"),
        glued_p.alias("pence_p"),
    )
    is_money = has_pre | pl.col("cs_cur").is_not_null() | pl.col("cw_cur").is_not_null() \
        | pl.col("pence_p")
    pct = (rf"^(?P<all>{_SP}*(?P<p>%|(?i:per{_SP}?cents?|per-cent|percents?|pct))"
           rf"(?P<pt>(?i:{_SP}+points?|{_SP}+point{_SP}+|-point))?|{_SP}+(?P<pp>(?i:percentage"
           rf"{_SP}+points?|pp|bps|basis{_SP}+points?)))(?:[^\w]|$)")
    df = _consume(df, pct, "pc", ["p", "pt", "pp"], cond=~is_money)
    is_pct = pl.col("pc_len") > 0
    # "in" is inches only at a clause end, before a dimension word ("2 1/2 in thick") or
    # after feet ("5 ft 2 in"); never before a number or other words ("2 in 10", "3 in a row")
    inch_ok = pl.col("rest").str.contains(
        r"^[ \t]*in(?:[ \t]*(?:[.,;:!?)\]]|$)|[ \t]+(?:thick|long|wide|tall|high|deep|across|"
        r"diameter|screens?|displays?|x|by|×)\b)") | pl.col("left").str.contains(
        r"(?i)\d[ \t]*(?:ft|feet|foot)[ \t]+(?:and[ \t]+)?$")
    df = _consume(df, lex.unit_re, "un", ["unit", "next"], cond=~is_money & ~is_pct & ~(
        pl.col("rest").str.contains(r"^[ \t]*in\b") & ~inch_ok))
    # a lone "C"/"F" is a temperature only for plausible values, not before "-", "." or "/"
    # ("777F", "800,000 F-Series", "2021 C.P.I.", "14.7C/ per security")
    lone_cf = pl.col("un_unit").is_in(["C", "F"]) & (
        (pl.col("num").abs() > 150) | pl.col("rest").str.contains(r"^[-./]\w")
        # SEC form names: "13F filing", "When must 13F be filed?"
        | pl.col("rest").str.contains(r"^[ \t]+(?:filings?|filers?|forms?|reports?|holdings?|"
                                      r"be|is|was|are)\b"))
    df = df.with_columns(
        pl.when(lone_cf).then(pl.col("rest").str.len_chars()).otherwise(0).alias("_undo"),
    ).with_columns(
        pl.when(pl.col("_undo") > 0).then(
            pl.col("right").str.slice(pl.col("grow") - pl.col("un_len"))).otherwise("rest")
        .alias("rest"),
        pl.when(pl.col("_undo") > 0).then(pl.col("grow") - pl.col("un_len")).otherwise("grow")
        .alias("grow"),
        pl.when(pl.col("_undo") > 0).then(None).otherwise("un_unit").alias("un_unit"),
    ).drop("_undo")
    is_unit = pl.col("un_unit").is_not_null()
    # ages: "5 years old", "90 day old", "6 weeks of age"
    age = pl.col("rest").str.extract(r"^((?:[ \t]+|-)old|[ \t]+of[ \t]+age)(?:[^\w]|$)", 1)
    df = df.with_columns(
        pl.when(is_unit).then(age.str.len_chars()).otherwise(0).fill_null(0).cast(pl.Int64)
        .alias("age_len")
    ).with_columns(
        pl.col("rest").str.slice(pl.col("age_len")).alias("rest"),
        (pl.col("grow") + pl.col("age_len")).alias("grow"),
    )
    # counted noun (not part of the span): "105 children", "three Russian soldiers"
    nn = pl.col("rest").str.extract_groups(
        r"^(?P<s1>(?:[ \t]+|-)(?P<w1>[A-Za-z][a-z]+(?:-[a-z]+)?))"
        r"(?P<s2>[ \t]+(?P<w2>[a-z]+(?:-[a-z]+)?))?")
    df = df.with_columns(nn.alias("nn")).with_columns(
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
    w1_bad = w1l.is_in(bad)
    w1_plural = _is_plural(w1l, lex.irregular)
    head2 = w2.is_not_null() & ~w2.is_in(bad) & _is_plural(w2, lex.irregular) & (
        ~w1_bad | w1l.is_in(list(_MOD_OK))) & ~w1l.str.ends_with("ly") & ~w1_plural \
        & ~w2.str.contains(numberish)
    head1 = w1.str.contains(r"^[a-z]") & ~w1_bad & ~w1l.str.contains(numberish) & (
        w1_plural | ((pl.col("num") == 1) & ~w1l.str.contains(r"(?:ly|ed|ing)$"))
    )
    noun_ok = ~is_money & ~is_pct & ~is_unit
    df = df.with_columns(
        (noun_ok & head2).fill_null(False).alias("noun2"),
        (noun_ok & head1).fill_null(False).alias("noun1"),
    ).with_columns(
        pl.when(pl.col("noun2")).then(w2).when(pl.col("noun1")).then(w1l).alias("head"),
    ).with_columns(
        pl.when(pl.col("noun2")).then(w1l + " ").otherwise(pl.lit(""))
        .add(_singular(pl.col("head"), lex.irregular)).alias("noun"),
        pl.when(pl.col("noun2")).then(pl.col("rest").str.slice(pl.col("n1_len")
                                                               + pl.col("n2_len")))
        .when(pl.col("noun1")).then(pl.col("rest").str.slice(pl.col("n1_len")))
        .otherwise("rest").alias("rest_after_noun"),
    )
    # rate period after the figure (and after a counted noun)
    df = df.with_columns(pl.col("rest_after_noun").str.extract_groups(lex.period_re)
                         .alias("_per"))
    per = pl.col("_per")
    p_word = pl.coalesce(per.struct.field("p1"), per.struct.field("p2")).str.to_lowercase()
    p_next = per.struct.field("next").str.strip_chars().str.to_lowercase()
    df = df.with_columns(
        pl.when(~p_next.is_in(lex.not_period.split("|")) | p_next.is_null()
                | per.struct.field("p1").is_null())
        .then(p_word.str.replace_all(r"\s+", " ").replace_strict(lex.periods, default=None))
        .alias("period"),
    )

    # ---- kind, unit, currency, normalisation
    cur_code = pl.coalesce(
        pl.col("pre_cur").replace_strict(lex.cur_forms, default=None),
        pl.col("pre_cur").str.to_lowercase().replace_strict(lex.cur_forms, default=None),
        pl.col("cs_cur").replace_strict(lex.cur_forms, default=None),
        pl.col("cs_cur").str.to_lowercase().replace_strict(lex.cur_forms, default=None),
    )
    ukey = _key(pl.col("un_unit"))
    df = df.with_columns(
        _key(pl.col("cw_cur").str.to_lowercase()).alias("_cw"),
        pl.when(ukey.is_in(list(lex.units))).then(ukey).otherwise(ukey.str.to_lowercase())
        .alias("_uk"),
    )
    cw_key, ukey2 = pl.col("_cw"), pl.col("_uk")

    def uget(i: int) -> pl.Expr:
        return ukey2.replace_strict({k: v[i] for k, v in lex.units.items()}, default=None)

    df = df.with_columns(
        pl.coalesce(cur_code, cw_key.replace_strict(
            {k: v[0] for k, v in lex.cur_words.items()}, default=None)).alias("currency"),
        cw_key.replace_strict({k: v[1] for k, v in lex.cur_words.items()}, default=None)
        .alias("money_word"),
        uget(0).alias("qunit"),
        uget(1).alias("normalized_unit"),
        uget(2).cast(pl.Float64).alias("nfac"),
        uget(3).cast(pl.Float64).alias("noff"),
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
    wscale = pl.col("core").str.to_lowercase().str.extract(
        r"(thousand|million|billion|trillion|bn)s?$").replace_strict(
        {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12},
        default=1.0, return_dtype=pl.Float64)
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
    df = _merge_ranges(_merge_feet_inches(_merge_cents(df)), lex)
    # "2,000.45±0.01" is the range 2000.44 .. 2000.46
    pm = pl.col("pm").abs() * (pl.col("value") / pl.col("num")).abs()
    unc = pl.col("pm").is_not_null() & pl.col("value_max").is_null() & (pl.col("num") != 0)
    df = df.with_columns(
        pl.when(unc).then(pl.col("value") - pm).otherwise("value").alias("value"),
        pl.when(unc).then(pl.col("value") + pm).otherwise("value_max").alias("value_max"),
    )
    df = df.with_columns(
        pl.when(pl.col("kind") == "quantity")
        .then(pl.col("value") * pl.col("nfac") + pl.col("noff").fill_null(0.0))
        .alias("normalized_value"),
        pl.when(pl.col("qualifier").is_in(["between", "from"])).then(None)
        .when(pl.col("vague") & pl.col("qualifier").is_null()).then(pl.lit("at_least"))
        .otherwise("qualifier").alias("qualifier"),
    )
    out = (
        df.with_columns(texts.gather(df["_row"]).alias("text"))
        .with_columns(pl.col("text").str.slice(pl.col("start"), pl.col("end") - pl.col("start")))
        .filter(pl.col("value").is_not_null() & pl.col("value").is_finite()
                & (pl.col("end") > pl.col("start")))
        .sort("article_id", "start")
    )
    return conform(out, Figures)


_DATED_NOUNS = ["sale", "result", "revenue", "earning", "profit", "loss", "budget", "season",
                "election", "quarter", "campaign", "census", "game", "model", "edition", "version",
                "figure", "estimate", "forecast", "report", "plan", "deadline", "target", "law",
                "act", "olympic", "cup", "championship", "tournament", "survey", "poll", "vote",
                "level", "price", "rate", "record", "agreement", "deal", "accord", "class",
                "graduate", "winner", "nominee", "draft", "release", "crisis", "war", "attack"]
_KEEP = ["article_id", "_row", "fid", "start", "end", "left", "right", "core", "pre_len", "grow",
         "num", "vague", "unscaled", "tscale", "kind", "value", "unit", "currency", "qunit", "noun",
         "normalized_unit", "nfac", "noff", "period", "qualifier", "direction", "pm"]
_MONTHS = (r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)(?:[a-z]*)\.?")
_ID_WORDS = (r"(?:no\.|nos\.|#|article|section|chapter|title|page|flight|room|route|interstate|"
             r"highway|proposition|prop\.|amendment|episode|season|vol\.|volume|level|phase|"
             r"category|grade|bill|resolution|rule|act|gen|windows|iphone|galaxy|series|model|"
             r"type|district|ward|precinct|apollo|version|v\.|covid|sars-cov|h\dn|pixel|xbox|"
             r"playstation|studio|channel|region|zone|block|suite|apt\.?|apartment|"
             r"p\.o\.|su|mig|tu|kh|exit|gate|terminal|platform|seat|row|figure|fig\.|table|"
             r"item|step|stage|round|pier|line|bus|tram|pick)")


_RIGHT_DROP = (r"^(?::\d|/\d|\.\d+\.\d|[-.]\d+[-.]\d|[ \t]*(?i:a\.?m\b|p\.?m\b)"
               r"|(?i:st|nd|rd|th)\b|\S*%[0-9A-F]{2}"
               r"|[ \t]+(?:[A-Z][a-z]+[ \t]+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|"
               r"Blvd|Lane|Drive|Dr|Way|Place|Court|Highway)\b)")


def _filter_false_friends(df: pl.DataFrame) -> pl.DataFrame:
    """Drop dates, times, ordinals, years, model names, ids, phone numbers, pronoun 'one'."""
    df = df.with_columns(
        pl.col("left").str.slice(0, pl.col("left").str.len_chars() - pl.col("pre_len"))
        .alias("_lraw"))
    right, core, lraw = pl.col("right"), pl.col("core"), pl.col("_lraw")
    no_cur = pl.col("kind") != "money"
    is_digit = core.str.contains(r"^\d")
    plain_int = core.str.contains(r"^\d+$")
    year_like = plain_int & (core.str.len_chars() == 4) & (pl.col("num") >= 1800) \
        & (pl.col("num") <= 2100) & pl.col("unscaled")
    drop = (
        # glued to letters: "A320", "F-16", "MiG-29", "COVID-19", "5G", "1960s"
        (lraw.str.contains(r"[A-Za-z]-?$") & ~lraw.str.contains(r"\d(?:k|K|M|bn|m)-$")
         & no_cur & is_digit)
        | (right.str.contains(r"^[A-Za-z]") & (pl.col("grow") == 0) & is_digit)
        | lraw.str.contains(rf"(?i)(?:^|[^\w]){_ID_WORDS}[ \t]*-?[ \t]*$") & is_digit & no_cur
        # times, dates, ids, phone numbers
        # (one regex each side: times, ordinals, streets, URL-escapes; "12:", "3/", "+1")
        | right.str.contains(_RIGHT_DROP)
        | lraw.str.contains(r"(?:\d[:/]|\d[-.]\d+[-.]|\d\.|\+|\^[-+]?)$|(?:https?://|www\.)\S*$")
        | (lraw.str.contains(r"\d-$") & right.str.contains(r"^-\d"))
        | (lraw.str.contains(rf"(?i)(?:^|\W){_MONTHS}[ \t]+$") & is_digit
           & (pl.col("num") <= 31) & no_cur & (pl.col("unit").is_null()))
        | (right.str.contains(r"^[ \t]+(?:January|February|March|April|May|June|July|August|"
                              r"September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|"
                              r"Aug|Sept?|Oct|Nov|Dec)\b") & is_digit & (pl.col("num") <= 31))
        # years: bare 4-digit numbers 1800-2100 with no unit, money or noun, or before a
        # dated noun ("1988 sales", "the 2024 election")
        | (year_like & (pl.col("kind") == "count") & pl.col("unit").is_in(_DATED_NOUNS))
        | (year_like & no_cur & (pl.col("kind") != "percent")
           & (pl.col("unit").is_null() | lraw.str.contains(
               r"(?i)(?:in|since|by|of|from|until|till|during|before|after|the|and|early|late|"
               r"mid|to|between|year|fiscal|fy|,)[ \t]*-?$")))
        # "one of them", "the one", "no one", "one another"
        | ((core.str.to_lowercase() == "one") & pl.col("unit").is_null()
           & (right.str.contains(r"(?i)^[ \t]+(?:of|another|or|by|in|at|after|who|that|"
                                 r"which|is|was|has|thing|last|more[ \t]+time)\b")
              | lraw.str.contains(r"(?i)(?:the|this|that|which|any|every|each|no|some|"
                                  r"someone|anyone|one|'s|next|last|previous|current|right|"
                                  r"wrong|only|same|other|big|little|new|old|good|bad|best|"
                                  r"worst|favou?rite|lucky|special)[ \t]+$")))
        # "a third term" (ordinal) vs "a third of": bare a + fraction word needs "of"
        | (core.str.contains(r"(?i)^an?[ \t]") & pl.col("kind").is_in(["count"])
           & core.str.contains(r"(?i)(?:third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)s?$")
           & ~right.str.contains(r"^[ \t]+of\b"))
        # vague plurals need "of": "hundreds of soldiers"; "millions" alone is not a figure
        | (pl.col("vague") & ~right.str.contains(r"^[ \t]+of\b"))
        | core.is_in(["24/7", "9/11", "7/7", "50/50"])
        | core.str.contains(r"^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$")
        # "at one point three men ...": a time, not a spoken decimal
        | (core.str.contains(r"(?i)\spoint\s")
           & lraw.str.contains(r"(?i)(?:^|\W)(?:at|some)[ \t]+$"))
        | (lraw.str.contains(r"(?:^|\D)(?:1[89]|20)\d\d[-–/]$") & core.str.contains(r"^\d\d$"))
    )
    return df.filter(~drop.fill_null(False)).drop("_lraw")


_OR_EQ = r"(?:[ \t]+or[ \t]+equal[ \t]+(?:to|than))?"
_UPPER = (rf"(?:less|fewer|lower|smaller)(?:[ \t]+or[ \t]+equal)?[ \t]+(?:than|to){_OR_EQ}"
          r"|below|under|at[ \t]+most|no[ \t]+more[ \t]+than|not[ \t]+more[ \t]+than|up[ \t]+to")
_LOWER = (rf"(?:more|greater|higher|larger|bigger)(?:[ \t]+or[ \t]+equal)?[ \t]+(?:than|to)"
          rf"{_OR_EQ}|above|over|at[ \t]+least|no[ \t]+less[ \t]+than|not[ \t]+less[ \t]+than")


def _merge_cents(df: pl.DataFrame) -> pl.DataFrame:
    """ "3 dollars 50 cents", "thirteen dollars and forty-five cents", "15 dollars and 50."
    become one amount (the minor unit is a hundredth)."""
    df = df.sort("fid")
    same = pl.col("article_id") == pl.col("article_id").shift(-1)
    gap_len = pl.col("start").shift(-1) - pl.col("end")
    n_left = pl.col("left").shift(-1)
    gap = n_left.str.slice(n_left.str.len_chars() - gap_len)
    n_val = pl.col("value").shift(-1)
    minor = ((pl.col("kind").shift(-1) == "money") & pl.col("unit").shift(-1).is_in(
        ["cent", "pence", "penny"])) | (
        (pl.col("kind").shift(-1) == "count") & pl.col("unit").shift(-1).is_null()
        & pl.col("right").shift(-1).str.contains(r"^[ \t]*(?:[.,;:!?)]|$)"))
    join = (same & (pl.col("kind") == "money") & pl.col("currency").is_not_null()
            & (gap_len >= 1) & (gap_len <= 6) & gap.str.contains(r"^[ \t]+(?:and[ \t]+)?$")
            & minor & (n_val >= 1) & (n_val < 100) & (n_val == n_val.floor())).fill_null(False)
    df = df.with_columns(join.alias("_cents"))
    return df.with_columns(
        pl.when(pl.col("_cents")).then(pl.col("value") + n_val / 100).otherwise("value")
        .alias("value"),
        pl.when(pl.col("_cents")).then(pl.col("end").shift(-1)).otherwise("end").alias("end"),
    ).filter(~pl.col("_cents").shift(1).fill_null(False)).drop("_cents")


def _merge_feet_inches(df: pl.DataFrame) -> pl.DataFrame:
    """ "5 ft 2 in", "5 feet and 2 inches" become one length in feet (5 + 2/12)."""
    df = df.sort("fid")
    gap_len = pl.col("start").shift(-1) - pl.col("end")
    n_left = pl.col("left").shift(-1)
    gap = n_left.str.slice(n_left.str.len_chars() - gap_len.clip(0, 8))
    n_val = pl.col("value").shift(-1)
    join = ((pl.col("article_id") == pl.col("article_id").shift(-1))
            & (pl.col("unit") == "foot") & (pl.col("unit").shift(-1) == "inch")
            & (gap_len >= 1) & (gap_len <= 6) & gap.str.contains(r"^[ \t]+(?:and[ \t]+)?$")
            & (n_val >= 0) & (n_val < 12)).fill_null(False)
    df = df.with_columns(join.alias("_ftin"))
    return df.with_columns(
        pl.when(pl.col("_ftin")).then(pl.col("value") + n_val / 12).otherwise("value")
        .alias("value"),
        pl.when(pl.col("_ftin")).then(pl.col("end").shift(-1)).otherwise("end").alias("end"),
    ).filter(~pl.col("_ftin").shift(1).fill_null(False)).drop("_ftin")


def _merge_ranges(df: pl.DataFrame, lex: Lexicon) -> pl.DataFrame:
    """Join "3 to 4", "$100–115 million", "between 3 and 4", "-18 °C to -34 °C" into ranges.
    A change ("fell from 22% to 18%") stays two figures, both with the change's direction."""
    # rows in text order (fid); the next row's fields are plain shifts, cut at article changes
    # (no window functions: `merge` needs `n_start`, which is null across articles)
    df = df.sort("fid").with_columns(
        pl.when(pl.col("article_id") == pl.col("article_id").shift(-1))
        .then(pl.col("start").shift(-1)).alias("n_start"),
        pl.col("end").shift(-1).alias("n_end"),
        pl.col("left").shift(-1).alias("n_left"),
    )
    gap_len = pl.col("n_start") - pl.col("end")
    # the next row's `left` ends with its currency prefix ("$"), which its `start` covers
    n_end_left = pl.col("n_left").str.len_chars() - pl.col("pre_len").shift(-1)
    glen = gap_len.clip(0, 40)
    gap = pl.col("n_left").str.slice((n_end_left - glen).clip(lower_bound=0), glen)
    gap = pl.when((gap_len >= 0) & (gap_len <= 40)).then(gap)
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
    )
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
    df = df.with_columns(
        pl.when(pl.col("value_max").is_null()).then("value").otherwise(lo).alias("value"),
        pl.when(pl.col("value_max").is_null() | (lo == hi)).then(None).otherwise(hi)
        .alias("value_max"),
    ).filter(~pl.col("merged_away"))
    # ranges of years ("2013-14", "1990 to 2000") are dates
    yr = (pl.col("core").str.contains(r"^\d{4}$") & (pl.col("value") >= 1800)
          & (pl.col("value") <= 2100) & pl.col("value_max").is_not_null()
          & (pl.col("kind") == "count"))
    return df.filter(~yr)

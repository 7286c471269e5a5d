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
4. Adjacent figures joined by "to", "-", "–" or "between .. and" become ranges.

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
_MOD_OK = {"new", "additional", "extra", "separate", "different", "various", "consecutive",
           "successive", "total", "whole", "full", "main", "key", "major", "other"}


@dataclass(frozen=True)
class Lexicon:
    """Compiled seed data: regex sources and lookup tables."""

    core: str
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


def _singular_words(form: str) -> str:
    """'square kilometers' -> 'square kilometer', 'feet' -> 'foot' (seed forms, load time)."""
    irregular = {"feet": "foot", "centuries": "century", "inches": "inch", "celsius": "celsius",
                 "kilos": "kilo", "hertz": "hertz", "lbs": "lb", "yds": "yd", "series": "series"}
    out = []
    for w in form.split(" "):
        if w in irregular:
            w = irregular[w]
        elif w.endswith("ies") and len(w) > 4:
            w = w[:-3] + "y"
        elif w.endswith(("ches", "shes", "xes")):
            w = w[:-2]
        elif w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 3:
            w = w[:-1]
        out.append(w)
    return " ".join(out)


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
    dig = (r"\d{1,3}(?:[\u00a0\u202f ]\d{3}" + _B + r")+(?:[.,]\d+)?"
           r"|\d+(?:[.,]\d+)*(?:[eE][-+]?\d+" + _B + ")?")
    d = rf"(?:{_B}\d+/\d+{_B}|{_B}(?:{dig})(?:{_SP}+\d+/\d+{_B}|{_SP}?{vul})?|{vul})"
    smallw = rf"(?:{_B}{tens}(?:{_SP}*-{_SP}*|{_SP}+){ones}|{_B}{tens}|{_B}{teens}|{_B}{ones})"
    scale_plural = scalew[:-len(_B)] + "s?" + _B
    group = (rf"(?:(?:{smallw}|{d}|{_B}an?{_B}|{_B}half(?:{_SP}+an?)?{_B}|"
             rf"{_B}(?:an?{_SP}+)?quarter{_B}){_SP}+)?{_B}{scale_plural}"
             rf"(?:{_SP}+{_B}{scale_plural})*")
    frac = (rf"(?:{_SP}+and{_SP}+(?:an?|{ones}){_SP}+{_B}{dens}"
            rf"|(?:{_SP}*-{_SP}*|{_SP}+){_B}{dens})")
    phrase = (rf"(?:{group}(?:{_SP}+and{_SP}+|{_SP}+))*(?:{group}|{smallw}|{d})"
              rf"(?:{frac})?(?:{_SP}+{_B}{scale_plural})?")
    a_den = rf"{_B}an?{_SP}+{dens}"
    vague = (rf"{_B}(?:tens|dozens|hundreds|thousands|millions|billions|trillions){_B}"
             rf"(?:{_SP}+of{_SP}+(?:thousands|millions|billions){_B})?")
    core = (rf"(?i)(?:[-−]|{_B}(?:minus|negative){_SP}+)?"
            rf"(?:{vague}|{phrase}|{a_den}|(?-u:\B)\.\d+)")
    token = (rf"\d+/\d+|\d{{1,3}}(?:[\u00a0\u202f ]\d{{3}}{_B})+(?:[.,]\d+)?"
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
            shown = _singular_words(f) if re.fullmatch(r"[a-z][a-z -]{3,}", f) else r["unit"]
            units[f if cs else f.lower()] = (shown, norm, fac, off)
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
    return Lexicon(
        core=core, token=token, words=words, vulgar=vulgar, scale_re=scale_re, scales=scales,
        cur_prefix_re=cur_prefix_re, cur_suffix_re=cur_suffix_re, cur_forms=cur_forms,
        cur_word_re=cur_word_re, cur_words=cur_words, unit_re=unit_re, units=units,
        qual_re=qual_re, quals=quals, dir_re=dir_re, dirs=dirs, period_re=period_re,
        periods=periods, not_period=not_period,
        irregular={k: v for k, v in lex["irregular_plurals"].items()},
        not_nouns=frozenset(str(lex["not_nouns"]).split()),
    )


# ----------------------------------------------------------------------------- values

def _digit_value(t: pl.Expr) -> pl.Expr:
    """Float value of a digit token: thousands separators, decimal comma, a/b fractions."""
    s = t.str.replace_all(r"[\u00a0\u202f ]", "")
    both = s.str.contains(",") & s.str.contains(r"\.")
    euro_both = both & s.str.contains(r",\d+$")
    only_comma = s.str.contains(",") & ~s.str.contains(r"\.")
    dec_comma = only_comma & s.str.contains(r"^\d+,\d{1,2}$")
    dot_thousands = s.str.contains(r"^\d{1,3}(?:\.\d{3}){2,}$")
    cleaned = (
        pl.when(euro_both).then(s.str.replace_all(r"\.", "").str.replace(",", "."))
        .when(both).then(s.str.replace_all(",", ""))
        .when(dec_comma).then(s.str.replace(",", "."))
        .when(only_comma & s.str.contains(r"^\d{1,3}(?:,\d{2})*,\d{3}(?:\.\d+)?$"))
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


def _core_values(rows: pl.DataFrame, lex: Lexicon) -> pl.DataFrame:
    """Value of every core (`fid`, `core`): tokens joined to number words and aggregated."""
    simple = pl.col("core").str.contains(r"^[\d.,\u00a0\u202f ]+$")
    single = {w: v for w, (v, t) in lex.words.items() if t == "small"}
    one_word = pl.col("core").str.to_lowercase().is_in(list(single))
    fast = pl.concat([
        rows.filter(simple).select("fid", _digit_value(pl.col("core")).alias("num")),
        rows.filter(one_word).select(
            "fid", pl.col("core").str.to_lowercase().replace_strict(single, return_dtype=pl.Float64)
            .alias("num")),
    ])
    rows = rows.filter(~simple & ~one_word)
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
        .filter(pl.col("tok").is_not_null() & ~pl.col("tok").is_in(["and", "of", "minus",
                                                                     "negative"]))
        .join(words.lazy(), on="tok", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("wtype").is_null()).then(_digit_value(pl.col("tok")))
            .otherwise(pl.col("wval")).alias("v"),
            pl.col("wtype").fill_null("small").alias("ty"),
        )
        .with_columns(pl.int_range(pl.len()).over("fid").alias("pos"))
        .with_columns(
            pl.col("ty").shift(-1).over("fid").alias("next_ty"),
            pl.col("v").shift(-1).over("fid").alias("next_v"),
            pl.col("ty").shift(1).over("fid").alias("prev_ty"),
        )
        .with_columns(
            # a fraction word at the start ("half a million") multiplies the whole figure
            pl.when((pl.col("pos") == 0) & (pl.col("ty") == "den"))
            .then(1.0 / pl.col("v")).otherwise(1.0).alias("prefix_mult"),
            (pl.col("ty") == "big").cast(pl.Int32).alias("is_big"),
        )
        .with_columns(
            (pl.col("is_big").cum_sum().over("fid") - pl.col("is_big")).alias("seg"),
            pl.when(pl.col("ty") == "mult").then(pl.col("v")).otherwise(1.0).alias("m"),
        )
        .with_columns(
            pl.col("m").reverse().cum_prod().reverse().over(["fid", "seg"]).alias("mprod"),
        )
        .with_columns(
            pl.when(pl.col("ty") == "small").then(
                pl.when(pl.col("next_ty") == "den").then(pl.col("v") / pl.col("next_v"))
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
            ((pl.col("ty") == "small") & (pl.col("next_ty") != "den")).alias("whole"))
        .group_by("fid", "seg")
        .agg(pl.col("contrib").sum(), pl.col("bigv").max(), pl.col("has_small").any(),
             pl.col("prefix_mult").min(), pl.col("v").is_null().any().alias("bad"),
             pl.col("whole").any(), (pl.col("ty") == "den").any().alias("has_den"))
        .sort("fid", "seg")
        .with_columns(pl.col("bigv").shift(1).over("fid").alias("prev_big"))
        .with_columns(
            # "3 million and a half": a bare fraction after a scale word scales with it
            pl.when(pl.col("has_den") & ~pl.col("whole") & pl.col("bigv").is_null()
                    & pl.col("prev_big").is_not_null())
            .then(pl.col("contrib") * pl.col("prev_big"))
            .otherwise(pl.when(pl.col("has_small")).then(pl.col("contrib")).otherwise(1.0)
                       * pl.col("bigv").fill_null(1.0)).alias("segv")
        )
    )
    return (
        segs.group_by("fid")
        .agg((pl.col("segv").sum() * pl.col("prefix_mult").min()).alias("num"),
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
    g = pl.col("rest").str.extract_groups(pattern)
    ok = g.struct.field("all").is_not_null()
    if cond is not None:
        ok = ok & cond
    df = df.with_columns(
        *[pl.when(ok).then(g.struct.field(f)).alias(f"{prefix}_{f}") for f in fields],
        pl.when(ok).then(g.struct.field("all").str.len_chars()).otherwise(0)
        .cast(pl.Int64).alias(f"{prefix}_len"),
    )
    return df.with_columns(
        pl.col("rest").str.slice(pl.col(f"{prefix}_len")).alias("rest"),
        (pl.col("grow") + pl.col(f"{prefix}_len")).alias("grow"),
    )


def _singular(w: pl.Expr, irregular: dict[str, str]) -> pl.Expr:
    low = w.str.to_lowercase()
    return (
        pl.when(low.is_in(list(irregular))).then(low.replace(irregular))
        .when(low.str.ends_with("ies") & (low.str.len_chars() > 4))
        .then(low.str.slice(0, low.str.len_chars() - 3) + "y")
        .when(low.str.contains(r"(?:ches|shes|xes|sses|zzes)$"))
        .then(low.str.slice(0, low.str.len_chars() - 2))
        .when(low.str.ends_with("s") & ~low.str.contains(r"(?:ss|us|is)$"))
        .then(low.str.slice(0, low.str.len_chars() - 1))
        .otherwise(low)
    )


def _is_plural(w: pl.Expr, irregular: dict[str, str]) -> pl.Expr:
    return w.is_in(list(irregular)) | (
        w.str.ends_with("s") & ~w.str.contains(r"(?:ss|us|is|'s)$") & (w.str.len_chars() > 2)
    )


# ----------------------------------------------------------------------------- main

def extract_figures(articles: pl.DataFrame) -> pl.DataFrame:
    """Money, percent, count and quantity mentions of every article (schema `Figures`)."""
    lex = _lexicon()
    base = articles.select("article_id", "text").filter(pl.col("text").is_not_null())
    spans = regex_spans(base, lex.core)
    if spans.is_empty():
        return empty(Figures)
    ctx_start = (pl.col("start") - _CTX_LEFT).clip(lower_bound=0)
    df = (
        spans.with_row_index("fid")
        .join(base, on="article_id", how="left")
        .with_columns(
            pl.col("text").str.slice(ctx_start, pl.col("start") - ctx_start).alias("left"),
            pl.col("text").str.slice(pl.col("end"), _CTX_RIGHT).alias("right"),
        )
        .drop("text")
    )
    # a leading hyphen glued to a word or number is not a minus sign ("F-16", "10-15")
    glued_sign = pl.col("match").str.contains(r"^[-−]") & pl.col("left").str.contains(r"\w$")
    df = df.with_columns(
        pl.when(glued_sign).then(pl.col("start") + 1).otherwise("start").alias("start"),
        pl.when(glued_sign).then(pl.col("left") + pl.col("match").str.slice(0, 1))
        .otherwise("left").alias("left"),
        pl.when(glued_sign).then(pl.col("match").str.slice(1)).otherwise("match").alias("match"),
    )
    low = pl.col("match").str.to_lowercase()
    neg = low.str.contains(r"^(?:[-−]|minus|negative)")
    df = df.with_columns(
        pl.col("match").str.replace(r"^(?:[-−]|(?i:minus|negative)[ \t\u00a0\u202f]+)", "")
        .alias("core"),
        neg.alias("neg"),
        low.str.contains(r"^(?:tens|dozens|hundreds|thousands|millions|billions|trillions)")
        .alias("vague"),
    )
    vals = _core_values(df.select("fid", "core"), lex)
    df = df.join(vals, on="fid", how="inner").with_columns(
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
    pct = (rf"^(?P<all>{_SP}*(?P<p>%|(?i:per{_SP}?cent|per-cent|percent|pct))"
           rf"(?P<pt>(?i:{_SP}+points?|{_SP}+point{_SP}+|-point))?|{_SP}+(?P<pp>(?i:percentage"
           rf"{_SP}+points?|pp|bps|basis{_SP}+points?)))(?:[^\w]|$)")
    df = _consume(df, pct, "pc", ["p", "pt", "pp"], cond=~is_money)
    is_pct = pl.col("pc_len") > 0
    df = _consume(df, lex.unit_re, "un", ["unit", "next"], cond=~is_money & ~is_pct & ~(
        pl.col("rest").str.contains(r"^[ \t]*in[ \t]+[\w$€£]")))
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
        r"^(?:[ \t]+|-)(?P<w1>[A-Za-z][a-z]+(?:-[a-z]+)?)(?:[ \t]+(?P<w2>[a-z]+(?:-[a-z]+)?))?")
    w1, w2 = nn.struct.field("w1"), nn.struct.field("w2")
    w1l = w1.str.to_lowercase()
    bad = list(lex.not_nouns | set(lex.words))
    numberish = r"(?:th|first|second|third|1st|2nd|3rd|teen|ty|^dz|^doz)s?$"
    head2 = w2.is_not_null() & ~w2.is_in(bad) & _is_plural(w2, lex.irregular) & (
        ~w1l.is_in(bad) | w1l.is_in(list(_MOD_OK))) & ~w1l.str.ends_with("ly") \
        & ~_is_plural(w1l, lex.irregular)
    head2 = head2 & ~w2.str.contains(numberish)
    head1 = w1.str.contains(r"^[a-z]") & ~w1l.is_in(bad) & ~w1l.str.contains(numberish) & (
        _is_plural(w1l, lex.irregular)
        | ((pl.col("num") == 1) & ~w1l.str.contains(r"(?:ly|ed|ing)$"))
    )
    noun_ok = ~is_money & ~is_pct & ~is_unit
    df = df.with_columns(
        pl.when(noun_ok & head2).then(w1l + " " + _singular(w2, lex.irregular))
        .when(noun_ok & head1).then(_singular(w1l, lex.irregular)).alias("noun"),
        pl.when(noun_ok & head2).then(pl.lit(True)).otherwise(False).alias("noun2"),
        pl.when(noun_ok & (head2 | head1)).then(
            pl.col("rest").str.extract(
                r"^((?:[ \t]+|-)[A-Za-z][a-z]+(?:-[a-z]+)?(?:[ \t]+[a-z]+(?:-[a-z]+)?)?)")
        ).alias("noun_text"),
    ).with_columns(
        pl.when(pl.col("noun2")).then(pl.col("rest").str.slice(
            pl.col("noun_text").str.len_chars()))
        .when(pl.col("noun").is_not_null()).then(pl.col("rest").str.slice(
            pl.col("rest").str.extract(r"^((?:[ \t]+|-)[A-Za-z][a-z]+(?:-[a-z]+)?)")
            .str.len_chars()))
        .otherwise("rest").alias("rest_after_noun"),
    )
    # rate period after the figure (and after a counted noun)
    per = pl.col("rest_after_noun").str.extract_groups(lex.period_re)
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
    cw_key = _key(pl.col("cw_cur").str.to_lowercase())
    word_code = cw_key.replace_strict({k: v[0] for k, v in lex.cur_words.items()},
                                      default=None)
    word_unit = cw_key.replace_strict({k: v[1] for k, v in lex.cur_words.items()},
                                      default=None)
    ukey = _key(pl.col("un_unit"))
    ucs = ukey.replace_strict({k: v[0] for k, v in lex.units.items()}, default=None)
    uci = ukey.str.to_lowercase().replace_strict({k: v[0] for k, v in lex.units.items()},
                                                 default=None)
    ukey2 = pl.when(ucs.is_not_null()).then(ukey).otherwise(ukey.str.to_lowercase())

    def uget(i: int) -> pl.Expr:
        return ukey2.replace_strict({k: v[i] for k, v in lex.units.items()}, default=None)

    df = df.with_columns(
        pl.coalesce(cur_code, word_code).alias("currency"),
        word_unit.alias("money_word"),
        pl.coalesce(ucs, uci).alias("qunit"),
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
        (pl.col("end") + pl.col("grow") - pl.col("cw_len").fill_null(0)
         * pl.col("cw_cur").is_null().cast(pl.Int64)).alias("end"),
    )
    df = _filter_false_friends(df)
    df = _merge_ranges(df)
    df = df.with_columns(
        pl.when(pl.col("kind") == "quantity")
        .then(pl.col("value") * pl.col("nfac") + pl.col("noff").fill_null(0.0))
        .alias("normalized_value"),
        pl.when(pl.col("qualifier").is_in(["between", "from"])).then(None)
        .when(pl.col("vague") & pl.col("qualifier").is_null()).then(pl.lit("at_least"))
        .otherwise("qualifier").alias("qualifier"),
    )
    out = (
        df.join(base, on="article_id", how="left")
        .with_columns(pl.col("text").str.slice(pl.col("start"), pl.col("end") - pl.col("start"))
                      .alias("text"))
        .filter(pl.col("value").is_not_null() & pl.col("value").is_finite()
                & (pl.col("end") > pl.col("start")))
        .sort("article_id", "start")
    )
    return conform(out, Figures)


_MONTHS = (r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)(?:[a-z]*)\.?")
_ID_WORDS = (r"(?:no\.|nos\.|#|article|section|chapter|title|page|flight|room|route|interstate|"
             r"highway|proposition|prop\.|amendment|episode|season|vol\.|volume|level|phase|"
             r"category|grade|bill|resolution|rule|act|gen|windows|iphone|galaxy|series|model|"
             r"type|district|ward|precinct|apollo|version|v\.|covid|sars-cov|h\dn|pixel|xbox|"
             r"playstation|studio|channel|region|zone|block|suite|apt\.?|apartment|"
             r"p\.o\.|su|mig|tu|kh)")


def _filter_false_friends(df: pl.DataFrame) -> pl.DataFrame:
    """Drop dates, times, ordinals, years, model names, ids, phone numbers, pronoun 'one'."""
    left, right, core = pl.col("left"), pl.col("right"), pl.col("core")
    lraw = pl.col("left").str.slice(0, pl.col("left").str.len_chars() - pl.col("pre_len"))
    no_cur = pl.col("kind") != "money"
    is_digit = core.str.contains(r"^\d")
    plain_int = core.str.contains(r"^\d+$")
    year_like = plain_int & (core.str.len_chars() == 4) & (pl.col("num") >= 1800) \
        & (pl.col("num") <= 2100) & pl.col("unscaled")
    drop = (
        # glued to letters: "A320", "F-16", "MiG-29", "COVID-19", "5G", "1960s"
        (lraw.str.contains(r"[A-Za-z]-?$") & no_cur & is_digit)
        | (right.str.contains(r"^[A-Za-z]") & (pl.col("grow") == 0) & is_digit)
        | lraw.str.contains(rf"(?i)(?:^|[^\w]){_ID_WORDS}[ \t]*-?[ \t]*$") & is_digit & no_cur
        # times, dates, ids, phone numbers
        | right.str.contains(r"^(?::\d|/\d|\.\d+\.\d|[-.]\d+[-.]\d|[ \t]*(?i:a\.?m\b|p\.?m\b))")
        | lraw.str.contains(r"(?:\d[:/]|\d[-.]\d+[-.]|\d\.|\+)$")
        | (lraw.str.contains(r"\d-$") & right.str.contains(r"^-\d"))
        | (lraw.str.contains(rf"(?i)(?:^|\W){_MONTHS}[ \t]+$") & is_digit
           & (pl.col("num") <= 31) & no_cur & (pl.col("unit").is_null()))
        | (right.str.contains(r"^[ \t]+(?:January|February|March|April|May|June|July|August|"
                              r"September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|"
                              r"Aug|Sept?|Oct|Nov|Dec)\b") & is_digit & (pl.col("num") <= 31))
        | right.str.contains(r"^(?i:st|nd|rd|th)\b")
        | right.str.contains(r"^[ \t]+(?:[A-Z][a-z]+[ \t]+){1,3}(?:Street|St|Avenue|Ave|Road|"
                             r"Rd|Boulevard|Blvd|Lane|Drive|Dr|Way|Place|Court|Highway)\b")
        # years: bare 4-digit numbers 1800-2100 with no unit, money or noun
        | (year_like & no_cur & (pl.col("kind") != "percent")
           & (pl.col("unit").is_null() | lraw.str.contains(
               r"(?i)(?:in|since|by|of|from|until|till|during|before|after|the|and|early|late|"
               r"mid|to|between|year|fiscal|fy|,)[ \t]*-?$")))
        # "one of them", "the one", "no one", "one another"
        | ((core.str.to_lowercase() == "one") & pl.col("unit").is_null()
           & (right.str.contains(r"(?i)^[ \t]+(?:of|another|or|by|in|at|after|who|that|"
                                 r"which|is|was|has|thing)\b")
              | lraw.str.contains(r"(?i)(?:the|this|that|which|any|every|each|no|some|"
                                  r"someone|anyone|one|'s)[ \t]+$")))
        # "a third term" (ordinal) vs "a third of": bare a + fraction word needs "of"
        | (core.str.contains(r"(?i)^an?[ \t]") & pl.col("kind").is_in(["count"])
           & core.str.contains(r"(?i)(?:third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)s?$")
           & ~right.str.contains(r"^[ \t]+of\b"))
        # vague plurals need "of": "hundreds of soldiers"; "millions" alone is not a figure
        | (pl.col("vague") & ~right.str.contains(r"^[ \t]+of\b"))
        | core.is_in(["24/7", "9/11", "7/7", "50/50"])
        | (lraw.str.contains(r"(?:^|\D)(?:1[89]|20)\d\d[-–/]$") & core.str.contains(r"^\d\d$"))
        | left.str.contains(r"(?:https?://|www\.)\S*$") | right.str.contains(r"^\S*%[0-9A-F]{2}")
    )
    return df.filter(~drop.fill_null(False))


def _merge_ranges(df: pl.DataFrame) -> pl.DataFrame:
    """Join "3 to 4", "$100–115 million", "between 3 and 4", "-18 °C to -34 °C" into ranges."""
    df = df.sort("article_id", "start").with_columns(
        pl.col("start").shift(-1).over("article_id").alias("n_start"),
        pl.col("end").shift(-1).over("article_id").alias("n_end"),
        pl.col("left").shift(-1).over("article_id").alias("n_left"),
    )
    gap_len = pl.col("n_start") - pl.col("end")
    gap = pl.col("n_left").str.slice(pl.col("n_left").str.len_chars() - gap_len)
    gap = pl.when((gap_len >= 0) & (gap_len <= 12)).then(gap)
    between = pl.col("qualifier") == "between"
    joiner = gap.str.contains(r"^[ \t]*(?:-|–|—|~|to|-[ \t]*to|through|thru)[ \t]*$") | (
        between & gap.str.contains(r"^[ \t]+and[ \t]+$"))
    n = {c: pl.col(c).shift(-1).over("article_id") for c in
         ("kind", "unit", "value", "num", "unscaled", "tscale", "currency", "normalized_unit",
          "nfac", "noff", "period", "qunit", "noun")}
    bare = (pl.col("kind") == "count") & pl.col("unit").is_null()
    n_bare = (n["kind"] == "count") & n["unit"].is_null()
    compatible = (
        bare | n_bare
        | ((pl.col("kind") == n["kind"]) & (pl.col("unit") == n["unit"]))
        | ((pl.col("kind") == "count") & (n["kind"] == "count"))
    )
    df = df.with_columns((joiner & compatible).fill_null(False).alias("merge"))
    df = df.with_columns(
        (pl.col("merge") & ~pl.col("merge").shift(1).over("article_id").fill_null(False))
        .alias("merge"),
    ).with_columns(
        pl.col("merge").shift(1).over("article_id").fill_null(False).alias("merged_away"),
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

"""Language of each article text, as an ISO 639-1 code, with py3langid (model loaded once).

py3langid walks its byte DFA in Python, so the cost grows with text length: only a sample of
each text is classified (`SAMPLE_CHARS` from the start, where the lead paragraphs are), which
keeps 100k articles to a couple of minutes on one core without losing accuracy on news text.
Texts with fewer than `MIN_LETTERS` letters get null (too short to tell).

Most news in a newsfacts build is English, so English is first recognised in one vectorised
pass: a sample in which English function words ("the", "of", "and", …) make up at least
`ENGLISH_SHARE` of at least `ENGLISH_MIN_WORDS` words is English (no other language uses these
words at that rate). Only the other texts go through py3langid.
"""

from __future__ import annotations

from functools import cache

import polars as pl
from py3langid.langid import MODEL_FILE, LanguageIdentifier

SAMPLE_CHARS = 1200
MIN_LETTERS = 20
ENGLISH_SHARE = 0.2
ENGLISH_MIN_WORDS = 40
_ENGLISH_WORDS = (r"(?i)(?-u:\b)(?:the|of|and|to|in|is|that|for|it|was|on|with|as|by|at|he|"
                  r"said|from|his|are|have|has|be|this|which|not|but|they|were|will)(?-u:\b)")


@cache
def identifier() -> LanguageIdentifier:
    """The py3langid classifier with normalised probabilities (built once per process)."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _letters(text: str, need: int) -> bool:
    n = 0
    for ch in text:
        if ch.isalpha():
            n += 1
            if n >= need:
                return True
    return False


def detect_one(text: str | None, *, min_letters: int = MIN_LETTERS,
               min_confidence: float = 0.0) -> tuple[str | None, float | None]:
    """(language code, probability) of one text; (None, None) when too short or unsure."""
    if not text:
        return None, None
    sample = text[:SAMPLE_CHARS].strip()
    if not _letters(sample, min_letters):
        return None, None
    lang, prob = identifier().classify(sample)
    if prob < min_confidence or not lang or lang == "und":
        return None, prob
    return str(lang), float(prob)


def detect_language(texts: pl.Series, *, min_letters: int = MIN_LETTERS,
                    min_confidence: float = 0.0) -> pl.Series:
    """ISO 639-1 code per text (null for null, too-short or below-confidence text)."""
    sample = texts.cast(pl.String).str.slice(0, SAMPLE_CHARS)
    words = sample.str.count_matches(r"\S+")
    function_words = sample.str.count_matches(_ENGLISH_WORDS)
    english = ((words >= ENGLISH_MIN_WORDS)
               & (function_words >= ENGLISH_SHARE * words)).fill_null(False)
    codes = [
        "en" if is_en else detect_one(t, min_letters=min_letters, min_confidence=min_confidence)[0]
        for t, is_en in zip(sample.to_list(), english.to_list(), strict=True)
    ]
    return pl.Series(texts.name or "language", codes, dtype=pl.String)

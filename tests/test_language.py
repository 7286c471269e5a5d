"""Language detection with py3langid."""

from __future__ import annotations

import polars as pl

from pipelines.language import detect_language, detect_one, identifier

TEXTS = {
    "en": "The city council approved the new budget on Tuesday after a long debate about "
          "public transport and housing costs.",
    "de": "Der Stadtrat hat am Dienstag nach einer langen Debatte über den öffentlichen "
          "Nahverkehr und die Wohnkosten den neuen Haushalt beschlossen.",
    "fr": "Le conseil municipal a adopté mardi le nouveau budget après un long débat sur les "
          "transports publics et le coût du logement.",
    "ru": "Городской совет во вторник утвердил новый бюджет после долгих дебатов об "
          "общественном транспорте и стоимости жилья.",
    "es": "El ayuntamiento aprobó el martes el nuevo presupuesto tras un largo debate sobre el "
          "transporte público y el coste de la vivienda.",
}


def test_languages() -> None:
    s = pl.Series("text", list(TEXTS.values()))
    out = detect_language(s)
    assert out.dtype == pl.String and len(out) == len(s)
    assert out.to_list() == list(TEXTS)


def test_short_null_and_empty() -> None:
    s = pl.Series("text", ["Hi!", "", None, "12 345 678 90 -- 11", "   "], dtype=pl.String)
    assert detect_language(s).to_list() == [None] * 5


def test_min_confidence() -> None:
    assert detect_one(TEXTS["de"])[0] == "de"
    code, prob = detect_one(TEXTS["fr"], min_confidence=1.01)
    assert code is None and prob is not None


def test_model_loaded_once() -> None:
    assert identifier() is identifier()


def test_empty_series() -> None:
    out = detect_language(pl.Series("text", [], dtype=pl.String))
    assert out.len() == 0 and out.dtype == pl.String

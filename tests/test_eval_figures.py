"""Eval gate: figure extraction quality on the shared quantulum3, Recognizers-Text and
price-parser development sets.

Skipped when the shared evaluation folder (`../shared/eval` next to the repo) is absent.
Floors sit about 0.01 below the last measured scores; raise them as the rules improve.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipelines.evaluate import load_scorer, predict, read_gold

EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"

# set -> (value F1, value+unit F1, relaxed span F1) floors
FLOORS = {
    "quantulum3_tests": (0.894, 0.815, 0.933),
    "rt_number": (0.883, 0.798, 0.948),
    "rt_numberwithunit": (0.774, 0.700, 0.826),
    "price_parser_examples": (0.948, 0.557, 0.972),
}

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def scorer() -> Any:
    if not (EVAL / "score.py").is_file():
        pytest.skip("shared evaluation sets not available")
    return load_scorer(EVAL / "score.py")


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_figures_quality(scorer: Any, name: str) -> None:
    path = EVAL / "dev" / f"{name}.jsonl.gz"
    if not path.is_file():
        pytest.skip(f"{path} missing")
    gold = list(read_gold(path))
    result = scorer.score(gold, predict(gold, ["figures"]))["figures"]
    value_floor, unit_floor, span_floor = FLOORS[name]
    assert result["value"]["f1"] >= value_floor, result
    assert result["value_unit"]["f1"] >= unit_floor, result
    assert result["span_relaxed"]["f1"] >= span_floor, result

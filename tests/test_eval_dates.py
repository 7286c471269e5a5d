"""Eval gate: date extraction quality on the shared TempEval-3 and ctparse development sets.

Skipped when the shared evaluation folder (`../shared/eval` next to the repo) is absent.
Floors sit about 0.01 below the last measured scores; raise them as the rules improve.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import pytest

from pipelines.evaluate import predict, read_gold

EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"

# set -> (relaxed span F1, value F1) floors
FLOORS = {
    "te3_timebank": (0.930, 0.817),
    "te3_aquaint": (0.927, 0.773),
    "ctparse_corpus": (0.960, 0.869),
}

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def scorer() -> Any:
    if not (EVAL / "score.py").is_file():
        pytest.skip("shared evaluation sets not available")
    sys.path.insert(0, str(EVAL))  # score.py uses dataclasses: import it as a module
    try:
        return importlib.import_module("score")
    finally:
        sys.path.remove(str(EVAL))


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_dates_quality(scorer: Any, name: str) -> None:
    path = EVAL / "dev" / f"{name}.jsonl.gz"
    if not path.is_file():
        pytest.skip(f"{path} missing")
    gold = list(read_gold(path))
    result = scorer.score(gold, predict(gold, ["dates"]))["dates"]
    relaxed_floor, value_floor = FLOORS[name]
    assert result["relaxed"]["f1"] >= relaxed_floor, result
    assert result["value"]["f1"] >= value_floor, result

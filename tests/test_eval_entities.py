"""Eval gate: entity quality on CoNLL-2003 dev must not regress (skips without ../shared)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
GOLD = SHARED / "eval" / "dev" / "conll2003_dev.jsonl.gz"

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not GOLD.exists(), reason="../shared/eval is absent"),
]

# round 5 measured 0.9112 (person+org+place) and 0.9034 (with misc); per kind person 0.9333,
# org 0.8404, place 0.9397, misc 0.8597; floors ~0.01 below (place keeps its round-4 floor)
# round 6 (context features: the word before the previous word, numbers around the run, the
# casing class) measured 0.9121 and 0.9044; person 0.9335, org 0.8443, place 0.9394, misc
# 0.8617; floors raised accordingly (~0.01 below; person and place keep theirs)
FLOORS = {"person_org_place": 0.902, "with_misc": 0.894}
KIND_FLOORS = {"person": 0.923, "org": 0.834, "place": 0.931, "misc": 0.851}


@pytest.fixture(scope="module")
def result() -> dict:
    from pipelines.evaluate import predict, read_gold

    spec = importlib.util.spec_from_file_location("nf_score", SHARED / "eval" / "score.py")
    assert spec and spec.loader
    score = importlib.util.module_from_spec(spec)
    sys.modules["nf_score"] = score  # dataclasses need the module registered
    spec.loader.exec_module(score)
    gold = list(read_gold(GOLD))
    return score.score(gold, predict(gold, ["entities"]))["entities"]


@pytest.mark.parametrize(("metric", "floor"), FLOORS.items())
def test_micro_f1(result: dict, metric: str, floor: float) -> None:
    assert result[metric]["f1"] >= floor, result[metric]


@pytest.mark.parametrize(("kind", "floor"), KIND_FLOORS.items())
def test_per_kind_f1(result: dict, kind: str, floor: float) -> None:
    assert result["per_kind"][kind]["f1"] >= floor, result["per_kind"][kind]

"""`newsfacts eval`: gold in, predictions out (and scores when the scorer is at hand)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.evaluate import family_of, predict
from tests.conftest import SHARED

GOLD = [
    {"id": "d1", "reference_date": "2024-06-27T06:30:00", "meta": {},
     "text": "NATO Secretary General Jens Stoltenberg said on 26 June that Russia could pay "
             "up to $115 million annually.",
     "expected": [
         {"kind": "person", "text": "Jens Stoltenberg", "start": 23, "end": 39},
         {"kind": "date", "text": "26 June", "start": 48, "end": 55, "value": "2024-06-26"},
         {"kind": "money", "text": "$115 million", "start": 83, "end": 95,
          "value": {"amount": 115e6, "unit": "USD"}},
     ]},
]


def test_family_of_and_predict_format() -> None:
    assert family_of(GOLD) == ["entities", "figures", "dates"]
    (doc,) = predict(GOLD, ["dates", "figures", "entities"])
    assert doc["id"] == "d1"
    kinds = {p["kind"] for p in doc["predicted"]}
    assert {"person", "org", "place", "date", "money"} <= kinds
    for p in doc["predicted"]:
        assert GOLD[0]["text"][p["start"]:p["end"]] == p["text"]
    date = next(p for p in doc["predicted"] if p["kind"] == "date")
    assert date["value"] == {"value": "2024-06-26", "timex_type": "DATE"}
    money = next(p for p in doc["predicted"] if p["kind"] == "money")
    assert money["value"]["amount"] == 115e6 and money["value"]["unit"] == "USD"


def test_cli_writes_predictions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(d) + "\n" for d in GOLD))
    out = tmp_path / "pred.jsonl"
    assert main(["eval", str(gold), "--out", str(out)]) == 0
    (doc,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert doc["id"] == "d1" and doc["predicted"]
    assert "nothing scored" in capsys.readouterr().out


def test_cli_scores_with_the_project_scorer(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    scorer = SHARED / "eval" / "score.py"
    if not scorer.exists():
        pytest.skip("needs ../shared/eval/score.py, absent in this checkout")
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(d) + "\n" for d in GOLD))
    assert main(["eval", str(gold), "--scorer", str(scorer)]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert set(scores) == {"entities", "figures", "dates"}
    assert scores["dates"]["value"]["tp"] == 1

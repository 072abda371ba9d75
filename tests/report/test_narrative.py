"""The plain-language opening: the sentences each kind of fact calls for, and no others."""

from __future__ import annotations

from typing import Any

from mlwright.report.narrative import summary


def binary_facts(*, accuracy: float, cost: bool) -> dict[str, Any]:
    baseline: dict[str, Any] = {"rule": 'always predict "no"', "accuracy": 0.84}
    if cost:
        baseline |= {"cost_per_row": 0.8, "model_cost_per_row": 0.42}
    return {
        "model": {
            "target": "left",
            "classes": ["no", "yes"],
            "features": ["a", "b"],
            "threshold": 0.16,
        },
        "test": {"rows": 294, "source": "the held-out rows"},
        "metrics": [
            {
                "name": "accuracy",
                "value": accuracy,
                "low": accuracy - 0.05,
                "high": accuracy + 0.04,
            },
            {"name": "precision", "value": 0.375, "low": 0.3, "high": 0.45},
            {"name": "recall", "value": 0.702, "low": 0.6, "high": 0.8},
        ],
        "baseline": baseline,
        "analysis": {
            "slices": [{"rule": 'overtime = "yes"', "n_rows": 76, "loss": 0.395}],
            "n_rows": 294,
            "loss": "error rate",
            "overall_loss": 0.235,
            "shifts": [
                {
                    "scenario": "noise",
                    "metric": "roc_auc",
                    "worse": True,
                    "change": -0.01,
                    "baseline": 0.84,
                    "value": 0.83,
                },
            ],
        },
        "importance": [{"column": "a", "drop": 0.1}, {"column": "b", "drop": 0.0}],
    }


def test_a_costed_threshold_explains_why_it_is_right_less_often_than_the_naive_rule() -> None:
    said = summary(binary_facts(accuracy=0.765, cost=True))
    assert (
        said[0]
        == 'This model predicts whether left is "yes" (or "no"), from 2 columns of the data.'
    )
    assert "it was right 76.5% of the time (95% interval 71.5% to 80.5%)" in said[1]
    assert said[2].startswith("It is right less often than that rule on purpose")
    assert any(s.startswith("At its decision threshold of 0.16") for s in said)
    assert 'It fails most where overtime = "yes" (76 rows, 25.9%)' in " ".join(said)
    assert "It relies most on a:" in " ".join(said)
    assert not any("fragile" in s for s in said)  # a 1% change is not notable


def test_without_costs_or_when_it_beats_the_rule_nothing_is_excused() -> None:
    for facts in (binary_facts(accuracy=0.765, cost=False), binary_facts(accuracy=0.9, cost=True)):
        assert not any("on purpose" in s for s in summary(facts))

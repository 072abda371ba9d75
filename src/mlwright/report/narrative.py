"""The report's opening, in plain words for someone who is not an ML engineer.

Every sentence is a template filled with the report's own numbers (:mod:`.facts`), so the
same facts always read the same: deterministic, offline, no language model.
"""

from __future__ import annotations

from typing import Any

from mlwright.insight.analyze import NOTABLE_SHIFT


def summary(facts: dict[str, Any]) -> list[str]:
    """Sentences in reading order: what it predicts, how well, at what cost, where it fails."""
    model = facts["model"]
    said = [_what(model)]
    if model["classes"] is None:
        said += _how_far(facts)
    else:
        said += _how_often(facts)
    said += _cost(facts)
    said.append(_fails(facts))
    said += _relies(facts)
    said += _holds_up(facts)
    return said


def _what(model: dict[str, Any]) -> str:
    n = len(model["features"])
    columns = f"{n} column{'s' if n != 1 else ''} of the data"
    classes = model["classes"]
    if classes is None:
        return f"This model predicts {model['target']}, an amount, from {columns}."
    if len(classes) == 2:
        return (
            f'This model predicts whether {model["target"]} is "{classes[1]}" '
            f'(or "{classes[0]}"), from {columns}.'
        )
    listed = ", ".join(f'"{c}"' for c in classes[:6]) + (", ..." if len(classes) > 6 else "")
    kinds = f"one of {len(classes)} classes ({listed})"
    return f"This model predicts {model['target']}, {kinds}, from {columns}."


def _how_often(facts: dict[str, Any]) -> list[str]:
    metrics = _metrics(facts)
    test, baseline = facts["test"], facts["baseline"]
    accuracy = metrics["accuracy"]
    said = [
        f"On {test['rows']:,} rows it had not seen ({test['source']}), it was right "
        f"{_pct(accuracy['value'])} of the time (95% interval {_pct(accuracy['low'])} to "
        f"{_pct(accuracy['high'])}). The naive rule, {baseline['rule']}, would be right "
        f"{_pct(baseline['accuracy'])} of the time."
    ]
    classes = facts["model"]["classes"]
    costed = "model_cost_per_row" in baseline
    if costed and accuracy["value"] < baseline["accuracy"]:
        said.append(
            "It is right less often than that rule on purpose: with the costs you gave, its "
            f'threshold flags more rows as "{classes[1]}" to miss fewer of them.'
        )
    if len(classes) == 2 and "precision" in metrics and "recall" in metrics:
        said.append(
            f'When it says "{classes[1]}" it is right {_pct(metrics["precision"]["value"])} '
            f"of the time, and it finds {_pct(metrics['recall']['value'])} of the actual "
            f'"{classes[1]}" cases.'
        )
    return said


def _how_far(facts: dict[str, Any]) -> list[str]:
    metrics = _metrics(facts)
    test, baseline = facts["test"], facts["baseline"]
    mae = metrics["mae"]
    spread = facts["curves"]["abs_error_quantiles"]
    said = [
        f"On {test['rows']:,} rows it had not seen ({test['source']}), its predictions are "
        f"off by {_num(mae['value'])} on average (95% interval {_num(mae['low'])} to "
        f"{_num(mae['high'])}), and by less than {_num(spread['p90'])} for 9 rows in 10. "
        f"The naive rule, to {baseline['rule']}, would be off by {_num(baseline['mae'])}."
    ]
    if "r2" in metrics:
        said.append(
            f"It explains {_pct(max(metrics['r2']['value'], 0.0))} of the variation in "
            f"{facts['model']['target']}."
        )
    return said


def _cost(facts: dict[str, Any]) -> list[str]:
    baseline = facts["baseline"]
    if "model_cost_per_row" not in baseline:
        return []
    return [
        f"At its decision threshold of {facts['model']['threshold']:.2f}, chosen to make the "
        f"costs you gave as small as possible, its decisions cost "
        f"{_num(baseline['model_cost_per_row'])} per row, against "
        f"{_num(baseline['cost_per_row'])} for the better of always or never acting."
    ]


def _fails(facts: dict[str, Any]) -> str:
    analysis = facts["analysis"]
    if not analysis["slices"]:
        return (
            "No group of rows stands out where it does significantly worse than overall "
            "(details under Where it fails)."
        )
    worst = analysis["slices"][0]
    share = worst["n_rows"] / analysis["n_rows"]
    loss, overall = analysis["loss"], analysis["overall_loss"]
    fmt = _pct if loss == "error rate" else _num
    return (
        f"It fails most where {worst['rule']} ({worst['n_rows']:,} rows, {_pct(share)}): "
        f"its {loss} there is {fmt(worst['loss'])}, against {fmt(overall)} overall "
        "(details under Where it fails)."
    )


def _relies(facts: dict[str, Any]) -> list[str]:
    top = [i["column"] for i in facts["importance"] if i["drop"] > 0][:3]
    if not top:
        return []
    listed = top[0] if len(top) == 1 else ", ".join(top[:-1]) + " and " + top[-1]
    return [
        f"It relies most on {listed}: shuffling {'it' if len(top) == 1 else 'them'} hurts it most."
    ]


def _holds_up(facts: dict[str, Any]) -> list[str]:
    worse = [
        s
        for s in facts["analysis"]["shifts"]
        if s["worse"] and abs(s["change"]) > NOTABLE_SHIFT * abs(s["baseline"])
    ]
    if not worse:
        return []
    first = worse[0]
    return [
        f"It is fragile under {first['scenario']}: its {first['metric']} worsens from "
        f"{first['baseline']:.3g} to {first['value']:.3g}."
    ]


def _metrics(facts: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in facts["metrics"]}


def _pct(value: float) -> str:
    return f"{value:.1%}"


def _num(value: float) -> str:
    """A number as people read it: 1,234 for large values, three significant digits below."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"

"""A report's facts as one self-contained HTML page: no script, no network, inline SVG plots."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates"
# Categorical partial dependence shows at most this many levels.
MAX_LEVELS = 12


def render_html(facts: dict[str, Any], *, twin: str = "report.json") -> str:
    """The page for :func:`mlwright.report.facts.build_report`'s facts; values are escaped.

    ``twin`` is the file name of the JSON twin the page links to.
    """
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("report.html.j2").render(
        r=facts,
        twin=twin,
        fmt=format_number,
        charts=_performance_charts(facts),
        input_charts=_input_charts(facts),
    )


def _chart(svg: Markup, caption: str) -> dict[str, Any]:
    return {"svg": svg, "caption": caption}


def _performance_charts(facts: dict[str, Any]) -> list[dict[str, Any]]:
    """ROC, PR, calibration, confusion and threshold plots, or the regression scatters."""
    if facts["model"]["classes"] is None:
        return _regression_charts(facts["curves"])
    return _classification_charts(facts)


def _classification_charts(facts: dict[str, Any]) -> list[dict[str, Any]]:
    from mlwright.report.svg import Series, heatmap

    curves = facts["curves"]
    charts = []
    if curves["roc"]:
        roc = [
            Series(f"{c['class']} (AUC {c['auc']:.3f})", c["fpr"], c["tpr"]) for c in curves["roc"]
        ]
        charts.append(
            _unit_square(
                roc,
                ("ROC curve", "false positive rate", "true positive rate"),
                "How many positives it finds (up) for how many false alarms (right), over all "
                "thresholds. The diagonal is guessing.",
                diagonal=True,
            )
        )
        pr = [
            Series(f"{c['class']} (AP {c['average_precision']:.3f})", c["recall"], c["precision"])
            for c in curves["pr"]
        ]
        charts.append(
            _unit_square(
                pr,
                ("Precision-recall curve", "recall", "precision"),
                "How often a flagged row is right (up) as it finds more of the positives (right).",
            )
        )
    calibration = curves["calibration"]
    charts.append(
        _unit_square(
            [Series("model", calibration["predicted"], calibration["observed"])],
            ("Calibration", "predicted probability", "observed rate"),
            f"On the diagonal, a predicted 70% happens 70% of the time. Expected calibration "
            f"error {calibration['error']:.3f}.",
            diagonal=True,
        )
    )
    confusion = curves["confusion"]
    charts.append(
        _chart(
            heatmap(
                confusion["matrix"],
                confusion["labels"],
                confusion["labels"],
                title="Confusion matrix",
                row_title="actual",
                col_title="predicted",
            ),
            "Rows: the actual class; columns: the predicted one. The diagonal is right.",
        )
    )
    charts += _threshold_charts(facts)
    return charts


def _unit_square(
    series: list[Any], labels: tuple[str, str, str], caption: str, *, diagonal: bool = False
) -> dict[str, Any]:
    """A line chart of shares against shares, both axes 0 to 1: (title, x label, y label)."""
    from mlwright.report.svg import line_chart

    title, x_label, y_label = labels
    svg = line_chart(
        series,
        title=title,
        x_label=x_label,
        y_label=y_label,
        x_range=(0, 1),
        y_range=(0, 1),
        diagonal=diagonal,
    )
    return _chart(svg, caption)


def _threshold_charts(facts: dict[str, Any]) -> list[dict[str, Any]]:
    from mlwright.report.svg import Series, line_chart

    curve = facts["curves"].get("thresholds")
    if curve is None:
        return []
    threshold = facts["model"]["threshold"]
    x = curve["threshold"]
    charts = [
        _chart(
            line_chart(
                [
                    Series("precision", x, curve["precision"]),
                    Series("recall", x, curve["recall"]),
                    Series("share flagged", x, curve["flagged"]),
                ],
                title="By decision threshold",
                x_label="threshold",
                y_label="share",
                x_range=(0, 1),
                y_range=(0, 1),
                marker_x=threshold,
                marker_label=f"chosen {threshold:.2f}",
            ),
            "What each threshold would give; the dashed line is the model's.",
        )
    ]
    if "cost_per_row" in curve:
        charts.append(
            _chart(
                line_chart(
                    [Series("cost per row", x, curve["cost_per_row"])],
                    title="Cost by decision threshold",
                    x_label="threshold",
                    y_label="cost per row",
                    x_range=(0, 1),
                    marker_x=threshold,
                    marker_label=f"chosen {threshold:.2f}",
                ),
                "The cost of the decisions on the held-out rows, with the costs you gave.",
            )
        )
    return charts


def _regression_charts(curves: dict[str, Any]) -> list[dict[str, Any]]:
    from mlwright.report.svg import scatter_chart

    return [
        _chart(
            scatter_chart(
                curves["actual"],
                curves["predicted"],
                title="Predicted against actual",
                x_label="actual",
                y_label="predicted",
                diagonal=True,
            ),
            "On the diagonal, the prediction is exact.",
        ),
        _chart(
            scatter_chart(
                curves["predicted"],
                curves["residual"],
                title="Residuals",
                x_label="predicted",
                y_label="actual - predicted",
                zero_line=True,
            ),
            f"Above zero it predicted too little. Mean residual {format_number(curves['bias'])}.",
        ),
    ]


def _input_charts(facts: dict[str, Any]) -> list[dict[str, Any]]:
    """Permutation importance, tree SHAP, and partial dependence of the top inputs."""
    from mlwright.report.svg import Series, bar_chart, heatmap, line_chart

    charts = []
    importance = facts["importance"]
    if importance:
        charts.append(
            _chart(
                bar_chart(
                    [i["column"] for i in importance],
                    [i["drop"] for i in importance],
                    errors=[(i["low"], i["high"]) for i in importance],
                    title="Permutation importance",
                    value_label=f"{facts['model']['metric']} lost when shuffled",
                ),
                "How much worse the model gets when one input is shuffled (bars: the mean of "
                "the repeats; whiskers: their range).",
            )
        )
    shap = facts["shap"]
    if shap:
        charts.append(
            _chart(
                bar_chart(
                    [v["column"] for v in shap["values"]],
                    [v["mean_abs"] for v in shap["values"]],
                    title="Tree SHAP",
                    value_label="mean |contribution|",
                ),
                f"Mean absolute contribution to the output of {shap['member']} (weight "
                f"{shap['weight']:.2f} in the model), from the trees themselves.",
            )
        )
    for dependence in facts["dependence"]:
        column = dependence["column"]
        series = dependence["series"]
        if dependence["kind"] == "numeric":
            svg = line_chart(
                [Series(name, dependence["grid"], ys) for name, ys in series.items()],
                title=f"Partial dependence: {column}",
                x_label=column,
                y_label="mean output",
            )
        elif len(series) > 1:  # several classes: levels x classes
            levels = [str(g) for g in dependence["grid"][:MAX_LEVELS]]
            svg = heatmap(
                [[ys[i] for ys in series.values()] for i in range(len(levels))],
                levels,
                list(series),
                title=f"Partial dependence: {column}",
                row_title=column,
                col_title="mean probability",
            )
        else:
            name, ys = next(iter(series.items()))
            svg = bar_chart(
                [str(g) for g in dependence["grid"][:MAX_LEVELS]],
                ys[:MAX_LEVELS],
                title=f"Partial dependence: {column}",
                value_label=name,
            )
        charts.append(
            _chart(svg, f"The model's mean output with {column} set to each value, all else kept.")
        )
    return charts


def format_number(value: Any, digits: int = 4) -> str:
    """A number for a table: ``digits`` significant digits, thousands separated.

    None is blank; anything that is not a number is shown as text.
    """
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"

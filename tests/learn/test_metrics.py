"""Every metric matches scikit-learn's reference implementation on varied inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk

from mlwright.core.errors import ConfigError
from mlwright.learn.metrics import get_metric, report_metrics
from mlwright.learn.task import TaskType


def _proba(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    raw = rng.random((n, k)).round(2) + 1e-3  # rounding makes ties, which AUC must handle
    return raw / raw.sum(axis=1, keepdims=True)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(8, 300), threshold=st.floats(0.05, 0.95))
def test_binary_metrics_match_scikit_learn(seed: int, n: int, threshold: float) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    proba = _proba(rng, n, 2)
    labels = (proba[:, 1] >= threshold).astype(int)
    expected = {
        "accuracy": sk.accuracy_score(y, labels),
        "balanced_accuracy": sk.balanced_accuracy_score(y, labels),
        "precision": sk.precision_score(y, labels, zero_division=0),
        "recall": sk.recall_score(y, labels, zero_division=0),
        "f1": sk.f1_score(y, labels, zero_division=0),
        "f1_macro": sk.f1_score(y, labels, average="macro", zero_division=0),
        "f1_weighted": sk.f1_score(y, labels, average="weighted", zero_division=0),
        "roc_auc": sk.roc_auc_score(y, proba[:, 1]),
        "pr_auc": sk.average_precision_score(y, proba[:, 1]),
        "log_loss": sk.log_loss(y, proba),
        "brier": 2 * sk.brier_score_loss(y, proba[:, 1]),
    }
    for name, value in expected.items():
        got = get_metric(name, TaskType.BINARY).score(y, proba, threshold)
        assert got == pytest.approx(value, abs=1e-9), name


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(12, 300), k=st.integers(3, 6))
def test_multiclass_metrics_match_scikit_learn(seed: int, n: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    y = np.concatenate([np.arange(k), rng.integers(0, k, n - k)])
    proba = _proba(rng, n, k)
    labels = proba.argmax(axis=1)
    expected = {
        "accuracy": sk.accuracy_score(y, labels),
        "balanced_accuracy": sk.balanced_accuracy_score(y, labels),
        "f1_macro": sk.f1_score(y, labels, average="macro", zero_division=0),
        "f1_weighted": sk.f1_score(y, labels, average="weighted", zero_division=0),
        "roc_auc": sk.roc_auc_score(y, proba, multi_class="ovr", average="macro"),
        "log_loss": sk.log_loss(y, proba),
    }
    for name, value in expected.items():
        got = get_metric(name, TaskType.MULTICLASS).score(y, proba, 0.5)
        assert got == pytest.approx(value, abs=1e-9), name


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 300))
def test_regression_metrics_match_scikit_learn(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n) * 10
    pred = y + rng.normal(size=n)
    expected = {
        "rmse": np.sqrt(sk.mean_squared_error(y, pred)),
        "mae": sk.mean_absolute_error(y, pred),
        "r2": sk.r2_score(y, pred),
        "mape": sk.mean_absolute_percentage_error(y, pred),
    }
    for name, value in expected.items():
        got = get_metric(name, TaskType.REGRESSION).score(y, pred, 0.5)
        assert got == pytest.approx(value, rel=1e-9), name


def test_defaults_per_task() -> None:
    assert get_metric(None, TaskType.BINARY).name == "roc_auc"
    assert get_metric(None, TaskType.MULTICLASS).name == "log_loss"
    assert get_metric(None, TaskType.REGRESSION).name == "rmse"


def test_a_metric_of_another_task_is_refused_with_the_fitting_ones() -> None:
    with pytest.raises(ConfigError, match="does not apply to a regression task") as info:
        get_metric("roc_auc", TaskType.REGRESSION)
    assert "rmse" in str(info.value)
    with pytest.raises(ConfigError, match="unknown metric 'auc'"):
        get_metric("auc", TaskType.BINARY)


def test_every_task_reports_its_default_metric() -> None:
    for task_type in TaskType:
        assert get_metric(None, task_type) in report_metrics(task_type)

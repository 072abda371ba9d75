"""Gradient-boosted models leave the skops tree and travel in their library's own format.

LightGBM's text format is stable across versions and holds no code; loading it cannot run
anything. Each LightGBM estimator in the model gives up its booster while the rest of the
model is written with skops, and gets it back, rebuilt from the text, on load.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mlwright.learn.model import TabularModel


def _lightgbm_estimators(model: TabularModel) -> list[Any]:
    """The LightGBM estimators of the model's pipelines, in a fixed order."""
    found = []
    for pipeline in model.pipelines:
        steps = getattr(pipeline, "steps", [("model", pipeline)])
        for _, step in steps:
            if type(step).__module__.startswith("lightgbm."):
                found.append(step)
    return found


@contextlib.contextmanager
def detached_boosters(model: TabularModel) -> Iterator[list[str]]:
    """Take the boosters out of the model for the duration; yield them as LightGBM text."""
    estimators = _lightgbm_estimators(model)
    boosters = [est._Booster for est in estimators]
    texts = [booster.model_to_string() for booster in boosters]
    try:
        for est in estimators:
            est._Booster = None
        yield texts
    finally:
        for est, booster in zip(estimators, boosters, strict=True):
            est._Booster = booster


def attach_boosters(model: TabularModel, texts: list[str]) -> None:
    """Give the model's LightGBM estimators their boosters back, rebuilt from text."""
    from mlwright.core.errors import PackageError

    estimators = _lightgbm_estimators(model)
    if len(estimators) != len(texts):
        msg = f"the package holds {len(texts)} booster(s) for {len(estimators)} estimator(s)"
        raise PackageError(msg, hint="the package is damaged; register the run again")
    if not estimators:
        return
    from mlwright.learn.threads import prefer_passive_waiting

    prefer_passive_waiting()  # before LightGBM starts its OpenMP threads
    import lightgbm as lgb

    for est, text in zip(estimators, texts, strict=True):
        est._Booster = lgb.Booster(model_str=text)

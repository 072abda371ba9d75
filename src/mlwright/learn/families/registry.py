"""The model families mlwright knows, by name; third parties add theirs via entry points."""

from __future__ import annotations

import logging
import warnings
from importlib.metadata import entry_points

from mlwright.core.errors import ConfigError, MlwrightWarning
from mlwright.learn.families.base import Family
from mlwright.learn.families.forest import EXTRA_TREES, RANDOM_FOREST
from mlwright.learn.families.hist_gb import HIST_GB
from mlwright.learn.families.knn import KNN
from mlwright.learn.families.lightgbm import LIGHTGBM
from mlwright.learn.families.linear import LINEAR

logger = logging.getLogger(__name__)

BUILT_IN = (LIGHTGBM, HIST_GB, EXTRA_TREES, RANDOM_FOREST, LINEAR, KNN)
ENTRY_POINT_GROUP = "mlwright.families"


def all_families() -> dict[str, Family]:
    """Built-in families, then those of installed plugins (a broken plugin is a warning)."""
    families = {f.name: f for f in BUILT_IN}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            family = entry.load()
        except Exception as exc:
            message = f"cannot load model family plugin {entry.name!r}: {exc}"
            warnings.warn(message, MlwrightWarning, stacklevel=2)
            continue
        if isinstance(family, Family) and family.name not in families:
            families[family.name] = family
    return families


def select_families(names: list[str] | None) -> list[Family]:
    """The named families (all when ``names`` is None), refusing unknown names."""
    families = all_families()
    if names is None:
        return list(families.values())
    unknown = [n for n in names if n not in families]
    if unknown:
        msg = f"unknown model famil{'y' if len(unknown) == 1 else 'ies'}: {', '.join(unknown)}"
        raise ConfigError(msg, hint=f"available: {', '.join(families)}")
    return [families[n] for n in names]

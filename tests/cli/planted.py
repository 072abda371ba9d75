"""Customers whose churn a model can learn everywhere but in one planted weak segment.

Churn follows tenure, usage and plan, except where tenure < 12 on the basic plan: there the
outcome is a coin flip, so no model does well, and failure analysis must say so as a rule
naming both conditions. Region has no effect at all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def customers(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "tenure": rng.integers(0, 60, n),
            "usage": rng.gamma(2.0, 3.0, n),
            "plan": rng.choice(["basic", "plus", "pro"], n, p=[0.4, 0.35, 0.25]),
            "region": rng.choice(["north", "south", "east", "west"], n),
        }
    )
    score = -0.1 * frame["tenure"] + 0.4 * frame["usage"] - (frame["plan"] == "pro") * 2.0
    churn = score + rng.normal(0, 0.5, n) > 0
    weak = (frame["tenure"] < 12) & (frame["plan"] == "basic")
    churn = np.where(weak, rng.random(n) < 0.5, churn)
    frame["churn"] = np.where(churn, "yes", "no")
    return frame

"""A minimal BentoML 1.4 service for the serving benchmark: the peers' LightGBM pipeline.

One endpoint, ``POST /predict``, takes ``{"records": [{"num_00": 0.1, ..., "cat_4": "c4_017"},
...]}`` (one or many rows) and answers ``{"predictions": ["no", ...], "probabilities": [[p_no,
p_yes], ...]}``. ``/readyz`` answers 200 once the model is loaded. Start it from the
BentoML venv, on loopback::

    benchmarks/.venv-bentoml/bin/bentoml serve bento_service:Svc \\
        --working-dir benchmarks/serving --host 127.0.0.1 --port 8081

(``benchmarks.serving.bento_service:Svc`` with ``--working-dir .`` works too while
``benchmarks/serving/`` is a package; the form above does not depend on it.)

Environment:

``BENCH_MODEL_PATH``
    the joblib file (default ``benchmarks/out/serving/model.joblib``, from ``make_model.py``).
``BENCH_BENTO_WORKERS``
    worker processes (default 1). BentoML 1.4 takes this only from ``@bentoml.service``
    (``bentoml serve`` has no ``--workers`` for new-style services), hence the variable. Each
    worker runs the sync endpoint on one thread (BentoML's ``threads`` default).
``BENCH_BENTO_ACCESS_LOG``
    ``0`` turns BentoML's per-request access log off (on by default, as a user gets it).

The model predicts on one thread (``n_jobs=1`` in the pipeline; ``OMP_NUM_THREADS=1`` too).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import bentoml

MODEL_PATH = Path(
    os.environ.get(
        "BENCH_MODEL_PATH",
        Path(__file__).resolve().parent.parent / "out" / "serving" / "model.joblib",
    )
)
WORKERS = int(os.environ.get("BENCH_BENTO_WORKERS", "1"))
ACCESS_LOG = os.environ.get("BENCH_BENTO_ACCESS_LOG", "1") != "0"


@bentoml.service(
    workers=WORKERS,
    traffic={"timeout": 60},
    logging={"access": {"enabled": ACCESS_LOG}},
)
class Svc:
    def __init__(self) -> None:
        import joblib
        import pandas as pd

        self._pd = pd
        self.model = joblib.load(MODEL_PATH)
        self.classes = [str(c) for c in self.model.classes_]
        # Column order the pipeline was fitted with.
        self.columns = list(self.model.feature_names_in_)

    @bentoml.api
    def predict(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        frame = self._pd.DataFrame.from_records(records, columns=self.columns)
        proba = self.model.predict_proba(frame)
        labels = [self.classes[i] for i in proba.argmax(axis=1)]
        return {"predictions": labels, "probabilities": proba.tolist()}

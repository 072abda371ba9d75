"""The data and the peers' model for the serving benchmark (``benchmarks/serving.py``).

Run it from the repository root with any Python that has NumPy, pandas and pyarrow (mlwright's
``.venv`` will do); it needs ``benchmarks/serving/peers.sh`` to have built
``benchmarks/.venv-mlflow`` (and, for the load check, ``benchmarks/.venv-bentoml``)::

    .venv/bin/python benchmarks/serving/make_model.py            # build what is missing
    .venv/bin/python benchmarks/serving/make_model.py --force    # rebuild everything
    .venv/bin/python benchmarks/serving/make_model.py --baseline # + in-process predict timings

Everything goes under ``benchmarks/out/serving/`` (gitignored):

``train.parquet``
    ``TRAIN_ROWS`` deterministic rows (NumPy seed ``TRAIN_SEED``): 20 float columns
    ``num_00`` .. ``num_19``, 5 string categorical columns ``cat_0`` .. ``cat_4`` (3, 6, 12, 30
    and 100 levels) and the binary string target ``y`` (``"yes"`` / ``"no"``, ~44% yes, from a
    formula of 8 numerics, 3 categoricals and noise). No missing values. This is what mlwright
    ingests and trains on (``target="y"``, ``families=["lightgbm"]``).
``request.parquet`` / ``request.json``
    ``REQUEST_ROWS`` (1,000) new rows from the same distribution (seed ``REQUEST_SEED``), the
    features only, in the same column order; the JSON file is the same rows as a list of
    records (``[{"num_00": 0.12, ..., "cat_4": "c4_017"}, ...]``), which every request body
    is built from.
``model.joblib``
    the peers' model, trained once in the MLflow venv: a scikit-learn ``Pipeline`` of a
    ``ColumnTransformer`` (``OrdinalEncoder`` on the 5 categoricals, unknown levels -> -1;
    the numerics passed through) and ``lightgbm.LGBMClassifier(n_estimators=200,
    num_leaves=31, learning_rate=0.05, n_jobs=1, random_state=0)``, the encoded categoricals
    declared as LightGBM categorical features. BentoML's service loads this file.
``mlflow_model/``
    the very same fitted pipeline saved with ``mlflow.sklearn.save_model`` (with a signature
    inferred from the training frame, an input example, and
    ``pyfunc_predict_fn="predict_proba"``, so that ``/invocations`` answers probabilities), in
    MLflow 3's default skops format with LightGBM's types declared trusted;
    ``mlflow models serve -m benchmarks/out/serving/mlflow_model --env-manager local`` serves
    it.
``model.json``
    what was built: columns, target, classes, seeds, row counts, the hyperparameters, the
    fit time, the library versions of the MLflow venv, and a check that the BentoML venv
    loads ``model.joblib`` and gets the same probabilities.

The same file is also the script that runs *inside* the peer venvs (``--fit`` in the MLflow
venv; ``--check`` and ``--baseline`` in either); those modes import only what the peer venv
has.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BENCHMARKS = HERE.parent
OUT_DIR = BENCHMARKS / "out" / "serving"
MLFLOW_PYTHON = BENCHMARKS / ".venv-mlflow" / "bin" / "python"
BENTOML_PYTHON = BENCHMARKS / ".venv-bentoml" / "bin" / "python"

TRAIN_PATH = OUT_DIR / "train.parquet"
REQUEST_PATH = OUT_DIR / "request.parquet"
REQUEST_JSON = OUT_DIR / "request.json"
JOBLIB_PATH = OUT_DIR / "model.joblib"
MLFLOW_DIR = OUT_DIR / "mlflow_model"
META_PATH = OUT_DIR / "model.json"

TARGET = "y"
CLASSES = ["no", "yes"]
NUMERIC = [f"num_{i:02d}" for i in range(20)]
CATEGORICAL = [f"cat_{i}" for i in range(5)]
FEATURES = NUMERIC + CATEGORICAL
LEVELS = (3, 6, 12, 30, 100)

TRAIN_ROWS = 20_000
REQUEST_ROWS = 1_000
TRAIN_SEED = 7
REQUEST_SEED = 8
LGBM_PARAMS: dict[str, Any] = {
    "n_estimators": 200,
    "num_leaves": 31,
    "learning_rate": 0.05,
    "n_jobs": 1,
    "random_state": 0,
    "verbose": -1,
}

SKOPS_TRUSTED = [
    "collections.OrderedDict",
    "lightgbm.basic.Booster",
    "lightgbm.sklearn.LGBMClassifier",
]

# What a finished build records; a different value means "rebuild".
BUILD_KEY = {
    "train_rows": TRAIN_ROWS,
    "request_rows": REQUEST_ROWS,
    "train_seed": TRAIN_SEED,
    "request_seed": REQUEST_SEED,
    "lgbm_params": LGBM_PARAMS,
    "version": 1,
}


# --------------------------------------------------------------------------- data


def make_frame(n_rows: int, seed: int, *, with_target: bool) -> Any:
    """``n_rows`` deterministic rows: 20 floats, 5 string categoricals and (maybe) ``y``."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    # Correlated numerics on a few scales, as in real tables.
    base = rng.standard_normal((n_rows, 20))
    base[:, 1] = 0.6 * base[:, 0] + 0.8 * base[:, 1]
    scales = np.array([1, 1, 10, 0.1, 100, 1, 5, 1, 2, 1000, 1, 1, 3, 1, 0.5, 1, 1, 50, 1, 1])
    numeric = base * scales
    numeric[:, 4] = np.abs(numeric[:, 4])  # an amount
    numeric = np.round(numeric, 6)  # keeps the JSON short and exact

    # Categoricals with skewed (Zipf-like) level frequencies.
    cats = {}
    codes = {}
    for j, k in enumerate(LEVELS):
        p = 1.0 / np.arange(1, k + 1) ** 0.8
        code = rng.choice(k, size=n_rows, p=p / p.sum())
        codes[j] = code
        cats[CATEGORICAL[j]] = np.array([f"c{j}_{c:03d}" for c in range(k)], dtype=object)[code]

    frame = pd.DataFrame(numeric, columns=NUMERIC)
    for name, values in cats.items():
        frame[name] = values
    frame = frame[FEATURES]

    if with_target:
        z = (
            1.2 * base[:, 0]
            - 0.8 * base[:, 2]
            + 0.5 * base[:, 3] * base[:, 5]
            + 0.7 * np.sin(2 * base[:, 6])
            + 0.4 * np.abs(base[:, 8])
            - 0.3 * base[:, 11] ** 2
            + 0.6 * (base[:, 13] > 0.5)
            + 0.3 * base[:, 19]
            + np.array([0.0, 0.8, -0.5])[codes[0]]
            + (codes[2] % 3 - 1) * 0.6
            + np.where(codes[4] < 10, 0.5, -0.2)
            - 0.6
            + rng.normal(0.0, 1.0, n_rows)
        )
        frame[TARGET] = np.where(z > 0, "yes", "no").astype(object)
    return frame


def write_data() -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    train = make_frame(TRAIN_ROWS, TRAIN_SEED, with_target=True)
    request = make_frame(REQUEST_ROWS, REQUEST_SEED, with_target=False)
    # Plain string columns (not pandas' dictionary or large_string quirks) for every reader.
    pq.write_table(pa.Table.from_pandas(train, preserve_index=False), TRAIN_PATH)
    pq.write_table(pa.Table.from_pandas(request, preserve_index=False), REQUEST_PATH)
    records = request.to_dict(orient="records")
    REQUEST_JSON.write_text(json.dumps(records, separators=(",", ":")))
    yes = float((train[TARGET] == "yes").mean())
    print(
        f"make_model: wrote {TRAIN_PATH} ({len(train):,} rows, {yes:.1%} yes) and "
        f"{REQUEST_PATH} / {REQUEST_JSON.name} ({len(request):,} rows)"
    )


# --------------------------------------------------------------------------- in a peer venv


def build_pipeline() -> Any:
    from lightgbm import LGBMClassifier
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    encode = ColumnTransformer(
        [
            (
                "cat",
                OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, dtype=float),
                CATEGORICAL,
            ),
            ("num", "passthrough", NUMERIC),
        ],
        verbose_feature_names_out=False,
    )
    return Pipeline([("encode", encode), ("lgbm", LGBMClassifier(**LGBM_PARAMS))])


def fit_in_venv() -> None:
    """``--fit``, in the MLflow venv: train once, save joblib + MLflow model, write meta."""
    import shutil
    import warnings

    import joblib
    import mlflow
    import numpy as np
    import pandas as pd
    import sklearn
    from mlflow.models import infer_signature

    train = pd.read_parquet(TRAIN_PATH)
    x, y = train[FEATURES], train[TARGET]
    pipe = build_pipeline()
    start = time.perf_counter()
    # The 5 encoded categoricals come first out of the ColumnTransformer.
    pipe.fit(x, y, lgbm__categorical_feature=list(range(len(CATEGORICAL))))
    fit_s = time.perf_counter() - start
    assert list(pipe.classes_) == CLASSES, pipe.classes_

    joblib.dump(pipe, JOBLIB_PATH)
    if MLFLOW_DIR.exists():
        shutil.rmtree(MLFLOW_DIR)
    request = pd.read_parquet(REQUEST_PATH)
    proba = pipe.predict_proba(request)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        signature = infer_signature(x, pipe.predict_proba(x.head(100)))
        mlflow.sklearn.save_model(
            pipe,
            str(MLFLOW_DIR),
            signature=signature,
            input_example=x.head(2),
            pyfunc_predict_fn="predict_proba",
            # MLflow 3's default (and safe) format, skops, refuses LightGBM's types unless
            # they are named as trusted.
            skops_trusted_types=SKOPS_TRUSTED,
        )
    np.save(OUT_DIR / "request_proba.npy", proba)

    import lightgbm

    meta = {
        "build": BUILD_KEY,
        "target": TARGET,
        "classes": CLASSES,
        "features": FEATURES,
        "numeric": NUMERIC,
        "categorical": CATEGORICAL,
        "train_path": str(TRAIN_PATH),
        "request_path": str(REQUEST_PATH),
        "request_json": str(REQUEST_JSON),
        "joblib_path": str(JOBLIB_PATH),
        "mlflow_dir": str(MLFLOW_DIR),
        "fit_s": round(fit_s, 3),
        "train_accuracy": float((pipe.predict(x) == y).mean()),
        "versions": {
            "python": sys.version.split()[0],
            "mlflow": mlflow.__version__,
            "lightgbm": lightgbm.__version__,
            "scikit-learn": sklearn.__version__,
            "pandas": pd.__version__,
            "numpy": np.__version__,
        },
    }
    META_PATH.write_text(json.dumps(meta, indent=2))
    print(
        f"make_model: fitted in {fit_s:.2f} s (train accuracy {meta['train_accuracy']:.3f}); "
        f"wrote {JOBLIB_PATH} and {MLFLOW_DIR}/"
    )


def check_in_venv() -> None:
    """``--check``, in any peer venv: load ``model.joblib``; the probabilities must match."""
    import joblib
    import numpy as np
    import pandas as pd

    pipe = joblib.load(JOBLIB_PATH)
    proba = pipe.predict_proba(pd.read_parquet(REQUEST_PATH))
    expected = np.load(OUT_DIR / "request_proba.npy")
    diff = float(np.max(np.abs(proba - expected)))
    print(json.dumps({"python": sys.executable, "max_abs_diff": diff}))
    if diff > 1e-9:
        sys.exit(f"model.joblib predicts differently here (max diff {diff})")


def baseline_in_venv(repeats: int) -> dict[str, Any]:
    """``--baseline``: in-process ``predict_proba`` of the pipeline, 1 row and 1,000 rows.

    Each on a DataFrame already in memory (no JSON), the median of ``repeats`` calls after a
    warm-up; also the time to build the 1-row DataFrame from a dict record, which a server
    pays on top.
    """
    import statistics

    import joblib
    import pandas as pd

    pipe = joblib.load(JOBLIB_PATH)
    batch = pd.read_parquet(REQUEST_PATH)
    one = batch.head(1)
    record = batch.to_dict(orient="records")[0]

    def median_s(fn: Any, n: int) -> float:
        for _ in range(min(n, 20)):
            fn()
        times = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    one_s = median_s(lambda: pipe.predict_proba(one), repeats)
    batch_s = median_s(lambda: pipe.predict_proba(batch), max(5, repeats // 20))
    frame_s = median_s(lambda: pd.DataFrame([record]), repeats)
    booster = pipe[-1].booster_
    encoded_one = pipe[:-1].transform(one)
    raw_one_s = median_s(lambda: booster.predict(encoded_one), repeats)
    return {
        "python": sys.executable,
        "one_row_ms": one_s * 1e3,
        "one_row_per_s": 1.0 / one_s,
        "batch_rows": len(batch),
        "batch_ms": batch_s * 1e3,
        "batch_rows_per_s": len(batch) / batch_s,
        "frame_from_record_ms": frame_s * 1e3,
        "raw_booster_one_row_ms": raw_one_s * 1e3,
    }


# --------------------------------------------------------------------------- orchestration


def _built() -> bool:
    if not all(
        p.exists()
        for p in (
            TRAIN_PATH,
            REQUEST_PATH,
            REQUEST_JSON,
            JOBLIB_PATH,
            MLFLOW_DIR / "MLmodel",
            META_PATH,
        )
    ):
        return False
    try:
        return bool(json.loads(META_PATH.read_text()).get("build") == BUILD_KEY)
    except (OSError, ValueError):
        return False


def _run_in(python: Path, *args: str) -> str:
    if not python.exists():
        sys.exit(f"make_model: {python} is missing; run benchmarks/serving/peers.sh first")
    proc = subprocess.run(
        [str(python), __file__, *args],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "OMP_NUM_THREADS": "1",
            "MLFLOW_TRACKING_URI": (OUT_DIR / "mlruns").as_uri(),
        },
        check=False,
    )
    sys.stderr.write(proc.stderr)
    if proc.returncode:
        sys.exit(f"make_model: {python} {' '.join(args)} failed ({proc.returncode})")
    return proc.stdout


def build(force: bool = False) -> dict[str, Any]:
    """Build whatever is missing (everything with ``force``); returns ``model.json``'s dict."""
    if force or not _built():
        write_data()
        sys.stdout.write(_run_in(MLFLOW_PYTHON, "--fit"))
        meta: dict[str, Any] = json.loads(META_PATH.read_text())
        if BENTOML_PYTHON.exists():
            meta["bentoml_check"] = json.loads(_run_in(BENTOML_PYTHON, "--check"))
            META_PATH.write_text(json.dumps(meta, indent=2))
            print(
                f"make_model: the BentoML venv loads model.joblib "
                f"(max diff {meta['bentoml_check']['max_abs_diff']:.1e})"
            )
        return meta
    print(f"make_model: {OUT_DIR} is up to date")
    built: dict[str, Any] = json.loads(META_PATH.read_text())
    return built


def baseline(python: Path = BENTOML_PYTHON, repeats: int = 500) -> dict[str, Any]:
    """The peers' in-process baseline, measured in ``python`` (a peer venv)."""
    timings: dict[str, Any] = json.loads(_run_in(python, "--baseline", "--repeats", str(repeats)))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="time the pipeline's predict_proba in process (1 and 1,000 rows)",
    )
    parser.add_argument("--repeats", type=int, default=500)
    parser.add_argument("--fit", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    in_peer_venv = Path(sys.prefix).name.startswith(".venv-")
    if args.fit:
        fit_in_venv()
    elif args.check:
        check_in_venv()
    elif args.baseline and in_peer_venv:
        print(json.dumps(baseline_in_venv(args.repeats)))
    else:
        build(force=args.force)
        if args.baseline:
            print(json.dumps(baseline(repeats=args.repeats), indent=2))


if __name__ == "__main__":
    main()

"""The reference/current Parquet pairs of the drift benchmark (``benchmarks/drift.py``).

Run it from the repository root with any Python that has NumPy and pyarrow (mlwright's
``.venv`` will do)::

    .venv/bin/python benchmarks/drift/make_data.py                    # 100k and 1M, if missing
    .venv/bin/python benchmarks/drift/make_data.py --sizes 100000 --force

For each size N it writes, under ``benchmarks/out/drift/`` (gitignored):

``reference_N.parquet`` / ``current_N.parquet``
    N rows of the 20 columns of ``COLUMNS``: 14 numeric (normal, lognormal, uniform, gamma,
    exponential, Student t, beta, an integer count, two floats with ~5% missing values) and 6
    string categoricals (3 to 50 levels, Zipf-like skewed frequencies, one with ~5% missing
    values). Reference and current are independent draws (NumPy ``default_rng`` seeded with
    ``(SEED, N, 0)`` and ``(SEED, N, 1)``) of the same distributions, except for exactly three
    shifts injected in current (``SHIFTS``):

    (a) ``income_normal``: a large location shift, +0.5 standard deviations;
    (b) ``channel_cat8``: the top category's share halved (0.368 -> 0.184), the freed share
        spread over the other seven levels in proportion to their own shares;
    (c) ``latency_normal``: a small location shift, +0.1 standard deviations.

    The five other categoricals (and the twelve other numerics) are unshifted, so a tool's
    false alarms on unshifted categorical columns can be counted.

``shifts.json``
    the shifted columns and their sizes, the unshifted columns by kind, the column kinds, the
    seed and the sizes written.

Files are written to a ``.partial`` name first and renamed, so an interrupted run leaves no
half-written pair behind; existing pairs are kept unless ``--force``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
OUT_DIR = HERE.parent / "out" / "drift"
SHIFTS_PATH = OUT_DIR / "shifts.json"
SEED = 20_261_103
SIZES = (100_000, 1_000_000)
MISSING_SHARE = 0.05


def zipf(levels: int, s: float) -> np.ndarray:
    """Skewed category shares, ``p_k ~ 1 / k**s`` for k = 1 .. levels."""
    p = 1.0 / np.arange(1, levels + 1) ** s
    return p / p.sum()


def halve_top(p: np.ndarray) -> np.ndarray:
    """The top category's share halved, the rest spread over the others pro rata."""
    q = p.copy()
    freed = q[0] / 2
    q[0] -= freed
    q[1:] += freed * q[1:] / q[1:].sum()
    return q


# Numeric columns: name -> (distribution, parameters, missing share). The location shifts of
# SHIFTS are given in the column's standard deviation, which is the normal's ``scale``.
# fmt: off
NUMERIC: dict[str, tuple[str, dict[str, float], float]] = {
    "income_normal":     ("normal",      {"loc": 50.0, "scale": 10.0}, 0.0),
    "latency_normal":    ("normal",      {"loc": 100.0, "scale": 25.0}, 0.0),
    "score_normal":      ("normal",      {"loc": 0.0, "scale": 1.0}, 0.0),
    "amount_lognormal":  ("lognormal",   {"mean": 3.0, "sigma": 0.8}, 0.0),
    "size_lognormal":    ("lognormal",   {"mean": 0.0, "sigma": 0.5}, 0.0),
    "ratio_uniform":     ("uniform",     {"low": 0.0, "high": 1.0}, 0.0),
    "lat_uniform":       ("uniform",     {"low": -90.0, "high": 90.0}, 0.0),
    "items_count":       ("poisson",     {"lam": 8.0}, 0.0),
    "wait_gamma":        ("gamma",       {"shape": 2.0, "scale": 2.0}, 0.0),
    "gap_exponential":   ("exponential", {"scale": 1.0}, 0.0),
    "noise_t5":          ("standard_t",  {"df": 5.0}, 0.0),
    "rate_beta":         ("beta",        {"a": 2.0, "b": 5.0}, 0.0),
    "temp_normal_na":    ("normal",      {"loc": 10.0, "scale": 2.0}, MISSING_SHARE),
    "spend_lognormal_na": ("lognormal",  {"mean": 1.0, "sigma": 1.0}, MISSING_SHARE),
}
# Categorical columns: name -> (levels, Zipf exponent, missing share).
CATEGORICAL: dict[str, tuple[int, float, float]] = {
    "tier_cat3":     (3, 1.0, 0.0),
    "region_cat5":   (5, 1.2, 0.0),
    "channel_cat8":  (8, 1.0, 0.0),
    "device_cat12":  (12, 1.1, MISSING_SHARE),
    "city_cat25":    (25, 1.0, 0.0),
    "product_cat50": (50, 1.1, 0.0),
}
# fmt: on
COLUMNS = (*NUMERIC, *CATEGORICAL)

LARGE_SHIFT_STD = 0.5
SMALL_SHIFT_STD = 0.1
SHIFTS: list[dict[str, Any]] = [
    {
        "column": "income_normal",
        "kind": "numeric location",
        "label": "large",
        "size_std": LARGE_SHIFT_STD,
        "delta": LARGE_SHIFT_STD * NUMERIC["income_normal"][1]["scale"],
    },
    {
        "column": "channel_cat8",
        "kind": "categorical frequencies",
        "label": "large",
        "reference_shares": zipf(8, 1.0).round(4).tolist(),
        "current_shares": halve_top(zipf(8, 1.0)).round(4).tolist(),
    },
    {
        "column": "latency_normal",
        "kind": "numeric location",
        "label": "small",
        "size_std": SMALL_SHIFT_STD,
        "delta": SMALL_SHIFT_STD * NUMERIC["latency_normal"][1]["scale"],
    },
]
SHIFTED = {s["column"]: s for s in SHIFTS}


def pair_paths(rows: int, out_dir: Path = OUT_DIR) -> tuple[Path, Path]:
    """``(reference, current)`` Parquet paths for ``rows`` rows."""
    return out_dir / f"reference_{rows}.parquet", out_dir / f"current_{rows}.parquet"


def _numeric(rng: np.random.Generator, name: str, rows: int, shifted: bool) -> pa.Array:
    dist, params, missing = NUMERIC[name]
    values = getattr(rng, dist)(size=rows, **params)
    if dist == "poisson":
        values = values.astype(np.int64)
    if shifted:
        values = values + SHIFTED[name]["delta"]
    mask = rng.random(rows) < missing if missing else None
    return pa.array(values, mask=mask)


def _categorical(rng: np.random.Generator, name: str, rows: int, shifted: bool) -> pa.Array:
    levels, s, missing = CATEGORICAL[name]
    p = zipf(levels, s)
    if shifted:
        p = halve_top(p)
    prefix = name.split("_")[0]
    labels = np.array([f"{prefix}_{k:02d}" for k in range(levels)], dtype=object)
    codes = rng.choice(levels, size=rows, p=p)
    mask = rng.random(rows) < missing if missing else None
    return pa.array(labels[codes], type=pa.string(), mask=mask)


def make_table(rows: int, which: int) -> pa.Table:
    """One side of a pair: ``which`` 0 is reference, 1 is current (with the shifts)."""
    rng = np.random.default_rng([SEED, rows, which])
    arrays: dict[str, pa.Array] = {}
    for name in NUMERIC:
        arrays[name] = _numeric(rng, name, rows, which == 1 and name in SHIFTED)
    for name in CATEGORICAL:
        arrays[name] = _categorical(rng, name, rows, which == 1 and name in SHIFTED)
    return pa.table(arrays)


def describe() -> dict[str, Any]:
    """What ``shifts.json`` holds."""
    unshifted_num = [c for c in NUMERIC if c not in SHIFTED]
    unshifted_cat = [c for c in CATEGORICAL if c not in SHIFTED]
    return {
        "seed": SEED,
        "shifts": SHIFTS,
        "shifted": [s["column"] for s in SHIFTS],
        "unshifted_numeric": unshifted_num,
        "unshifted_categorical": unshifted_cat,
        "columns": {
            **{
                c: {"kind": "numeric", "dist": d, **p, "missing": m}
                for c, (d, p, m) in NUMERIC.items()
            },
            **{
                c: {"kind": "categorical", "levels": n, "zipf_s": s, "missing": m}
                for c, (n, s, m) in CATEGORICAL.items()
            },
        },
    }


def build(sizes: tuple[int, ...] = SIZES, out_dir: Path = OUT_DIR, *, force: bool = False) -> None:
    """Write the pairs for ``sizes`` that are missing (all of them with ``force``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    shifts = out_dir / SHIFTS_PATH.name
    spec = describe()
    old = json.loads(shifts.read_text()) if shifts.exists() else {}
    if {k: v for k, v in old.items() if k != "sizes"} != spec:
        force = True  # the generator changed since the files were written
    written = set(old.get("sizes", [])) if not force else set()
    for rows in sizes:
        paths = pair_paths(rows, out_dir)
        if not force and rows in written and all(p.exists() for p in paths):
            continue
        for which, path in enumerate(paths):
            partial = path.with_suffix(".parquet.partial")
            pq.write_table(make_table(rows, which), partial, compression="zstd")
            partial.replace(path)
            print(f"wrote {path} ({path.stat().st_size / 1e6:,.1f} MB)", file=sys.stderr)
        written.add(rows)
    shifts.write_text(json.dumps({**spec, "sizes": sorted(written)}, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="row counts")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    parser.add_argument("--force", action="store_true", help="rewrite existing pairs")
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.sizes.split(",") if s.strip())
    build(sizes, args.out_dir, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())

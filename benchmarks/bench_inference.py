"""Model inference three ways: in place (scikit-learn / XGBoost), ONNX Runtime, treelite.

Run: `.venv/bin/python benchmarks/bench_inference.py` (or `pytest -m bench -s
benchmarks/bench_inference.py`); the ONNX and treelite rows need the `inference` extra
(`pip install -e ".[inference]"`, part of `dev`).

The members are the production shapes of the global models (XGBoost 300 trees of depth 5,
RandomForest 40 trees of depth 10, ElasticNet after imputation and scaling: the defaults of
`make_estimator`), fitted per stat on 2023-24 of the feature store (held-out rows: 2024-25)
when one is built (`make data`, then `features build` or any `train`), else on the tests' real
slice, plus the stacking ensemble (what selection chooses for every stat) built from them.
Each runtime predicts the means of held-out rows; P(over) is priced from each runtime's means
at the line next to the in-place mean (where P(over) moves fastest with the mean, so the
difference shown is the worst case) and compared with the in-place P(over).

A fourth row per stat, "forest onnx", is the stack with only its RandomForest run by ONNX
Runtime and the rest in place. Printed per runtime and model: per-row latency (median of
single-row calls, what `/api/predict` makes), batch throughput (rows per second on 1,000 rows,
what the board makes) and the max abs P(over) difference against in place, with the 1e-6
budget.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from statmusepicks.core.settings import get_settings  # noqa: E402
from statmusepicks.models.dataset import feature_columns, target_column  # noqa: E402
from statmusepicks.models.distributions import SpreadModel, split_line  # noqa: E402
from statmusepicks.models.estimators import (  # noqa: E402
    StackingEnsemble,
    make_estimator,
    predict_rows,
)
from statmusepicks.models.selection import select_features  # noqa: E402

STATS = ("points", "threes")
MEMBERS = ("xgboost", "random_forest", "elasticnet")
SINGLE_CALLS = 200
BATCH_ROWS = 1000
BUDGET = 1e-6
Predict = Callable[[np.ndarray], np.ndarray]


def _frame() -> tuple[pd.DataFrame, str]:
    """A training season and a held-out one: the store's when built, else the tests' slice."""
    try:
        from statmusepicks.features.store import load_store

        seasons = ["2023-24", "2024-25"]
        return load_store(get_settings(), seasons=seasons), "feature store, 2023-24 .. 2024-25"
    except Exception:
        from tests import factories

        from statmusepicks.features.frame import build_feature_frame

        frame = build_feature_frame(factories.player_logs(), factories.team_logs())
        return frame, "the tests' real slice (no feature store built)"


def _fit(frame: pd.DataFrame, stat: str) -> dict[str, Any]:
    column = target_column(stat)
    rows = frame[frame[column].notna()]
    last = sorted(rows["season"].unique())[-1]
    train, held = rows[rows["season"] < last], rows[rows["season"] == last]
    features = select_features(train, feature_columns(frame), column)
    x = train[features].to_numpy(np.float64)
    y = train[column].to_numpy(float)
    members = {kind: make_estimator(kind).fit(x, y) for kind in MEMBERS}
    stack = StackingEnsemble(members, prefit=True).fit(pd.DataFrame(x), y)
    mean = np.maximum(stack.predict(x), 0.0)
    spread = SpreadModel(family="negbin").fit(mean, y)
    sample = held.sample(min(len(held), BATCH_ROWS), random_state=0)
    return {
        "members": members,
        "stack": stack,
        "spread": spread,
        "x": sample[features].to_numpy(np.float64),
        "n_features": len(features),
    }


# ----------------------------------------------------------------------------- runtimes
def _in_place(model: Any) -> Predict:
    return lambda x: predict_rows(model, pd.DataFrame(x))


def _onnx(model: Any, n_features: int) -> Predict:
    """ONNX Runtime session of one member (float32: ORT has no double tree ensemble or
    imputer kernels)."""
    import onnxruntime as ort
    from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
    from skl2onnx import convert_sklearn, update_registered_converter
    from skl2onnx.common.data_types import FloatTensorType
    from skl2onnx.common.shape_calculator import calculate_linear_regressor_output_shapes
    from xgboost import XGBRegressor

    update_registered_converter(
        XGBRegressor,
        "XGBoostXGBRegressor",
        calculate_linear_regressor_output_shapes,
        convert_xgboost,
    )
    graph = convert_sklearn(
        model,
        initial_types=[("x", FloatTensorType([None, n_features]))],
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(
        graph.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    return lambda x: session.run(None, {"x": x.astype(np.float32)})[0].ravel().astype(float)


def _treelite(model: Any, kind: str, scratch: Path) -> Predict | None:
    """A compiled shared library (tl2cgen) of a forest; None for the linear member."""
    import tl2cgen
    import treelite

    if kind == "elasticnet":
        return None
    if kind == "xgboost":
        imported, prepare = treelite.frontend.from_xgboost(model.get_booster()), None
    else:
        imported, prepare = treelite.sklearn.import_model(model[-1]), model[0]
    library = scratch / f"{kind}-{id(model)}.so"
    tl2cgen.export_lib(imported, toolchain="gcc", libpath=str(library), nthread=1)
    predictor = tl2cgen.Predictor(str(library), nthread=1)

    def predict(x: np.ndarray) -> np.ndarray:
        values = prepare.transform(x) if prepare is not None else x
        # Both libraries split float32 inputs (scikit-learn casts X before its trees).
        matrix = tl2cgen.DMatrix(np.ascontiguousarray(values, dtype=np.float32), dtype="float32")
        return np.asarray(predictor.predict(matrix), float).ravel()

    return predict


def _stacked(stack: StackingEnsemble, parts: dict[str, Predict]) -> Predict:
    final = stack.final_
    return lambda x: final.predict(np.column_stack([parts[k](x) for k in stack.members_]))


# ----------------------------------------------------------------------------- measuring
def _timings(predict: Predict, x: np.ndarray) -> tuple[float, float]:
    """(median ms of one-row calls, rows per second on the whole batch)."""
    predict(x[:1])
    singles = []
    for i in range(SINGLE_CALLS):
        row = x[i % len(x) : i % len(x) + 1]
        started = time.perf_counter()
        predict(row)
        singles.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    predict(x)
    return statistics.median(singles), len(x) / (time.perf_counter() - started)


def _p_over(mean: np.ndarray, spread: SpreadModel, line: np.ndarray) -> np.ndarray:
    over, under, _ = split_line(spread.family, mean, spread.variance(mean), line)
    return over / np.maximum(over + under, 1e-12)


def _runtimes(fitted: dict[str, Any], scratch: Path) -> dict[str, dict[str, Predict]]:
    """Per runtime: a predictor per member and for the stack (missing when unsupported)."""
    members, n_features = fitted["members"], fitted["n_features"]
    out: dict[str, dict[str, Predict]] = {"in place": {k: _in_place(m) for k, m in members.items()}}
    out["in place"]["stack"] = _in_place(fitted["stack"])
    for name, build in (
        ("onnxruntime", lambda _kind, m: _onnx(m, n_features)),
        ("treelite", lambda k, m: _treelite(m, k, scratch)),
    ):
        try:
            parts = {k: build(k, m) for k, m in members.items()}
        except ImportError as exc:
            print(f"  {name}: not installed ({exc.name}); pip install -e '.[inference]'")
            continue
        runtime = {k: p for k, p in parts.items() if p is not None}
        # treelite has no linear models: the stack mixes its forests with ElasticNet in place.
        full = {k: runtime.get(k, out["in place"][k]) for k in members}
        runtime["stack"] = _stacked(fitted["stack"], full)
        out[name] = runtime
    if "onnxruntime" in out:
        # The forest is what makes in-place single rows slow; ONNX Runtime keeps it within 1e-6.
        hybrid = {**out["in place"], "random_forest": out["onnxruntime"]["random_forest"]}
        out["forest onnx"] = {"stack": _stacked(fitted["stack"], hybrid)}
    return out


def run() -> dict[str, Any]:
    frame, source = _frame()
    print(f"\nmodel inference, members fitted on {source}")
    print(
        f"  {'stat':<7} {'model':<14} {'runtime':<12} {'1-row ms':>9} {'rows/s':>10} "
        f"{'max |dP(over)|':>15}  vs 1e-6"
    )
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for stat in STATS:
            fitted = _fit(frame, stat)
            x = fitted["x"]
            runtimes = _runtimes(fitted, Path(scratch))
            base_stack = runtimes["in place"]["stack"](x)
            line = np.floor(np.maximum(base_stack, 0.0)) + 0.5
            for model in (*MEMBERS, "stack"):
                reference = _p_over(
                    np.maximum(runtimes["in place"][model](x), 0.0), fitted["spread"], line
                )
                for runtime, predictors in runtimes.items():
                    if model not in predictors:
                        if runtime == "treelite":
                            print(f"  {stat:<7} {model:<14} {runtime:<12} {'n/a (no trees)':>36}")
                        continue
                    predict = predictors[model]
                    single, throughput = _timings(predict, x)
                    p = _p_over(np.maximum(predict(x), 0.0), fitted["spread"], line)
                    diff = float(np.max(np.abs(p - reference)))
                    verdict = "ok" if diff <= BUDGET else f"{diff / BUDGET:.0f}x over"
                    print(
                        f"  {stat:<7} {model:<14} {runtime:<12} {single:9.3f} "
                        f"{throughput:10.0f} {diff:15.2e}  {verdict}"
                    )
                    figures[f"{stat}:{model}:{runtime}"] = {
                        "single_ms": single,
                        "rows_per_second": throughput,
                        "max_abs_p_diff": diff,
                    }
    return figures


@pytest.mark.bench
def test_inference_runtimes() -> None:
    figures = run()
    in_place = [v for k, v in figures.items() if k.endswith(":in place")]
    assert all(v["max_abs_p_diff"] == 0.0 for v in in_place)


if __name__ == "__main__":
    run()

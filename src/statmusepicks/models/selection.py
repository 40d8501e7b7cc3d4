"""Feature selection: a correlation filter, optionally LASSO or importance on top.

The feature frame holds many near-copies (SMA 5 vs SMA 10 vs EMA of the same stat, combos
next to their parts); dropping one of every pair correlated above 0.97 keeps the information,
speeds every fit and steadies the linear models. The chosen list is stored with each model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Lasso
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from xgboost import XGBRegressor

CORRELATION_LIMIT = 0.97
SAMPLE_ROWS = 30_000


def _sample(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    if len(frame) <= SAMPLE_ROWS:
        return frame
    return frame.sample(SAMPLE_ROWS, random_state=seed)


def correlation_filter(
    frame: pd.DataFrame, features: list[str], target: str, limit: float = CORRELATION_LIMIT
) -> list[str]:
    """Drop the feature less correlated with the target from every pair above `limit`."""
    rows = _sample(frame)
    x = rows[features].astype(float)
    varying = [c for c in features if x[c].nunique(dropna=True) > 1]
    x = x[varying]
    relevance = x.corrwith(rows[target].astype(float)).abs().fillna(0.0)
    order = list(relevance.sort_values(ascending=False).index)
    corr = x[order].corr().abs().fillna(0.0).to_numpy()
    kept: list[int] = []
    for i in range(len(order)):
        if all(corr[i, j] <= limit for j in kept):
            kept.append(i)
    chosen = {order[i] for i in kept}
    return [c for c in features if c in chosen]


def lasso_filter(
    frame: pd.DataFrame, features: list[str], target: str, alpha: float = 0.01
) -> list[str]:
    """Features with a non-zero LASSO coefficient on standardised inputs."""
    rows = _sample(frame)
    model = make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        StandardScaler(),
        Lasso(alpha=alpha, max_iter=5000),
    ).fit(rows[features].astype(float), rows[target].astype(float))
    coef = model[-1].coef_
    return [c for c, w in zip(features, coef, strict=True) if abs(w) > 0]


def importance_filter(
    frame: pd.DataFrame, features: list[str], target: str, keep: int = 60
) -> list[str]:
    """The `keep` features with the highest XGBoost gain on a sample."""
    rows = _sample(frame)
    model = XGBRegressor(
        n_estimators=80, max_depth=4, learning_rate=0.1, n_jobs=1, tree_method="hist"
    ).fit(rows[features].astype(float), rows[target])
    gain = model.get_booster().get_score(importance_type="gain")
    ranked = sorted(features, key=lambda c: -float(np.sum(gain.get(c, 0.0))))
    chosen = set(ranked[:keep])
    return [c for c in features if c in chosen]


def select_features(
    frame: pd.DataFrame, features: list[str], target: str, method: str = "correlation"
) -> list[str]:
    """The correlation filter, then LASSO ('lasso') or gain importance ('importance')."""
    rows = frame[frame[target].notna()]
    chosen = correlation_filter(rows, features, target)
    if method == "lasso":
        chosen = lasso_filter(rows, chosen, target) or chosen
    elif method == "importance":
        chosen = importance_filter(rows, chosen, target)
    return chosen if chosen else list(features)

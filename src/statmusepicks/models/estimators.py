"""Point estimators of a stat's mean: XGBoost, ElasticNet, RandomForest and two ensembles.

Every estimator follows scikit-learn's contract (parameters in `__init__`, learned state in
attributes ending with `_`), so they clone, pickle and compose. `contributions` explains one
prediction with the model's own attribution, which serving shows as "what moved this number".
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.ensemble import RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import ElasticNet, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from xgboost import DMatrix, XGBRegressor

KINDS = ("xgboost", "elasticnet", "random_forest")
# Serving hands the models plain arrays built in the training column order (`as_matrix`), so
# scikit-learn's missing-names warning says nothing. It is silenced once for the process: a
# `warnings.catch_warnings` block per call is not thread-safe, and requests predict in threads.
warnings.filterwarnings(
    "ignore", message="X does not have valid feature names", category=UserWarning
)
# Only the starting point of the weight search: `WeightedEnsemble.fit_weights` moves the weights
# to the validation optimum on the simplex, so these seed SLSQP (docs/modelling.md) and weigh a
# vote only when no validation rows are given.
START_WEIGHTS = {"xgboost": 0.4, "elasticnet": 0.4, "random_forest": 0.2}
# A vote weight below this is a member the weight search dropped (see `fit_weights`): SLSQP
# stops at a tolerance of 1e-6, so a smaller weight is its noise, not a choice.
NEGLIGIBLE_WEIGHT = 1e-6
# Histogram bins of the global XGBoost model; tuning scores its trials with the same binning.
GLOBAL_MAX_BIN = 128

FloatArray = npt.NDArray[np.float64]


def _defaults(kind: str, size: str, quick: bool) -> dict[str, Any]:
    """Hyper-parameters by model size: 'global' (100k+ rows) or 'player' (50-800 rows)."""
    if kind == "xgboost":
        if size == "player":
            return {
                "n_estimators": 60,
                "max_depth": 2,
                "learning_rate": 0.08,
                "min_child_weight": 8,
                "subsample": 0.8,
                "reg_lambda": 10.0,
            }
        return {
            "n_estimators": 150 if quick else 300,
            "max_depth": 5,
            "learning_rate": 0.08 if quick else 0.05,
            "max_bin": GLOBAL_MAX_BIN,
            "min_child_weight": 50,
            "subsample": 0.8,
            "colsample_bytree": 0.8,
            "reg_lambda": 5.0,
        }
    if kind == "elasticnet":
        return {"alpha": 0.3 if size == "player" else 0.01, "l1_ratio": 0.5}
    if kind == "random_forest":
        if size == "player":
            return {"n_estimators": 40, "max_depth": 5, "min_samples_leaf": 8, "max_features": 0.4}
        return {
            "n_estimators": 25 if quick else 40,
            "max_depth": 10,
            "min_samples_leaf": 60,
            "max_features": 0.3,
            "max_samples": 0.15,
        }
    raise ValueError(f"unknown estimator kind {kind!r}; use one of {KINDS}")


def make_estimator(
    kind: str,
    *,
    size: str = "global",
    quick: bool = False,
    params: dict[str, Any] | None = None,
    random_state: int = 0,
    n_jobs: int = 1,
) -> Any:
    """A fresh, unfitted estimator of `kind` ('xgboost', 'elasticnet', 'random_forest')."""
    settings = {**_defaults(kind, size, quick), **(params or {})}
    if kind == "xgboost":
        return XGBRegressor(
            tree_method="hist", random_state=random_state, n_jobs=n_jobs, **settings
        )
    imputer = SimpleImputer(strategy="median", keep_empty_features=True)
    if kind == "elasticnet":
        return Pipeline(
            [
                ("impute", imputer),
                ("scale", StandardScaler()),
                # The Gram matrix (features x features) makes coordinate descent on 100k+
                # rows take seconds instead of minutes; random order converges in fewer sweeps.
                (
                    "model",
                    ElasticNet(
                        precompute=True,
                        max_iter=2000,
                        tol=1e-3,
                        selection="random",
                        random_state=random_state,
                        **settings,
                    ),
                ),
            ]
        )
    return Pipeline(
        [
            ("impute", imputer),
            ("model", RandomForestRegressor(random_state=random_state, n_jobs=n_jobs, **settings)),
        ]
    )


class WeightedEnsemble(RegressorMixin, BaseEstimator):
    """A weighted vote of member regressors; weights live on the simplex.

    `fit` fits the members with the weights given (or takes them as fitted with `prefit`);
    `fit_weights` then chooses the weights that minimise squared error on held-out
    (validation) rows, starting from the given ones.
    """

    def __init__(
        self,
        members: dict[str, Any] | None = None,
        weights: dict[str, float] | None = None,
        prefit: bool = False,
    ) -> None:
        self.members = members
        self.weights = weights
        self.prefit = prefit

    def fit(self, x: pd.DataFrame, y: npt.ArrayLike) -> WeightedEnsemble:
        members = self.members or {}
        self.members_ = (
            dict(members)
            if self.prefit
            else {name: clone(model).fit(x, y) for name, model in members.items()}
        )
        raw = self.weights or {name: START_WEIGHTS.get(name, 1.0) for name in members}
        total = sum(raw.get(name, 0.0) for name in members) or 1.0
        self.weights_ = {name: raw.get(name, 0.0) / total for name in members}
        return self

    def member_predictions(self, x: pd.DataFrame) -> pd.DataFrame:
        """One column of predictions per member."""
        return pd.DataFrame({name: member_predict(m, x) for name, m in self.members_.items()})

    def fit_weights(self, x: pd.DataFrame, y: npt.ArrayLike) -> WeightedEnsemble:
        """Simplex weights minimising squared error on these (held-out) rows."""
        preds = self.member_predictions(x).to_numpy(float)
        target = np.asarray(y, float)
        names = list(self.members_)
        start = np.array([self.weights_[n] for n in names])

        def loss(w: FloatArray) -> float:
            return float(np.mean((preds @ w - target) ** 2))

        result = optimize.minimize(
            loss,
            start,
            method="SLSQP",
            bounds=[(0.0, 1.0)] * len(names),
            constraints=({"type": "eq", "fun": lambda w: float(np.sum(w) - 1.0)},),
        )
        weights = np.clip(result.x, 0.0, 1.0)
        # SLSQP leaves a member it drops at 1e-17 to 1e-8, not 0: call that 0, so that refits
        # know the member cannot move the vote and do not grow it again.
        weights[weights < NEGLIGIBLE_WEIGHT] = 0.0
        weights = weights / weights.sum()
        self.weights_ = {n: float(w) for n, w in zip(names, weights, strict=True)}
        self.weights = dict(self.weights_)
        return self

    def predict(self, x: pd.DataFrame) -> FloatArray:
        preds = self.member_predictions(x)
        return np.asarray(sum(preds[n] * w for n, w in self.weights_.items()), float)


class StackingEnsemble(RegressorMixin, BaseEstimator):
    """Ridge over held-out member predictions, the hold-out being the later rows.

    Copies of the members are fitted on the earlier `1 - holdout` share of the (time-ordered)
    rows and predict the later share; the Ridge learns how to mix them there. This keeps the
    stack honest about time and costs half a member fit instead of k. With `prefit=True` the
    members are taken as already fitted on all rows (selection fits them once for every
    variant); otherwise they are fitted on all rows after the Ridge. When later rows that no
    member saw are at hand, `fit_mix` learns the Ridge on them instead, without the copies.
    """

    def __init__(
        self, members: dict[str, Any] | None = None, holdout: float = 0.3, prefit: bool = False
    ) -> None:
        self.members = members
        self.holdout = holdout
        self.prefit = prefit

    def fit(self, x: pd.DataFrame, y: npt.ArrayLike) -> StackingEnsemble:
        members = self.members or {}
        target = np.asarray(y, float)
        cut = int(len(target) * (1.0 - self.holdout))
        held_out = np.column_stack(
            [
                clone(model).fit(x.iloc[:cut], target[:cut]).predict(x.iloc[cut:])
                for model in members.values()
            ]
        )
        self.final_ = Ridge(alpha=1.0).fit(held_out, target[cut:])
        self.members_ = (
            dict(members)
            if self.prefit
            else {name: clone(m).fit(x, target) for name, m in members.items()}
        )
        return self

    def fit_mix(self, x_held: pd.DataFrame, y_held: npt.ArrayLike) -> StackingEnsemble:
        """The Ridge learnt on prefit members' predictions of rows none of them was fitted on.

        Selection has such rows at hand (the validation season, where the weighted vote learns
        its weights too), so the mix is learnt on the very members it mixes, and the copies
        `fit` grows on 70 % of the window only to produce held-out rows are not needed.
        """
        members = dict(self.members or {})
        held_out = np.column_stack([member_predict(m, x_held) for m in members.values()])
        self.final_ = Ridge(alpha=1.0).fit(held_out, np.asarray(y_held, float))
        self.members_ = members
        return self

    def refit_members(
        self, members: dict[str, Any], x: pd.DataFrame, y: npt.ArrayLike
    ) -> StackingEnsemble:
        """A copy whose `members` are fitted on (more) rows, this stack's mix kept.

        Refitting a chosen stack on a longer window re-learns only what the window changes,
        like the weighted vote keeps its weights: relearning the Ridge would cost another fit
        of every member on 70 % of the window for a mix that barely moves.
        """
        stack = StackingEnsemble(members, holdout=self.holdout, prefit=True)
        stack.final_ = self.final_
        target = np.asarray(y, float)
        stack.members_ = {name: clone(m).fit(x, target) for name, m in members.items()}
        return stack

    def predict(self, x: pd.DataFrame) -> FloatArray:
        preds = np.column_stack([member_predict(m, x) for m in self.members_.values()])
        return np.asarray(self.final_.predict(preds), float)


def as_matrix(frame: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """The float feature matrix in the model's column order (missing columns become NaN)."""
    return frame.reindex(columns=features).astype(float)


def predict_rows(estimator: Any, x: pd.DataFrame) -> FloatArray:
    """Predictions for rows already in the model's column order (`as_matrix`), made fast.

    The frame goes in as a plain float array: scikit-learn otherwise checks every column's
    dtype and name on every call, which costs more than the model itself on the one-row calls
    serving makes. The names are right by construction, so their check is skipped knowingly.
    """
    return np.asarray(member_predict(estimator, x.to_numpy(np.float64)), float)


def member_predict(model: Any, x: Any) -> FloatArray:
    """`model.predict(x)`, with the RandomForest pipeline's trees called directly.

    scikit-learn's forest `predict` validates the input and dispatches every tree through
    joblib, which costs about 20 ms on a one-row call to our 40-tree forest
    (benchmarks/bench_inference.py); the trees themselves take under 2 ms. The direct loop
    casts to float32 and adds the trees' outputs in their order, as the forest does, so the
    result is bit for bit the same (tests/unit/models/test_training_speed.py).
    """
    if not (isinstance(model, Pipeline) and isinstance(model[-1], RandomForestRegressor)):
        return np.asarray(model.predict(x), float)
    forest = model[-1]
    inputs = np.asarray(model[:-1].transform(x), dtype=np.float32)
    total = np.zeros(len(inputs))
    for tree in forest.estimators_:
        total += tree.tree_.predict(inputs)[:, 0]
    return np.asarray(total / len(forest.estimators_), float)


def contributions(estimator: Any, x: pd.DataFrame) -> pd.DataFrame | None:
    """Each feature's additive effect on each prediction, or None if the model has none.

    XGBoost: exact tree SHAP values (`pred_contribs`). ElasticNet: coefficient times the
    standardised value (the effect relative to an average training row). Ensembles: the
    members' contributions weighted as in the vote, renormalised over members that have them
    (RandomForest has no built-in attribution).
    """
    values = x.to_numpy(np.float64)
    if isinstance(estimator, XGBRegressor):
        booster = estimator.get_booster()
        matrix = DMatrix(values, feature_names=list(x.columns), nthread=1)
        raw = booster.predict(matrix, pred_contribs=True)
        return pd.DataFrame(raw[:, :-1], columns=x.columns, index=x.index)
    if isinstance(estimator, Pipeline) and isinstance(estimator[-1], ElasticNet):
        scaled = estimator[:-1].transform(values)
        return pd.DataFrame(scaled * estimator[-1].coef_, columns=x.columns, index=x.index)
    if isinstance(estimator, WeightedEnsemble):
        parts = [
            (w, contributions(estimator.members_[n], x)) for n, w in estimator.weights_.items()
        ]
        covered = [(w, c) for w, c in parts if c is not None and w > 0]
        total = sum(w for w, _ in covered)
        return weighted_sum([(w / total, c) for w, c in covered]) if total else None
    if isinstance(estimator, StackingEnsemble):
        coefs = estimator.final_.coef_
        return weighted_sum(
            [
                (float(c), contributions(m, x))
                for c, m in zip(coefs, estimator.members_.values(), strict=True)
            ]
        )
    return None


def weighted_sum(parts: list[tuple[float, pd.DataFrame | None]]) -> pd.DataFrame | None:
    """Weighted sum of contribution frames over the union of their columns (missing = 0).

    Ensemble members share the columns of `x`; a combo's components (predictor) select
    different features. Summing arrays into one matrix avoids pandas' align-and-copy on every
    addition, which dominated one-row serving calls.
    """
    frames = [(w, c) for w, c in parts if c is not None]
    if not frames:
        return None
    columns = list(dict.fromkeys(column for _, frame in frames for column in frame.columns))
    position = {column: i for i, column in enumerate(columns)}
    index = frames[0][1].index
    total = np.zeros((len(index), len(columns)))
    for weight, frame in frames:
        total[:, [position[c] for c in frame.columns]] += weight * frame.to_numpy(np.float64)
    return pd.DataFrame(total, columns=columns, index=index)

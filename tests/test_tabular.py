"""TabularMLPRegressor: raw tables in, scikit-learn's contract kept.

scikit-learn's own checks run in ``test_estimator_checks.py``.
"""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, RobustScaler

from skmlp import BackpropRegressor, TabularMLPRegressor, _tabular
from skmlp._tabular import WeightedRobustScaler, smooth_clip, weighted_percentile

pd = pytest.importorskip("pandas")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def frame(n=300, seed=0):
    """A raw table: numbers with NaN, a category, strings with None, a bool."""
    rng = np.random.RandomState(seed)
    X = pd.DataFrame(
        {
            "size": rng.uniform(20, 200, n),
            "rooms": rng.randint(1, 6, n).astype(float),
            "city": pd.Categorical(rng.choice(["A", "B", "C"], n)),
            "street": rng.choice(["x", "y", "z", None], n).astype(object),
            "garden": rng.rand(n) > 0.5,
            "count": rng.randint(0, 4, n),
        }
    )
    X.loc[::7, "rooms"] = np.nan
    X.loc[::11, "city"] = np.nan
    y = 3 * X["size"] + 40 * X["city"].cat.codes + 20 * X["garden"]
    return X, (y + rng.normal(0, 5, n)).to_numpy()


def test_raw_frame_columns_by_dtype():
    X, y = frame()
    est = TabularMLPRegressor(max_iter=30, random_state=0).fit(X, y)
    assert est.numeric_features_ == ["size", "rooms", "count"]
    assert est.categorical_features_ == ["city", "street", "garden"]
    assert_array_equal(est.feature_names_in_, X.columns)
    assert est.n_features_in_ == 6
    names = est.preprocessor_.get_feature_names_out()
    # One indicator: only 'rooms' had missing numbers.
    assert [n for n in names if "missingindicator" in n] == [
        "numeric__missingindicator_rooms"
    ]
    assert "categorical__street_nan" in names
    assert est.score(X, y) > 0.9
    # The fitted network learned on the preprocessor's columns.
    assert est.regressor_.n_features_in_ == len(names)


def test_unseen_categories_and_missing_values_at_predict():
    X, y = frame()
    est = TabularMLPRegressor(max_iter=5, random_state=0).fit(X, y)
    X_new = X.head(3).copy()
    X_new["street"] = ["never seen", None, "x"]
    X_new["size"] = [np.nan, 50.0, 1e6]
    pred = est.predict(X_new)
    assert pred.shape == (3,)
    assert np.isfinite(pred).all()


def test_the_inner_regressor_has_the_tabular_settings():
    X, y = frame()
    est = TabularMLPRegressor(
        max_iter=5, weight_decay=0.3, early_stopping=True, random_state=0
    ).fit(X, y)
    inner = est.regressor_
    assert isinstance(inner, BackpropRegressor)
    assert inner.standardize_y
    assert inner.early_stopping
    assert (inner.solver, inner.beta_2, inner.weight_decay) == ("adam", 0.95, 0.3)
    assert est.n_iter_ == inner.n_iter_ == len(est.loss_curve_)
    assert est.best_validation_score_ == max(est.validation_scores_)


def test_small_data_trains_on_every_row_without_early_stopping():
    X, y = frame(n=100)
    est = TabularMLPRegressor(max_iter=5, early_stopping=True, random_state=0)
    est.fit(X, y)
    assert not est.regressor_.early_stopping
    assert est.validation_scores_ is None


@pytest.mark.parametrize(
    ("early_stopping", "threshold", "expected"),
    [
        ("auto", 10_000, False),
        ("auto", 299, True),
        (True, 10_000, True),
        (False, 299, False),
    ],
)
def test_early_stopping_auto_splits_only_above_the_threshold(
    monkeypatch, early_stopping, threshold, expected
):
    # 'auto' is HGB's rule (a split above 10,000 rows); the threshold is
    # lowered so that a 300-row frame is "large".
    monkeypatch.setattr(_tabular, "AUTO_EARLY_STOPPING_ROWS", threshold)
    X, y = frame()
    est = TabularMLPRegressor(
        max_iter=3, early_stopping=early_stopping, random_state=0
    ).fit(X, y)
    assert est.regressor_.early_stopping is expected
    assert (est.validation_scores_ is not None) is expected
    if not expected:  # every row trains, for every epoch of the schedule
        assert est.n_iter_ == 3


def test_pandas_string_and_mixed_object_columns_are_categories():
    # A 'string' column's missing values are pd.NA, and an object column may
    # mix numbers and strings: scikit-learn's encoders refuse both as they
    # are, so the categories are encoded from their str, missing as NaN.
    X, y = frame()
    X["street"] = X["street"].astype("string")
    X["mixed"] = pd.Series([1, "a", 2.5, None] * 75, dtype=object)
    X["flag"] = pd.array([True, False, None] * 100, dtype="boolean")
    est = TabularMLPRegressor(max_iter=3, random_state=0).fit(X, y)
    assert est.categorical_features_ == ["city", "street", "garden", "mixed", "flag"]
    names = set(est.preprocessor_.get_feature_names_out())
    assert {"categorical__street_nan", "categorical__street_x"} <= names
    assert {f"categorical__mixed_{v}" for v in ("1", "a", "2.5", "nan")} <= names
    assert {"categorical__flag_True", "categorical__flag_nan"} <= names
    new = X.head(4).copy()
    new["mixed"] = pd.Series([3, "a", None, 1], dtype=object, index=new.index)
    assert np.isfinite(est.predict(new)).all()


def test_categories_as_strings_keeps_missing_values_missing():
    X = pd.DataFrame(
        {
            "s": pd.array(["x", None, "y"], dtype="string"),
            "o": pd.Series([None, 2, np.nan], dtype=object),
            "c": pd.Categorical(["a", np.nan, "a"]),
        }
    )
    out = _tabular.categories_as_strings(X)
    assert out.dtype == object
    missing = [[False, True, False], [True, False, True], [False, True, False]]
    assert_array_equal(pd.isna(out).T, missing)
    # Missing values are the float NaN, which the encoders take as missing.
    assert all(isinstance(v, float) for v in out[pd.isna(out)])
    assert [out[0, 0], out[2, 0], out[1, 1], out[0, 2], out[2, 2]] == [
        "x",
        "y",
        "2",
        "a",
        "a",
    ]


def test_early_stopping_is_validated():
    X, y = frame(n=50)
    with pytest.raises(ValueError, match="early_stopping"):
        TabularMLPRegressor(early_stopping="yes").fit(X, y)


def test_numpy_arrays_are_numeric():
    X, y = frame()
    numbers = X[["size", "rooms", "count"]].to_numpy()
    est = TabularMLPRegressor(max_iter=5, random_state=0).fit(numbers, y)
    assert est.numeric_features_ == [0, 1, 2]
    assert est.categorical_features_ == []
    assert not hasattr(est, "feature_names_in_")
    with pytest.raises(ValueError, match="pass a pandas DataFrame"):
        TabularMLPRegressor().fit(X.to_numpy(), y)


def test_clear_errors_for_bad_input():
    X, y = frame()
    est = TabularMLPRegressor(max_iter=3, random_state=0).fit(X, y)
    with pytest.raises(TypeError, match="fitted on a DataFrame"):
        est.predict(X.to_numpy())
    with pytest.raises(ValueError, match=r"not seen during fit|missing"):
        est.predict(X.drop(columns="city"))
    dates = X.assign(when=pd.Timestamp("2024-01-01"))
    with pytest.raises(ValueError, match=r"'when'.*Convert them"):
        TabularMLPRegressor().fit(dates, y)
    with pytest.raises(ValueError, match="Negative values"):
        TabularMLPRegressor().fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="infinity"):
        TabularMLPRegressor().fit(X.assign(size=np.inf), y)


def test_sample_weight_is_repetition():
    # Integer weights equal repeated rows, in the scaling too (the weighted
    # median and quartiles) and in the loss; full batches, and no validation
    # split on so few rows. (Category frequencies are counted unweighted.)
    X, y = frame(n=40)
    X = X[["size", "count"]]
    weights = np.random.RandomState(1).randint(0, 3, len(y))
    weighted = TabularMLPRegressor(max_iter=10, batch_size=1000, random_state=0)
    weighted.fit(X, y, sample_weight=weights)
    rows = np.repeat(np.arange(len(y)), weights)
    repeated = clone(weighted)
    repeated.fit(X.iloc[rows], y[rows])
    assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-6)


def test_weighted_robust_scaler():
    rng = np.random.RandomState(0)
    X = rng.lognormal(size=(101, 3))
    X[::5, 1] = np.nan
    X[:, 2] = np.where(rng.rand(101) < 0.9, 0.0, rng.uniform(1, 50, 101))
    ours = WeightedRobustScaler().fit(X)
    # The median as RobustScaler's; quartiles by the averaged inverted CDF,
    # the definition that weights generalise.
    assert_allclose(ours.center_, RobustScaler().fit(X).center_)
    q25, q75 = np.nanpercentile(X, [25, 75], axis=0, method="averaged_inverted_cdf")
    assert_allclose(ours.scale_[:2], (q75 - q25)[:2])
    # Quartiles equal: half the range, not RobustScaler's 1.
    assert ours.scale_[2] == pytest.approx(np.ptp(X[:, 2]) / 2)
    assert_allclose(WeightedRobustScaler().fit(np.ones((5, 1))).scale_, [1.0])


def test_smooth_clip():
    x = np.array([-1e9, -3.0, 0.0, 0.5, 1e9, np.nan])
    out = smooth_clip(x)
    assert_allclose(out[:5], [-3, -3 / np.sqrt(2), 0, 0.5 / np.sqrt(1 + 1 / 36), 3])
    assert np.isnan(out[5])


def test_clone_pickle_grid_search_and_pipeline():
    X, y = frame()
    est = TabularMLPRegressor(max_iter=5, random_state=0)
    assert clone(est).get_params() == est.get_params()
    est.fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    assert_array_equal(restored.predict(X), est.predict(X))
    search = GridSearchCV(est, {"weight_decay": [0.0, 0.1]}, cv=2).fit(X, y)
    assert search.best_estimator_.n_features_in_ == 6
    pipe = make_pipeline(FunctionTransformer(lambda X: X.assign(extra=1.0)), est)
    assert pipe.fit(X, y).predict(X).shape == (len(y),)


def test_quantile_loss_brackets_the_median():
    X, y = frame(n=600)
    low = TabularMLPRegressor(loss="quantile", quantile=0.1, random_state=0)
    high = clone(low).set_params(quantile=0.9)
    low_pred, high_pred = low.fit(X, y).predict(X), high.fit(X, y).predict(X)
    coverage = np.mean((low_pred <= y) & (y <= high_pred))
    assert 0.65 < coverage < 0.95


def test_callbacks_reach_the_inner_network():
    callback = pytest.importorskip("sklearn.callback")

    class Propagated:
        max_propagation_depth = None

        def __init__(self):
            self.tasks = []

        def setup(self, estimator, context):
            pass

        def teardown(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context):
            pass

        def on_fit_task_end(self, estimator, context):
            self.tasks.append((type(estimator).__name__, context.task_name))

    assert isinstance(Propagated(), callback.AutoPropagatedCallback)
    X, y = frame()
    recorder = Propagated()
    est = TabularMLPRegressor(max_iter=4, n_iter_no_change=100, random_state=0)
    est.set_callbacks(recorder).fit(X, y)
    epochs = [t for t in recorder.tasks if t == ("BackpropRegressor", "epoch")]
    assert len(epochs) == 4
    assert recorder.tasks[-1] == ("TabularMLPRegressor", "fit")


@pytest.mark.parametrize("q", [0, 10, 25, 50, 75, 90, 100])
def test_weighted_percentile_is_numpys_averaged_inverted_cdf(q):
    rng = np.random.RandomState(0)
    X = rng.randn(41, 3)
    X[::7, 1] = np.nan
    ones = np.ones(len(X))
    expected = np.nanpercentile(X, q, axis=0, method="averaged_inverted_cdf")
    np.testing.assert_allclose(weighted_percentile(X, ones, q), expected)
    # An integer weight counts as repeated rows; a zero weight as no row.
    weights = rng.randint(0, 4, len(X)).astype(float)
    repeated = np.repeat(X, weights.astype(int), axis=0)
    expected = np.nanpercentile(repeated, q, axis=0, method="averaged_inverted_cdf")
    np.testing.assert_allclose(weighted_percentile(X, weights, q), expected)

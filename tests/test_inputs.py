"""What BackpropRegressor accepts: input types, target shapes and seeds.

DataFrames, 1-D and 2-D targets, integer and boolean inputs, and
``random_state`` as an integer, ``None`` or a ``RandomState``, each as
MLPRegressor treats them.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from _helpers import (
    SOLVERS,
    assert_weights_close,
    assert_weights_equal,
    estimator_data,
    ignore_convergence,
    weights,
)
from numpy.testing import assert_array_equal
from sklearn.exceptions import DataConversionWarning
from sklearn.neural_network import MLPRegressor

from skmlp import BackpropRegressor

# -- input types ---------------------------------------------------------------------


@ignore_convergence
def test_dataframe_input_sets_feature_names():
    X, y = estimator_data()
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    params = {"hidden_layer_sizes": (5,), "max_iter": 5, "random_state": 0}
    est = BackpropRegressor(**params).fit(df, pd.Series(y))
    assert_array_equal(est.feature_names_in_, ["a", "b", "c", "d"])
    assert est.n_features_in_ == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no feature-name warning
        predictions = est.predict(df)
    assert_array_equal(predictions, BackpropRegressor(**params).fit(X, y).predict(X))
    assert not hasattr(BackpropRegressor(**params).fit(X, y), "feature_names_in_")


@ignore_convergence
@pytest.mark.parametrize("solver", SOLVERS)
def test_1d_and_2d_targets(solver):
    X, Y = estimator_data(n_outputs=2)
    params = {
        "hidden_layer_sizes": (5,),
        "solver": solver,
        "max_iter": 5,
        "random_state": 0,
    }
    one = BackpropRegressor(**params).fit(X, Y[:, 0])
    assert one.n_outputs_ == 1
    assert one.predict(X).shape == (len(X),)
    two = BackpropRegressor(**params).fit(X, Y)
    assert two.n_outputs_ == 2
    assert two.coefs_[-1].shape == (5, 2)
    assert two.predict(X).shape == (len(X), 2)


@ignore_convergence
def test_column_vector_y_warns_like_mlpregressor():
    X, y = estimator_data()
    params = {"hidden_layer_sizes": (5,), "max_iter": 5, "random_state": 0}
    with pytest.warns(DataConversionWarning) as ours:
        est = BackpropRegressor(**params).fit(X, y[:, None])
    with pytest.warns(DataConversionWarning) as theirs:
        MLPRegressor(**params).fit(X, y[:, None])
    messages = [str(w.message) for w in ours if w.category is DataConversionWarning]
    expected = [str(w.message) for w in theirs if w.category is DataConversionWarning]
    assert messages == expected
    assert est.n_outputs_ == 1
    assert est.predict(X).shape == (len(X),)
    assert_array_equal(est.predict(X), BackpropRegressor(**params).fit(X, y).predict(X))


@ignore_convergence
@pytest.mark.parametrize("dtype", [np.int64, np.int32, bool])
def test_int_and_bool_input(dtype):
    rng = np.random.RandomState(0)
    X = rng.randint(0, 3, size=(40, 3)).astype(dtype)
    y = X.sum(axis=1).astype(np.float64)
    params = {"hidden_layer_sizes": (4,), "max_iter": 5, "random_state": 0}
    est = BackpropRegressor(**params).fit(X, y)
    reference = BackpropRegressor(**params).fit(X.astype(np.float64), y)
    assert est.coefs_[0].dtype == np.float64
    assert_array_equal(est.predict(X), reference.predict(X.astype(np.float64)))


def test_integer_targets_are_regression_targets():
    X, y = estimator_data()
    y_int = np.round(3 * y).astype(int)
    est = BackpropRegressor(hidden_layer_sizes=(4,), solver="lbfgs", random_state=0)
    est.fit(X, y_int)
    assert est.predict(X).dtype == np.float64


# -- seeding ---------------------------------------------------------------------------


@ignore_convergence
@pytest.mark.parametrize("solver", SOLVERS)
def test_every_fit_reseeds_from_an_integer_random_state(solver):
    X, y = estimator_data()
    est = BackpropRegressor(
        hidden_layer_sizes=(5,),
        solver=solver,
        max_iter=5,
        early_stopping=solver != "lbfgs",
        random_state=0,
    )
    first = weights(est.fit(X, y))
    second = weights(est.fit(X, y))
    assert_weights_equal(second, first)
    if solver != "lbfgs":
        est.set_params(early_stopping=False)
        a = weights(clone_of(est).partial_fit(X, y).partial_fit(X, y))
        b = weights(clone_of(est).partial_fit(X, y).partial_fit(X, y))
        assert_weights_equal(a, b)


def clone_of(est):
    return BackpropRegressor(**est.get_params())


@ignore_convergence
@pytest.mark.parametrize("solver", SOLVERS)
def test_random_state_none_draws_from_numpys_global_generator(solver):
    X, y = estimator_data()
    params = {
        "hidden_layer_sizes": (5,),
        "solver": solver,
        "max_iter": 5,
        "random_state": None,
    }
    np.random.seed(12)  # noqa: NPY002 (the global generator is the point)
    ours = BackpropRegressor(**params).fit(X, y)
    np.random.seed(12)  # noqa: NPY002
    theirs = MLPRegressor(**params).fit(X, y)
    assert_weights_close(ours, theirs)
    # Without reseeding, the next fit draws other weights.
    again = BackpropRegressor(**params).fit(X, y)
    assert not np.allclose(again.coefs_[0], ours.coefs_[0])


@ignore_convergence
def test_random_state_instance_is_drawn_from_like_mlpregressor():
    X, y = estimator_data()
    params = {"hidden_layer_sizes": (5,), "solver": "sgd", "max_iter": 3}
    ours = BackpropRegressor(**params, random_state=np.random.RandomState(4))
    theirs = MLPRegressor(**params, random_state=np.random.RandomState(4))
    first = weights(ours.fit(X, y))
    theirs.fit(X, y)
    second = weights(ours.fit(X, y))
    theirs.fit(X, y)
    assert not np.allclose(first[0], second[0])  # the generator moved on
    assert_weights_close(second, theirs)

"""scikit-learn's own conformance checks, over every solver.

With scikit-learn >= 1.9 they include the array-API checks (input, mixed
inputs, same namespace) for every configuration here, regressors and
classifiers: they need SCIPY_ARRAY_API=1 and array-api-strict (and torch for
its CPU combinations); see tests/test_array_api.py.
"""

import pytest
from sklearn.utils.estimator_checks import (
    check_param_validation,
    parametrize_with_checks,
)

from skmlp import (
    BackpropClassifier,
    BackpropRegressor,
    PeriodicEmbedding,
    TabularMLPRegressor,
)

# max_iter=100 is too few for some checks' data; that is not what they test.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ESTIMATORS = [
    estimator(solver=solver, max_iter=100, random_state=0)
    for estimator in (BackpropRegressor, BackpropClassifier)
    for solver in ("lbfgs", "sgd", "adam")
] + [
    # The opt-ins of issue 11 together: schedule, weight decay, pinball loss.
    BackpropRegressor(
        solver=solver,
        learning_rate="cosine",
        warmup_fraction=0.1,
        weight_decay=1e-3,
        loss="quantile",
        max_iter=100,
        random_state=0,
    )
    for solver in ("sgd", "adam")
]
# The classifier with the shared opt-ins (the array-API checks included).
ESTIMATORS.append(
    BackpropClassifier(
        solver="adam",
        learning_rate="cosine",
        warmup_fraction=0.1,
        weight_decay=1e-3,
        max_iter=100,
        random_state=0,
    )
)
# Numeric embeddings (issue 11), numpy only: no Array API checks for them.
ESTIMATORS += [
    BackpropRegressor(
        numeric_embedding=PeriodicEmbedding(8, 0.1, 4), max_iter=50, random_state=0
    ),
    BackpropClassifier(
        numeric_embedding="piecewise_linear", max_iter=50, random_state=0
    ),
]
# Ensembles trained in one pass (numpy only: no array-API checks).
ESTIMATORS += [
    estimator(n_ensemble=3, max_iter=100, random_state=0)
    for estimator in (BackpropRegressor, BackpropClassifier)
]
# Raw tables in: a ColumnTransformer and a BackpropRegressor inside. The
# checks' data are small, so early_stopping='auto' holds out no split; the
# third instance does where 20 rows can be held out (the regression checks'
# set has 200 rows).
ESTIMATORS += [
    TabularMLPRegressor(max_iter=20, random_state=0),
    TabularMLPRegressor(max_iter=20, loss="quantile", random_state=0),
    TabularMLPRegressor(max_iter=20, early_stopping=True, random_state=0),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_param_validation():
    for estimator in ESTIMATORS:
        check_param_validation(type(estimator).__name__, estimator)

"""
=====================================================
A real dataset, end to end: diabetes progression
=====================================================

The diabetes data that ships with scikit-learn (no download needed): ten
baseline measurements of 442 patients, and a measure of disease progression
one year later. This example builds the whole model in one estimator:

- a :class:`~sklearn.compose.ColumnTransformer` that one-hot encodes the
  categorical column and standardizes the numeric ones,
- :class:`skmlp.BackpropRegressor` on the result,
- wrapped in a :class:`~sklearn.compose.TransformedTargetRegressor` that
  standardizes the target for training and maps predictions back,

then evaluates it on held-out patients against a linear baseline, with plots
of predicted against true values and of the residuals.
"""

# %%
# The data, with its raw units
# ----------------------------
# ``scaled=False`` gives the original values: age in years, sex coded 1 or 2,
# body-mass index, blood pressure and six blood serum measurements.
import warnings

import matplotlib.pyplot as plt
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import RidgeCV
from sklearn.metrics import PredictionErrorDisplay, mean_absolute_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skmlp import BackpropRegressor

data = load_diabetes(as_frame=True, scaled=False)
X, y = data.data, data.target
X["sex"] = X["sex"].map({1.0: "a", 2.0: "b"}).astype("category")
print(X.head())
print(f"disease progression: from {y.min():.0f} to {y.max():.0f}")

X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

# %%
# Preprocessing, network and target scaling in one estimator
# ----------------------------------------------------------
# Networks train best on inputs and targets of unit scale. The column
# transformer handles the inputs; ``TransformedTargetRegressor`` standardizes
# ``y`` before ``fit`` and inverts the scaling on ``predict``, so the model
# predicts in the target's own units.
numeric = [column for column in X.columns if column != "sex"]
preprocess = ColumnTransformer(
    [
        ("categorical", OneHotEncoder(drop="if_binary"), ["sex"]),
        ("numeric", StandardScaler(), numeric),
    ]
)


def with_scaled_target(regressor):
    return TransformedTargetRegressor(
        regressor=make_pipeline(preprocess, regressor), transformer=StandardScaler()
    )


models = {
    "BackpropRegressor": with_scaled_target(
        BackpropRegressor(
            hidden_layer_sizes=(16,),
            solver="lbfgs",
            alpha=10.0,
            max_iter=500,
            random_state=0,
        )
    ),
    "RidgeCV (linear baseline)": with_scaled_target(RidgeCV()),
}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for model in models.values():
        model.fit(X_train, y_train)

# %%
# Evaluation on held-out patients
# -------------------------------
predictions = {name: model.predict(X_test) for name, model in models.items()}
for name, y_pred in predictions.items():
    print(
        f"{name:>26}: R^2 = {r2_score(y_test, y_pred):.3f}, "
        f"mean absolute error = {mean_absolute_error(y_test, y_pred):.1f}"
    )

# %%
# On this small, noisy dataset a small, strongly regularized network does
# about as well as the linear model: most of what the ten measurements say
# about progression is linear. The network's advantage shows on data with
# more samples and non-linear structure.
#
# True against predicted, and residuals
# -------------------------------------
# Left, each test patient's true progression against the predicted one: the
# closer to the diagonal, the better. Right, the residual (true minus
# predicted) against the prediction: no trend and an even spread mean the
# model has no systematic error that it could still learn.
fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
y_pred = predictions["BackpropRegressor"]
PredictionErrorDisplay.from_predictions(
    y_test, y_pred, kind="actual_vs_predicted", ax=axes[0]
)
PredictionErrorDisplay.from_predictions(
    y_test, y_pred, kind="residual_vs_predicted", ax=axes[1]
)
axes[0].set_title("BackpropRegressor: true against predicted")
axes[1].set_title("residuals against predicted")
fig.tight_layout()

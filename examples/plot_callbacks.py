"""
=================================================
Progress bars and per-epoch scores with callbacks
=================================================

scikit-learn 1.9 adds callbacks (:mod:`sklearn.callback`): objects set on an
estimator with ``set_callbacks`` that the estimator calls as its fit goes.
:class:`~skmlp.BackpropRegressor` reports one task per epoch (one per L-BFGS
iteration). Two callbacks come with scikit-learn:
:class:`~sklearn.callback.ProgressBar`, which draws a bar with rich (the
``progress`` extra), and :class:`~sklearn.callback.ScoringMonitor`, which
scores the model on the training data after every epoch.

The rule to remember: **set a ProgressBar on the outermost estimator**, the
Pipeline or the search, never on a step inside it. It then follows the fit
into the steps and the search's fits.
"""

# %%
# A progress bar
# --------------
# The bar counts epochs towards ``max_iter``. When early stopping ends the
# fit sooner, the bar ends complete at that epoch. (Here the output is not a
# terminal, so rich prints the final state only.)
import matplotlib.pyplot as plt
from sklearn.callback import ProgressBar, ScoringMonitor
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import BackpropRegressor

X, y = load_diabetes(return_X_y=True)
y = (y - y.mean()) / y.std()  # a target of unit scale, for the bare estimator
X = StandardScaler().fit_transform(X)

est = BackpropRegressor((32,), early_stopping=True, max_iter=300, random_state=0)
est.set_callbacks(ProgressBar()).fit(X, y)
print(f"early stopping ended the fit after {est.n_iter_} of 300 epochs")

# %%
# Scores after every epoch
# ------------------------
# ScoringMonitor scores the model of each epoch on the data the fit was given
# (here the training data; the validation scores of early stopping are in
# ``validation_scores_``). ``get_logs`` returns one log per fit.
monitor = ScoringMonitor(scoring=["r2", "neg_mean_absolute_error"])
est = BackpropRegressor((32,), early_stopping=True, max_iter=300, random_state=0)
est.set_callbacks(monitor).fit(X, y)
(log,) = monitor.get_logs(select="all")
epochs = log.data_as_pandas.query("task_name == 'epoch'")
print(epochs[["task_id", "r2", "neg_mean_absolute_error"]].tail(3))

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(epochs["task_id"] + 1, epochs["r2"])
ax.set_xlabel("epoch")
ax.set_ylabel("training R$^2$")
fig.tight_layout()

# %%
# In a Pipeline: on the Pipeline, not on the step
# -----------------------------------------------
# A ProgressBar on a Pipeline's step makes the Pipeline's fit raise a
# TypeError:
step = BackpropRegressor((32,), early_stopping=True, max_iter=300, random_state=0)
wrong = make_pipeline(StandardScaler(), step.set_callbacks(ProgressBar()))
try:
    wrong.fit(X, y)
except TypeError as error:
    print(f"TypeError: {error}")

# %%
# Set it on the Pipeline instead: it is passed down to the steps for the fit
# (``max_propagation_depth=1``, the default, shows the Pipeline's own steps).
step.set_callbacks()  # remove the misplaced one
right = make_pipeline(StandardScaler(), step)
_ = right.set_callbacks(ProgressBar()).fit(X, y)

# %%
# The outermost estimator *that supports callbacks*: in scikit-learn 1.9,
# TransformedTargetRegressor, the standard way to scale the target, has no
# ``set_callbacks``. Set the callback on the Pipeline it wraps; the wrapper
# fits a clone of it, and the clone keeps the callback.
y_raw = load_diabetes().target  # in the hundreds: scaled by the wrapper
model = TransformedTargetRegressor(
    regressor=make_pipeline(StandardScaler(), step).set_callbacks(ProgressBar()),
    transformer=StandardScaler(),
)
_ = model.fit(X, y_raw)

# %%
# In a search: on the search
# --------------------------
# Inside GridSearchCV the same mistake makes every fit fail: the search then
# raises a ValueError that reports the TypeError of each fit.
grid = {"alpha": [1e-4, 1.0]}
search = GridSearchCV(
    BackpropRegressor((16,), early_stopping=True, max_iter=300, random_state=0), grid
)
search.estimator.set_callbacks(ProgressBar())
try:
    search.fit(X, y)
except ValueError as error:
    print(str(error).strip().splitlines()[0])

# %%
# On the search, one bar follows the search and one each of its fits:
search.estimator.set_callbacks()
_ = search.set_callbacks(ProgressBar()).fit(X, y)
print(f"best alpha: {search.best_params_['alpha']}")

"""
=================================================================
Classification probabilities and calibration on real measurements
=================================================================

:class:`skmlp.BackpropClassifier` next to scikit-learn's
:class:`~sklearn.neural_network.MLPClassifier` on the breast cancer data
that ships with scikit-learn (569 tumours, 30 measurements each, malignant
or benign): the same parameters and ``random_state``, so the same
probabilities, in less time. Then the question a probability raises: when
the model says 0.8, is it right 80% of the time? A reliability diagram
(:class:`~sklearn.calibration.CalibrationDisplay`) answers it, and
:class:`~sklearn.calibration.CalibratedClassifierCV` corrects it where it
is not.

Why this data set: it is a real measurement problem that ships with
scikit-learn (no download); it is binary, which is what a reliability
diagram shows (``load_digits``, ``load_wine`` and ``load_iris`` are
multiclass); its features range over four orders of magnitude, so it shows
why the network needs a :class:`~sklearn.preprocessing.StandardScaler`; and
with 569 rows every fit takes a fraction of a second. ``load_iris`` and
``load_wine`` (150 and 178 rows) would leave a handful of samples per bin of
the diagram.
"""

# %%
# Data and the two pipelines
# --------------------------
# Out-of-fold probabilities: each sample's probability comes from the one
# of five models that did not train on it, so all 569 samples can be used
# to judge the probabilities without a separate test set.
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.calibration import CalibratedClassifierCV, CalibrationDisplay
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, brier_score_loss, log_loss
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import BackpropClassifier

data = load_breast_cancer()
X, y = data.data, data.target  # 1 = benign
print(f"{X.shape[0]} samples, {X.shape[1]} features, classes {data.target_names}")
print(f"feature ranges: {X.min():.3g} to {X.max():.3g}")

cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
params = {
    "hidden_layer_sizes": (32,),
    "alpha": 1e-3,
    "max_iter": 300,
    "random_state": 0,
}


def out_of_fold_proba(classifier):
    """Probabilities of benign for every sample, and the seconds it took."""
    model = make_pipeline(StandardScaler(), classifier)
    start = time.perf_counter()
    with warnings.catch_warnings():
        # adam for 300 epochs on 455 rows: the loss still moves by more
        # than tol at the end. The budget is the same for both estimators.
        warnings.simplefilter("ignore", ConvergenceWarning)
        proba = cross_val_predict(model, X, y, cv=cv, method="predict_proba")
    return proba[:, 1], time.perf_counter() - start


# %%
# The same probabilities, in less time
# ------------------------------------
results = {}
for name, classifier in [
    ("MLPClassifier", MLPClassifier(**params)),
    ("BackpropClassifier", BackpropClassifier(**params)),
]:
    results[name] = out_of_fold_proba(classifier)
    proba, seconds = results[name]
    print(
        f"{name:18s} accuracy {accuracy_score(y, proba > 0.5):.3f}  "
        f"log loss {log_loss(y, proba):.4f}  Brier {brier_score_loss(y, proba):.4f}"
        f"  ({seconds:.2f} s for 5 fits)"
    )
ours, theirs = results["BackpropClassifier"][0], results["MLPClassifier"][0]
print(f"largest difference in probability: {np.max(np.abs(ours - theirs)):.1e}")

# %%
# Both estimators start from the same weights and see the same minibatches,
# so the out-of-fold probabilities agree to rounding (here, to the last
# bit). The rest of this example looks at BackpropClassifier's alone.
#
# Are the probabilities calibrated?
# ---------------------------------
# The reliability diagram sorts the samples into bins of predicted
# probability and plots, per bin, the fraction that is really benign. A
# calibrated model lies on the diagonal. Next to it, the same network inside
# :class:`~sklearn.calibration.CalibratedClassifierCV`, which fits a sigmoid
# (Platt scaling) on held-out folds of each training set to map the
# network's probabilities to calibrated ones.
calibrated, _ = out_of_fold_proba(
    CalibratedClassifierCV(BackpropClassifier(**params), method="sigmoid", cv=3)
)
for name, proba in [("network", ours), ("calibrated", calibrated)]:
    print(
        f"{name:10s} log loss {log_loss(y, proba):.4f}  "
        f"Brier {brier_score_loss(y, proba):.4f}"
    )

fig, (ax, hist) = plt.subplots(1, 2, figsize=(10, 4.2))
for name, proba in [
    ("BackpropClassifier", ours),
    ("calibrated (sigmoid)", calibrated),
]:
    CalibrationDisplay.from_predictions(
        y, proba, n_bins=8, strategy="quantile", name=name, ax=ax
    )
    hist.hist(proba, bins=20, range=(0, 1), alpha=0.6, label=name)
ax.set_title("Reliability diagram (out-of-fold)")
hist.set_xlabel("Predicted probability of benign")
hist.set_ylabel("Samples")
hist.set_title("Where the probabilities fall")
hist.legend()
fig.tight_layout()

# %%
# Most samples get a probability near 0 or 1, and there the network is
# right: the two classes are well separated. The bins in between hold few
# samples each, so their points move with the split. The
# network's probabilities are already close to calibrated, as a network
# trained with the cross-entropy (with some L2 penalty) often is, and the
# sigmoid changes the scores little (here the Brier score improves slightly
# and the log loss worsens slightly). Larger networks
# trained longer with less regularisation tend to become overconfident; the
# same two lines check for it and correct it. For multiclass targets,
# :class:`~sklearn.calibration.CalibratedClassifierCV` calibrates each class
# one-vs-rest, and the reliability diagram is drawn per class.
plt.show()

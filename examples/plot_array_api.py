"""
==========================================
Training on another device: the Array API
==========================================

With ``sklearn.set_config(array_api_dispatch=True)``,
:class:`~skmlp.BackpropRegressor` (and :class:`~skmlp.BackpropClassifier`,
below) trains and predicts in the namespace and on the device of ``X``: a
torch tensor on a GPU trains on the GPU. This example
uses torch on the CPU when torch is installed (the ``torch`` extra), else
array-api-strict, else says what is missing; a machine with a GPU would only
change ``device``. See :ref:`array_api`.
"""

# %%
# Pick a namespace and a device
# -----------------------------
# ``SCIPY_ARRAY_API=1`` must be set before scipy is imported (it is in
# ``scripts/docs.sh`` and the test scripts).
import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")

from importlib.util import find_spec

import numpy as np
import sklearn
from sklearn.datasets import make_friedman1

from skmlp import BackpropClassifier, BackpropRegressor
from skmlp._array_api import SUPPORTED, namespace_of, to_numpy

X_np, y_np = make_friedman1(n_samples=2000, noise=0.5, random_state=0)
X_np = X_np.astype(np.float32)
y_np = ((y_np - y_np.mean()) / y_np.std()).astype(np.float32)

if not SUPPORTED or os.environ.get("SCIPY_ARRAY_API") != "1":
    xp = None
elif find_spec("torch") is not None:
    import torch

    torch.set_num_threads(1)
    xp = namespace_of(torch)
    device = "cuda" if torch.cuda.is_available() else "cpu"
elif find_spec("array_api_strict") is not None:
    import array_api_strict

    xp, device = array_api_strict, array_api_strict.Device("device1")
else:
    xp = None
print("namespace:", "none available" if xp is None else f"{xp.__name__} on {device}")

# %%
# Fit and predict where X lives
# -----------------------------
# ``y`` follows ``X``; the fitted weights and the predictions stay on the
# device, in ``X``'s dtype (float32 here).
import warnings

from sklearn.exceptions import ConvergenceWarning

# Twenty epochs keep the example short; they do not converge, and say so.
warnings.filterwarnings("ignore", category=ConvergenceWarning)
params = {"hidden_layer_sizes": (64, 64), "max_iter": 20, "random_state": 0}
if xp is not None:
    X, y = xp.asarray(X_np, device=device), xp.asarray(y_np, device=device)
    with sklearn.config_context(array_api_dispatch=True):
        model = BackpropRegressor(**params).fit(X, y)
        y_pred = model.predict(X)
    print("predictions:", type(y_pred).__name__, y_pred.dtype, y_pred.device)
    print("first layer:", type(model.coefs_[0]).__name__, model.coefs_[0].shape)
else:
    print("Install the torch extra (or array-api-strict) to run this part.")

# %%
# The same model on numpy
# -----------------------
# The same random draws (initial weights, minibatches) come from the
# estimator's ``RandomState`` on the host for every backend, so the numpy
# path reaches the same weights up to the rounding of another BLAS.
reference = BackpropRegressor(**params).fit(X_np, y_np)
if xp is not None:
    difference = np.max(np.abs(to_numpy(model.theta_) - reference.theta_))
    print(f"largest weight difference: {difference:.2e}")
    print(f"training loss: {model.loss_:.5f} (device) {reference.loss_:.5f} (numpy)")

# %%
# Back to the host
# ----------------
# For skops or ONNX, which need numpy arrays, move the fitted model with
# scikit-learn's ``move_estimator_to``: a copy that shares no memory.
if xp is not None:
    from sklearn.utils._array_api import move_estimator_to

    on_cpu = move_estimator_to(model, np, "cpu")
    print("moved:", type(on_cpu.coefs_[0]).__name__, on_cpu.predict(X_np[:3]))

# %%
# A classifier on the device, labels on the host
# ----------------------------------------------
# :class:`~skmlp.BackpropClassifier` trains its softmax output on the device.
# Labels may be strings, which no device holds: ``y`` stays a numpy array, is
# encoded on the host once per fit, and ``classes_`` stays numpy. The
# probabilities come back on ``X``'s device; string labels on the host.
labels = np.array(["low", "mid", "high"])[np.digitize(y_np, [-0.5, 0.5])]
if xp is not None:
    with sklearn.config_context(array_api_dispatch=True):
        clf = BackpropClassifier(**params).fit(X, labels)
        proba = clf.predict_proba(X)
        predicted = clf.predict(X)
    print("classes_:", type(clf.classes_).__name__, clf.classes_)
    print("probabilities:", type(proba).__name__, proba.device, tuple(proba.shape))
    print("labels:", type(predicted).__name__, predicted[:5])
    print(f"training accuracy: {np.mean(predicted == labels):.3f}")

"""
=====================================================
Multilabel classification: several yes/no per sample
=====================================================

A multilabel target gives each sample any number of labels at once: here,
for each handwritten digit of scikit-learn's ``load_digits`` (1,797 images
of 8 x 8 pixels, shipped with scikit-learn), three questions about the digit
drawn: is it even? is it 5 or more? is it prime? A digit has two of these
labels (2, 5, 6, 7, 8), one (0, 3, 4, 9) or none (1); none has all three.

:class:`skmlp.BackpropClassifier` takes the answers as a 0/1 indicator
matrix of shape ``(n_samples, n_labels)``, as
:class:`~sklearn.neural_network.MLPClassifier` does: the output layer gets
one logistic unit per label, trained with the binary cross-entropy summed
over the labels, so the labels share the hidden layers but each has its own
probability. ``predict`` returns an indicator matrix, ``predict_proba`` one
probability per label (the rows do not sum to 1).
"""

# %%
# The targets
# -----------
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import (
    RocCurveDisplay,
    accuracy_score,
    f1_score,
    hamming_loss,
)
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import BackpropClassifier

X, digit = load_digits(return_X_y=True)
labels = ["even", "5 or more", "prime"]
Y = np.column_stack([digit % 2 == 0, digit >= 5, np.isin(digit, [2, 3, 5, 7])])
Y = Y.astype(int)
for d in range(10):
    row = Y[digit == d][0]
    print(d, row, [name for name, on in zip(labels, row, strict=True) if on])

X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)

# %%
# Both estimators, same parameters
# --------------------------------
params = {"hidden_layer_sizes": (64,), "max_iter": 60, "random_state": 0}
models = {}
for name, classifier in [
    ("MLPClassifier", MLPClassifier(**params)),
    ("BackpropClassifier", BackpropClassifier(**params)),
]:
    model = make_pipeline(StandardScaler(), classifier)
    start = time.perf_counter()
    with warnings.catch_warnings():
        # 60 epochs of adam, the same budget for both: enough here, though
        # the loss still moves by more than tol.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, Y_train)
    seconds = time.perf_counter() - start
    Y_pred = model.predict(X_test)
    print(
        f"{name:18s} subset accuracy {accuracy_score(Y_test, Y_pred):.3f}  "
        f"Hamming loss {hamming_loss(Y_test, Y_pred):.3f}  ({seconds:.2f} s)"
    )
    models[name] = model

clf = models["BackpropClassifier"][-1]
print("classes_:", clf.classes_, " out_activation_:", clf.out_activation_)
proba = models["BackpropClassifier"].predict_proba(X_test)
theirs = models["MLPClassifier"].predict_proba(X_test)
print(f"largest difference from MLPClassifier: {np.max(np.abs(proba - theirs)):.1e}")

# %%
# Subset accuracy counts a sample as right only when all three answers
# are; the Hamming loss is the fraction of wrong answers. ``classes_`` is
# the label indices 0, 1, 2 (the columns of ``Y``), and the output
# activation is the logistic, one unit per label.
#
# Per label
# ---------
# Each label has its own probability, so each has its own F1 score and ROC
# curve. ``predict`` is ``predict_proba > 0.5``, label by label; the
# threshold of one label can be moved without touching the others.
print("first test rows, probabilities:\n", proba[:3].round(3))
print("and predict:\n", models["BackpropClassifier"].predict(X_test[:3]))
Y_pred = proba > 0.5
for j, name in enumerate(labels):
    print(f"{name:10s} F1 {f1_score(Y_test[:, j], Y_pred[:, j]):.3f}")

fig, ax = plt.subplots(figsize=(5.5, 4.5))
for j, name in enumerate(labels):
    RocCurveDisplay.from_predictions(Y_test[:, j], proba[:, j], name=name, ax=ax)
ax.set_title("BackpropClassifier: one ROC curve per label")
fig.tight_layout()

# %%
# Each question groups digits that look alike in no particular way (2, 3, 5
# and 7 for "prime"), so the network answers them through the digit's
# identity, learnt in the hidden layer that the three labels share; the
# three labels are about equally hard here (F1 0.97 to 0.98).
plt.show()

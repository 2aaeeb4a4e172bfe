"""
=======================================================
The gradient check: analytic against finite differences
=======================================================

Every gradient :class:`skmlp.BackpropRegressor` follows comes from the
hand-derived backward pass (:ref:`derivation`). This example checks it the
classic way: it compares the analytic gradient of the loss with respect to
every weight and bias against central finite differences of the loss, and
shows the agreement layer by layer.
"""

# %%
# The overall check
# -----------------
# :func:`skmlp.check_gradients` does the whole check in one call. Its result
# is a float, the relative difference between the backpropagated gradient and
# central finite differences over every weight and bias, with details as
# attributes: the absolute error, and how many parameters were left out
# because their finite-difference step crosses a kink of the loss (none here).
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_regression

from skmlp import BackpropRegressor, check_gradients

X, y = make_regression(n_samples=50, n_features=4, noise=5.0, random_state=0)
X /= X.std(axis=0)
y /= y.std()

# A few adam epochs move the weights away from their random start. tanh has
# no kink, so the finite differences are accurate everywhere.
estimator = BackpropRegressor(
    hidden_layer_sizes=(6, 5), activation="tanh", alpha=0.1, random_state=0
)
for _ in range(5):
    estimator.partial_fit(X, y)

result = check_gradients(estimator, X, y)
print(f"check_gradients: relative error {result:.1e}")
print(f"absolute error {result.absolute_error:.1e}, loss {result.loss:.3f}")
print(f"{result.n_kinks} of {result.n_params} parameters cross a kink")

# %%
# The loss as a function of the parameter vector
# ----------------------------------------------
# To see the agreement layer by layer, this example repeats the check by
# hand. ``get_objective`` returns the loss (3) and its gradient (10) as a
# function of the parameter vector, the same function the solvers and
# ``check_gradients`` use, and the current weights as that vector;
# ``network_.unpack`` splits such a vector into per-layer weights and biases.
loss_and_grad, theta0 = estimator.get_objective(X, y)
network = estimator.network_


def split_by_layer(vector):
    """Split a vector laid out like ``theta`` into named per-layer pieces."""
    Ws, bs = network.unpack(vector)
    pieces = {}
    for l, (W, b) in enumerate(zip(Ws, bs, strict=True), start=1):
        pieces[f"W^{l}"] = W.ravel()
        pieces[f"b^{l}"] = b.ravel()
    return pieces


# %%
# Central differences
# -------------------
# For each of the parameters, move it by :math:`\pm h` and difference the
# loss: :math:`(L(\theta + h e_j) - L(\theta - h e_j)) / 2h`. The error of this
# estimate is of order :math:`h^2`, and rounding adds about
# :math:`\epsilon L / h`; :math:`h = 10^{-5}` balances the two in float64.
_, analytic = loss_and_grad(theta0)
numeric = np.empty_like(theta0)
h = 1e-5
for j in range(theta0.size):
    step = np.zeros_like(theta0)
    step[j] = h
    loss_plus, _ = loss_and_grad(theta0 + step)
    loss_minus, _ = loss_and_grad(theta0 - step)
    numeric[j] = (loss_plus - loss_minus) / (2 * h)

print(f"{theta0.size} parameters in {network.n_layers} layers")
analytic_layers, numeric_layers = split_by_layer(analytic), split_by_layer(numeric)
relative_errors = {}
for name in analytic_layers:
    a, n = analytic_layers[name], numeric_layers[name]
    relative_errors[name] = np.linalg.norm(a - n) / np.linalg.norm(n)
    print(f"{name}: {a.size:>3} values, relative error {relative_errors[name]:.1e}")
assert max(relative_errors.values()) < 1e-6

# %%
# Layer by layer
# --------------
# Left: every analytic derivative against its finite-difference estimate,
# coloured by layer; they sit on the diagonal. Right: the relative error
# :math:`\lVert g_\text{analytic} - g_\text{numeric} \rVert /
# \lVert g_\text{numeric} \rVert` of each layer's weights and biases, many
# orders of magnitude below 1. A mistake in one of the equations, such as a
# missing :math:`\sigma'` factor or a transposed :math:`W`, would put that
# layer's points off the diagonal and its error near 1.
fig, (ax_scatter, ax_error) = plt.subplots(1, 2, figsize=(10, 4))
for name in analytic_layers:
    ax_scatter.scatter(
        numeric_layers[name], analytic_layers[name], s=14, label=f"${name}$"
    )
limits = np.array([numeric.min(), numeric.max()])
ax_scatter.plot(limits, limits, color="k", linewidth=0.8)
ax_scatter.set_xlabel("finite-difference dL/dθ")
ax_scatter.set_ylabel("analytic dL/dθ (backpropagation)")
ax_scatter.legend(ncol=2, fontsize="small")

names = list(relative_errors)
ax_error.bar([f"${name}$" for name in names], [relative_errors[n] for n in names])
ax_error.set_yscale("log")
ax_error.set_ylim(1e-12, 1)
ax_error.set_ylabel("relative error")
ax_error.set_title("analytic against finite differences, per layer")
fig.tight_layout()

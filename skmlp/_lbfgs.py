"""The L-BFGS solver: scipy's L-BFGS-B over the flat parameter vector.

scipy gets float64 vectors; the network computes the loss and its gradient in
the model's dtype, through the same ``Network.loss_and_grad`` as the
minibatch solvers. Each iteration is recorded in ``loss_curve_`` and
``history_`` (MLPRegressor records none) and is one callback subtask.

On the Array API path scipy still works on the host, as for scikit-learn's
LogisticRegression and PoissonRegressor: each evaluation moves ``x`` to the
device and reads the loss and gradient back, one round trip per evaluation.
"""

import math
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from . import _array_api
from ._backend import array_space, empty_like, workspace_for
from ._ensemble import mean_member_loss
from ._training import Reporter, minimize_lbfgs, warn_interrupted


def lbfgs_objective(est, net, X, y, sample_weight):
    """Return the function of float64 ``x`` that scipy's L-BFGS-B minimizes."""
    theta = est._theta
    space = array_space(theta)
    dtype = theta.dtype if space is None else space.numpy_dtype
    workspace = workspace_for(net, X.shape[0], theta)
    grad = empty_like(theta)
    evaluations = 0

    def loss_and_grad(x):
        nonlocal evaluations, grad
        evaluations += 1
        # scipy works in float64; the network keeps the model's dtype.
        x = x.astype(dtype, copy=False) if space is None else space.from_host(x)
        loss, grad = net.loss_and_grad(
            x, X, y, sample_weight, est.alpha, grad, workspace=workspace
        )
        if space is not None:  # one device read per evaluation
            loss, grad = float(space.read(loss)), space.read(grad)
        if not (math.isfinite(loss) and np.isfinite(grad).all()):
            raise ValueError(
                f"The loss or its gradient became non-finite (loss={loss}) at "
                f"L-BFGS evaluation {evaluations}: the data's scale overflows "
                f"{dtype.name} in the network. Scale X (e.g. StandardScaler"
                f"{est._target_scaling_hint}), or increase alpha."
            )
        # A copy: scipy keeps gradients from earlier calls.
        return loss, grad.astype(np.float64, copy=True)

    return loss_and_grad


def _set_theta(est, x):
    """Write scipy's float64 ``x`` into the weights, wherever they live."""
    space = array_space(est._theta)
    est._theta[...] = x if space is None else space.from_host(x)


def fit_lbfgs(est, X, y, sample_weight, tasks, stacklevel):
    """Train ``est`` with scipy's L-BFGS-B, recording each iteration.

    ``loss_curve_`` and ``history_`` get one record per iteration; a callback
    may stop training; Ctrl-C keeps the last iterate. ``stacklevel`` points
    warnings at the caller of ``fit``, as if this were ``est``'s method.
    """
    space = array_space(est._theta)
    net = est._fitted_network()
    fun = lbfgs_objective(est, net, X, y, sample_weight)
    reporter = Reporter(est.verbose)
    last = {"x": _array_api.to_numpy(est._theta).astype(np.float64), "nit": 0}
    clock = [time.perf_counter()]

    def weights():
        if space is not None:
            return space.from_host(last["x"])
        return last["x"].astype(est._theta.dtype)

    def record(x, loss):
        # An ensemble's objective is the sum of its members' losses (E1).
        loss = mean_member_loss(net, loss)
        last["x"], last["nit"] = x.copy(), last["nit"] + 1
        best = loss < min(est.loss_curve_, default=np.inf)
        est.loss_curve_.append(loss)
        reporter.iteration(last["nit"], loss)
        now = time.perf_counter()
        entry = {
            "epoch": len(est.loss_curve_),
            "loss": loss,
            "duration": now - clock[0],
            "best": best,
        }
        clock[0] = now
        est.history_.append(entry)
        reporter.row(entry)
        if tasks.end(weights):
            return True
        tasks.begin("iteration", weights)
        return False

    tasks.begin("iteration", weights)
    try:
        result = minimize_lbfgs(
            fun,
            last["x"],
            max_iter=est.max_iter,
            max_fun=est.max_fun,
            tol=est.tol,
            callback=record,
        )
    except KeyboardInterrupt:
        warn_interrupted(stacklevel=stacklevel)
        _set_theta(est, last["x"])
        est.n_iter_ = last["nit"]
        est.loss_ = est.loss_curve_[-1] if last["nit"] else np.nan
        return
    est.n_iter_ = min(result.nit, est.max_iter)
    if result.status != 0 and not result.stopped:
        _warn_not_converged(est, result, stacklevel + 1)
    est.loss_ = float(mean_member_loss(net, result.fun))
    _set_theta(est, result.x)


def _warn_not_converged(est, result, stacklevel):
    message = (
        f"lbfgs failed to converge after {est.n_iter_} iteration(s) "
        f"(status={result.status}):\n{result.message}\n"
    )
    if est.n_iter_ == est.max_iter:
        message += (
            "\nIncrease the number of iterations to improve the "
            f"convergence (max_iter={est.max_iter})."
        )
    message += (
        "\nYou might also want to scale the data as shown in:\n"
        "    https://scikit-learn.org/stable/modules/preprocessing.html"
    )
    warnings.warn(message, ConvergenceWarning, stacklevel=stacklevel)

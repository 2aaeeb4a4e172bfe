"""LossCurveDisplay: the training curves of a fitted network, in matplotlib.

It follows scikit-learn's Display API (see
:class:`sklearn.metrics.PredictionErrorDisplay`): the constructor stores the
values, :meth:`LossCurveDisplay.plot` draws them and stores the matplotlib
artists in attributes ending in ``_``, and
:meth:`LossCurveDisplay.from_estimator` reads the values from a fitted
estimator and plots them. matplotlib is imported only when plotting.
"""

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils._plotting import _validate_style_kwargs
from sklearn.utils.validation import check_is_fitted

from ._optional import check_extra_support

_VALIDATION_CHOICES = ("auto", "loss", "score", None)
_X_UNITS = ("epoch", "iteration")
#: The marker's legend, by what makes its epoch best.
_BEST_LABELS = {
    None: "Best {unit} ({epoch})",
    "validation score": "Best validation score ({unit} {epoch})",
    "training loss": "Lowest training loss ({unit} {epoch})",
}


def _best_epoch(loss_curve, validation_scores):
    """Return the 1-based best epoch and what makes it best, or ``(None, None)``.

    With a validation set (early stopping, or ``X_val`` that only monitors),
    the epoch of the best validation score; with early stopping, its weights
    are the ones kept. Without one, the epoch of the lowest training loss.
    Ties go to the first.
    """
    scores = np.asarray(validation_scores or [], dtype=float)
    if np.isfinite(scores).any():
        best = np.nanargmax(np.where(np.isfinite(scores), scores, np.nan))
        # The scores cover the last len(scores) epochs of loss_curve.
        return int(len(loss_curve) - len(scores) + best + 1), "validation score"
    losses = np.asarray(loss_curve, dtype=float)
    if not np.isfinite(losses).any():
        return None, None
    best = np.nanargmin(np.where(np.isfinite(losses), losses, np.nan))
    return int(best + 1), "training loss"


class LossCurveDisplay:
    """Training curves of a neural network: loss, validation, best epoch.

    Draws the training loss at each epoch (each iteration for L-BFGS), the
    validation loss or score when one was recorded, and a vertical line at
    the best epoch. Use :meth:`from_estimator` to create a display from a
    fitted :class:`~skmlp.BackpropRegressor` (or any estimator with
    ``loss_curve_``, such as scikit-learn's MLPRegressor); all parameters are
    stored as attributes.

    Needs matplotlib (the ``plot`` extra: ``pip install -e ".[plot]"`` from a
    checkout of skmlp); without it, plotting raises an ImportError that says
    so.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        The training loss at each epoch, as ``loss_curve_``. Epoch ``i``
        (1-based) is drawn at ``x = i``.

    validation_scores : array-like of shape (n_val_epochs,), default=None
        The validation score at each epoch, as ``validation_scores_``. When
        shorter than ``loss_curve`` (a validation set given only to a later
        warm-start fit), it covers the last epochs.

    validation_loss_curve : array-like of shape (n_val_epochs,), default=None
        The validation loss at each epoch, as ``validation_loss_curve_``,
        aligned like ``validation_scores``.

    best_epoch : int, default=None
        The 1-based epoch to mark. ``None`` marks none.

    best_epoch_by : {'validation score', 'training loss'}, default=None
        What makes ``best_epoch`` the best, said in the marker's legend:
        "Best validation score (epoch 12)", "Lowest training loss (epoch
        12)", or, for ``None``, "Best epoch (12)".

    x_unit : {'epoch', 'iteration'}, default='epoch'
        What one point of ``loss_curve`` is: an epoch ('sgd', 'adam',
        ``partial_fit``) or an L-BFGS iteration. Used in the axis label and
        the legend.

    estimator_name : str, default=None
        Name of the estimator, used in the legend.

    Attributes
    ----------
    loss_line_ : matplotlib Line2D
        The training loss curve.

    validation_line_ : matplotlib Line2D or None
        The validation loss or score curve; ``None`` if none was drawn.

    best_epoch_line_ : matplotlib Line2D or None
        The vertical line at ``best_epoch``; ``None`` if ``best_epoch`` is
        ``None``.

    lines_ : list of matplotlib Line2D
        All the lines above that were drawn.

    ax_ : matplotlib Axes
        Axes of the loss (the training loss, and the validation loss).

    score_ax_ : matplotlib Axes or None
        Twin axes sharing the x-axis, with its own y-axis on the right, where
        the validation score is drawn; ``None`` unless the score was drawn.
        The legend is on these axes when they exist, else on ``ax_``.

    figure_ : matplotlib Figure
        Figure containing the curves.

    See Also
    --------
    LossCurveDisplay.from_estimator : Plot the curves of a fitted estimator.

    Examples
    --------
    Build a display from recorded values, without plotting:

    >>> from skmlp import LossCurveDisplay
    >>> display = LossCurveDisplay(loss_curve=[1.0, 0.5, 0.4], best_epoch=3)
    >>> display.best_epoch, display.x_unit
    (3, 'epoch')

    From a fitted estimator (this draws on a new figure):

    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import make_regression
    >>> from skmlp import BackpropRegressor
    >>> X, y = make_regression(n_samples=100, n_features=4, random_state=0)
    >>> est = BackpropRegressor((10,), solver="lbfgs", max_iter=500, random_state=0)
    >>> est = est.fit(X, y)
    >>> display = LossCurveDisplay.from_estimator(est)
    >>> display.ax_.get_xlabel(), display.ax_.get_ylabel()
    ('Iteration', 'Loss')
    >>> display.best_epoch == len(est.loss_curve_)
    True
    >>> display.best_epoch_line_.get_label() == (
    ...     f"Lowest training loss (iteration {display.best_epoch})")
    True
    >>> plt.close(display.figure_)
    """

    def __init__(
        self,
        *,
        loss_curve,
        validation_scores=None,
        validation_loss_curve=None,
        best_epoch=None,
        best_epoch_by=None,
        x_unit="epoch",
        estimator_name=None,
    ):
        self.loss_curve = loss_curve
        self.validation_scores = validation_scores
        self.validation_loss_curve = validation_loss_curve
        self.best_epoch = best_epoch
        self.best_epoch_by = best_epoch_by
        self.x_unit = x_unit
        self.estimator_name = estimator_name

    def plot(
        self,
        ax=None,
        *,
        name=None,
        validation="auto",
        yscale="linear",
        loss_kwargs=None,
        validation_kwargs=None,
        best_epoch_kwargs=None,
    ):
        """Plot the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to plot on. If ``None``, a new figure and axes are created.

        name : str, default=None
            Name used in the legend. ``None`` uses ``estimator_name``.

        validation : {'auto', 'loss', 'score'} or None, default='auto'
            Which validation curve to draw:

            - ``'loss'``: ``validation_loss_curve``, on the axes of the
              training loss (the training loss includes the L2 term, the
              validation loss does not).
            - ``'score'``: ``validation_scores``, on twin axes with their
              own y-axis on the right (``score_ax_``).
            - ``'auto'``: ``'loss'`` if ``validation_loss_curve`` is set,
              else ``'score'`` if ``validation_scores`` is set, else none.
            - ``None``: no validation curve.

        yscale : str, default='linear'
            Scale of the loss axis, as matplotlib's ``set_yscale``: ``'log'``
            shows losses that span orders of magnitude. The score axis stays
            linear (R² may be negative).

        loss_kwargs : dict, default=None
            Keyword arguments for matplotlib's ``plot`` of the training loss.

        validation_kwargs : dict, default=None
            Keyword arguments for matplotlib's ``plot`` of the validation
            curve.

        best_epoch_kwargs : dict, default=None
            Keyword arguments for matplotlib's ``axvline`` at the best epoch.

        Returns
        -------
        display : LossCurveDisplay
            The display, with the artists stored in its attributes.
        """
        check_extra_support(f"{type(self).__name__}.plot", "plot", ["matplotlib"])
        import matplotlib.pyplot as plt

        if self.x_unit not in _X_UNITS:
            raise ValueError(f"x_unit must be one of {_X_UNITS}; got {self.x_unit!r}.")
        validation = self._validation_choice(validation)
        name = self.estimator_name if name is None else name
        if ax is None:
            _, ax = plt.subplots()

        loss_curve = np.asarray(self.loss_curve, dtype=float)
        epochs = np.arange(1, len(loss_curve) + 1)
        label = "Training loss" if name is None else f"{name}: training loss"
        loss_kwargs = _validate_style_kwargs(
            {"label": label, "color": "tab:blue"}, loss_kwargs or {}
        )
        (self.loss_line_,) = ax.plot(epochs, loss_curve, **loss_kwargs)
        self.lines_ = [self.loss_line_]
        self.validation_line_ = self._plot_validation(
            ax, epochs, validation, name, validation_kwargs
        )
        self.best_epoch_line_ = self._plot_best_epoch(ax, best_epoch_kwargs)
        ax.set(xlabel=self.x_unit.capitalize(), ylabel="Loss", yscale=yscale)
        # One legend for the lines of both axes, on the twin axes when there
        # are, since they are drawn over the first.
        (self.score_ax_ or ax).legend(handles=self.lines_, loc="best")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    def _validation_choice(self, validation):
        """Resolve ``validation='auto'`` and check the curve exists."""
        if validation not in _VALIDATION_CHOICES:
            raise ValueError(
                f"validation must be one of {_VALIDATION_CHOICES}; got {validation!r}."
            )
        curves = {"loss": self.validation_loss_curve, "score": self.validation_scores}
        if validation == "auto":
            available = [key for key, curve in curves.items() if curve is not None]
            return available[0] if available else None
        if validation is not None and curves[validation] is None:
            raise ValueError(
                f"validation={validation!r}, but this display has no validation "
                f"{validation}: fit with X_val or early_stopping=True."
            )
        return validation

    def _plot_validation(self, ax, epochs, validation, name, validation_kwargs):
        """Draw the validation curve: a loss on ``ax``, a score on twin axes."""
        self.score_ax_ = None
        if validation is None:
            return None
        curve = np.asarray(
            self.validation_loss_curve
            if validation == "loss"
            else self.validation_scores,
            dtype=float,
        )
        n_epochs = len(epochs)
        if len(curve) > n_epochs:
            raise ValueError(
                f"The validation {validation} has {len(curve)} values but the "
                f"loss curve only {n_epochs}."
            )
        label = f"Validation {validation}"
        label = label if name is None else f"{name}: validation {validation}"
        validation_kwargs = _validate_style_kwargs(
            {"label": label, "color": "tab:orange", "linestyle": "--"},
            validation_kwargs or {},
        )
        target_ax = ax
        if validation == "score":
            target_ax = self.score_ax_ = ax.twinx()
            target_ax.set_ylabel("Validation score")
        (line,) = target_ax.plot(
            epochs[n_epochs - len(curve) :], curve, **validation_kwargs
        )
        self.lines_.append(line)
        return line

    def _plot_best_epoch(self, ax, best_epoch_kwargs):
        """Mark the best epoch with a vertical line, if there is one."""
        if self.best_epoch is None:
            return None
        label = _BEST_LABELS[self.best_epoch_by].format(
            unit=self.x_unit, epoch=self.best_epoch
        )
        best_epoch_kwargs = _validate_style_kwargs(
            {"label": label, "color": "black", "linestyle": ":"},
            best_epoch_kwargs or {},
        )
        line = ax.axvline(self.best_epoch, **best_epoch_kwargs)
        self.lines_.append(line)
        return line

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        ax=None,
        name=None,
        validation="auto",
        yscale="linear",
        loss_kwargs=None,
        validation_kwargs=None,
        best_epoch_kwargs=None,
    ):
        """Plot the training curves of a fitted estimator.

        The values are the estimator's ``loss_curve_`` and, when they are
        set, ``validation_loss_curve_`` and ``validation_scores_``.

        The marked epoch is, with a validation set, the epoch of the best
        validation score, ``best_validation_score_``: with
        ``early_stopping=True`` the one whose weights the estimator kept;
        with ``X_val`` and ``early_stopping=False`` (the final weights are
        kept) the one a user might want to stop at. Without a validation set
        it is the epoch of the lowest training loss, the argmin of
        ``loss_curve_``. Ties go to the first; the legend says which rule
        chose it. For ``solver='lbfgs'`` each point is an L-BFGS iteration,
        and the axis and legend say "iteration".

        Parameters
        ----------
        estimator : estimator instance
            A fitted estimator with ``loss_curve_``, such as
            :class:`~skmlp.BackpropRegressor`, or a fitted Pipeline ending in
            one.

        ax : matplotlib Axes, default=None
            Axes to plot on. If ``None``, a new figure and axes are created.

        name : str, default=None
            Name used in the legend. ``None`` uses the estimator's class
            name.

        validation : {'auto', 'loss', 'score'} or None, default='auto'
            Which validation curve to draw; see :meth:`plot`.

        yscale : str, default='linear'
            Scale of the loss axis, such as ``'log'``; see :meth:`plot`.

        loss_kwargs : dict, default=None
            Keyword arguments for matplotlib's ``plot`` of the training loss.

        validation_kwargs : dict, default=None
            Keyword arguments for matplotlib's ``plot`` of the validation
            curve.

        best_epoch_kwargs : dict, default=None
            Keyword arguments for matplotlib's ``axvline`` at the best epoch.

        Returns
        -------
        display : LossCurveDisplay
            The display, with the values and the artists.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If ``estimator`` is not fitted.

        See Also
        --------
        LossCurveDisplay.plot : Draw the curves again, e.g. on other axes.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from sklearn.datasets import make_regression
        >>> from skmlp import BackpropRegressor, LossCurveDisplay
        >>> X, y = make_regression(n_samples=200, n_features=4, noise=10,
        ...                        random_state=0)
        >>> est = BackpropRegressor((16,), learning_rate_init=0.05,
        ...                         early_stopping=True, random_state=0)
        >>> est = est.fit(X, y)
        >>> display = LossCurveDisplay.from_estimator(est, validation="score")
        >>> display.best_epoch <= est.n_iter_
        True
        >>> display.score_ax_.get_ylabel()
        'Validation score'
        >>> plt.close(display.figure_)
        """
        check_extra_support(f"{cls.__name__}.from_estimator", "plot", ["matplotlib"])
        check_is_fitted(estimator)
        model = estimator[-1] if isinstance(estimator, Pipeline) else estimator
        loss_curve = getattr(model, "loss_curve_", None)
        if loss_curve is None:
            raise ValueError(
                f"{type(model).__name__} has no loss_curve_: fit it first "
                "(MLPRegressor records none with solver='lbfgs')."
            )
        validation_scores = getattr(model, "validation_scores_", None)
        best_epoch, best_epoch_by = _best_epoch(loss_curve, validation_scores)
        lbfgs = getattr(model, "solver", None) == "lbfgs"
        display = cls(
            loss_curve=loss_curve,
            validation_scores=validation_scores,
            validation_loss_curve=getattr(model, "validation_loss_curve_", None),
            best_epoch=best_epoch,
            best_epoch_by=best_epoch_by,
            x_unit="iteration" if lbfgs else "epoch",
            estimator_name=type(model).__name__ if name is None else name,
        )
        return display.plot(
            ax=ax,
            validation=validation,
            yscale=yscale,
            loss_kwargs=loss_kwargs,
            validation_kwargs=validation_kwargs,
            best_epoch_kwargs=best_epoch_kwargs,
        )

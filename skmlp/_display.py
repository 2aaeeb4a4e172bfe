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
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils._plotting import _validate_style_kwargs

_VALIDATION_CHOICES = ("auto", "loss", "score", None)


def _best_epoch(estimator, loss_curve, validation_scores):
    """Return the 1-based best epoch of a fitted estimator, or ``None``.

    With ``early_stopping=True``, the epoch whose validation score is
    ``best_validation_score_`` (the weights that were kept). Otherwise the
    epoch of the lowest training loss.
    """
    best_score = getattr(estimator, "best_validation_score_", None)
    if getattr(estimator, "early_stopping", False) and validation_scores:
        if best_score is not None and np.isfinite(best_score):
            scores = np.asarray(validation_scores, dtype=float)
            hits = np.flatnonzero(scores == best_score)
            if hits.size:
                # The scores cover the last len(scores) epochs of loss_curve.
                return int(len(loss_curve) - len(scores) + hits[0] + 1)
    losses = np.asarray(loss_curve, dtype=float)
    if not np.isfinite(losses).any():
        return None
    return int(np.nanargmin(np.where(np.isfinite(losses), losses, np.nan)) + 1)


class LossCurveDisplay:
    """Training curves of a neural network: loss, validation, best epoch.

    Draws the training loss at each epoch (each iteration for L-BFGS), the
    validation loss or score when one was recorded, and a vertical line at
    the best epoch. Use :meth:`from_estimator` to create a display from a
    fitted :class:`~skmlp.BackpropRegressor` (or any estimator with
    ``loss_curve_``, such as scikit-learn's MLPRegressor); all parameters are
    stored as attributes.

    Needs matplotlib (the ``plot`` extra: ``pip install "skmlp[plot]"``).

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
    >>> display.best_epoch
    3

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
    >>> plt.close(display.figure_)
    """

    def __init__(
        self,
        *,
        loss_curve,
        validation_scores=None,
        validation_loss_curve=None,
        best_epoch=None,
        estimator_name=None,
    ):
        self.loss_curve = loss_curve
        self.validation_scores = validation_scores
        self.validation_loss_curve = validation_loss_curve
        self.best_epoch = best_epoch
        self.estimator_name = estimator_name

    def plot(
        self,
        ax=None,
        *,
        name=None,
        validation="auto",
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
        check_matplotlib_support(f"{self.__class__.__name__}.plot")
        import matplotlib.pyplot as plt

        if validation not in _VALIDATION_CHOICES:
            raise ValueError(
                f"validation must be one of {_VALIDATION_CHOICES}; got {validation!r}."
            )
        if validation == "auto":
            if self.validation_loss_curve is not None:
                validation = "loss"
            elif self.validation_scores is not None:
                validation = "score"
            else:
                validation = None
        values = {"loss": self.validation_loss_curve, "score": self.validation_scores}
        if validation is not None and values[validation] is None:
            raise ValueError(
                f"validation={validation!r}, but this display has no validation "
                f"{validation}: fit with X_val or early_stopping=True."
            )

        name = self.estimator_name if name is None else name
        loss_curve = np.asarray(self.loss_curve, dtype=float)
        n_epochs = len(loss_curve)
        epochs = np.arange(1, n_epochs + 1)

        if ax is None:
            _, ax = plt.subplots()

        label = "Training loss" if name is None else f"{name}: training loss"
        loss_kwargs = _validate_style_kwargs(
            {"label": label, "color": "tab:blue"}, loss_kwargs or {}
        )
        (self.loss_line_,) = ax.plot(epochs, loss_curve, **loss_kwargs)
        self.lines_ = [self.loss_line_]

        self.validation_line_ = None
        self.score_ax_ = None
        if validation is not None:
            curve = np.asarray(values[validation], dtype=float)
            if len(curve) > n_epochs:
                raise ValueError(
                    f"The validation {validation} has {len(curve)} values but the "
                    f"loss curve only {n_epochs}."
                )
            what = "loss" if validation == "loss" else "score"
            label = f"Validation {what}"
            label = label if name is None else f"{name}: validation {what}"
            validation_kwargs = _validate_style_kwargs(
                {"label": label, "color": "tab:orange", "linestyle": "--"},
                validation_kwargs or {},
            )
            target_ax = ax
            if validation == "score":
                target_ax = self.score_ax_ = ax.twinx()
                target_ax.set_ylabel("Validation score")
            (self.validation_line_,) = target_ax.plot(
                epochs[n_epochs - len(curve) :], curve, **validation_kwargs
            )
            self.lines_.append(self.validation_line_)

        self.best_epoch_line_ = None
        if self.best_epoch is not None:
            best_epoch_kwargs = _validate_style_kwargs(
                {
                    "label": f"Best epoch ({self.best_epoch})",
                    "color": "black",
                    "linestyle": ":",
                },
                best_epoch_kwargs or {},
            )
            self.best_epoch_line_ = ax.axvline(self.best_epoch, **best_epoch_kwargs)
            self.lines_.append(self.best_epoch_line_)

        ax.set(xlabel="Iteration", ylabel="Loss")
        # One legend for the lines of both axes, on the twin axes when there
        # are, since they are drawn over the first.
        (self.score_ax_ or ax).legend(handles=self.lines_, loc="best")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        ax=None,
        name=None,
        validation="auto",
        loss_kwargs=None,
        validation_kwargs=None,
        best_epoch_kwargs=None,
    ):
        """Plot the training curves of a fitted estimator.

        The values are the estimator's ``loss_curve_`` and, when they are
        set, ``validation_loss_curve_`` and ``validation_scores_``.

        The best epoch is, with ``early_stopping=True``, the epoch of
        ``best_validation_score_``: the one whose weights the estimator
        kept. Otherwise (also with ``X_val`` but without early stopping,
        where the final weights are kept) it is the epoch of the lowest
        training loss, the argmin of ``loss_curve_``; ties go to the first.
        For ``solver='lbfgs'`` each point is an L-BFGS iteration.

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
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        model = estimator[-1] if isinstance(estimator, Pipeline) else estimator
        loss_curve = getattr(model, "loss_curve_", None)
        if loss_curve is None:
            raise ValueError(
                f"{type(model).__name__} has no loss_curve_: fit it first "
                "(MLPRegressor records none with solver='lbfgs')."
            )
        validation_scores = getattr(model, "validation_scores_", None)
        display = cls(
            loss_curve=loss_curve,
            validation_scores=validation_scores,
            validation_loss_curve=getattr(model, "validation_loss_curve_", None),
            best_epoch=_best_epoch(model, loss_curve, validation_scores),
            estimator_name=type(model).__name__ if name is None else name,
        )
        return display.plot(
            ax=ax,
            validation=validation,
            loss_kwargs=loss_kwargs,
            validation_kwargs=validation_kwargs,
            best_epoch_kwargs=best_epoch_kwargs,
        )

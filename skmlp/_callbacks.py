"""scikit-learn's callback API (``sklearn.callback``, new in 1.9), where it exists.

A fit is one callback task, with one subtask per epoch (minibatch solvers) or
per L-BFGS iteration. :class:`FitTasks` keeps those calls out of the training
loops: with scikit-learn 1.6-1.8, which has no ``sklearn.callback``, or with
no callbacks set, its methods do nothing.
"""

from contextlib import contextmanager
from functools import cache

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9

    class CallbackSupportMixin:
        """Stand-in where scikit-learn has no callback API: no ``set_callbacks``."""


class FitTasks:
    """The callback tasks of one call to ``fit`` or ``partial_fit``.

    Parameters
    ----------
    estimator : BackpropRegressor or BackpropClassifier
        The estimator being fitted.

    max_subtasks : int
        The most epochs or iterations this fit may run.

    X, y : array-like
        The training data, passed to the hooks (``ScoringMonitor`` scores on
        them).

    sample_weight : ndarray or None
        Passed to the hooks as metadata.
    """

    def __init__(self, estimator, max_subtasks, X, y, sample_weight):
        self._estimator = estimator
        self._context = None
        self._subtask = None
        self._n_subtasks = 0
        if not hasattr(estimator, "_init_callback_context"):
            return
        self._context = estimator._init_callback_context(max_subtasks=max_subtasks)
        self._data = {
            "X": X,
            # The targets as the user gave them (a classifier's labels, not
            # their binarization), for callbacks that score the model. Lazily:
            # scikit-learn calls a callable argument only for a hook that
            # takes it, and decoding a classifier's labels costs a
            # millisecond on 20,000 rows, in every fit, callbacks or not.
            "y": cache(lambda: estimator._scorer_targets(y)),
            "metadata": None
            if sample_weight is None
            else {"sample_weight": sample_weight},
        }
        self._context.call_on_fit_task_begin(estimator=estimator, **self._data)

    def begin(self, task_name, weights):
        """Begin an epoch or iteration that starts from ``weights()``."""
        if self._context is None:
            return
        self._subtask = self._context.subcontext(task_name=task_name)
        self._n_subtasks += 1
        self._subtask.call_on_fit_task_begin(
            estimator=self._estimator,
            reconstruction_attributes=lambda: {"_theta": weights()},
            **self._data,
        )

    def end(self, weights):
        """End the epoch or iteration that reached ``weights()``.

        Returns
        -------
        stop : bool
            Whether a callback asks to stop training here.
        """
        if self._subtask is None:
            return False
        subtask, self._subtask = self._subtask, None
        return subtask.call_on_fit_task_end(
            estimator=self._estimator,
            reconstruction_attributes=lambda: {"_theta": weights()},
            **self._data,
        )

    def abandon(self):
        """End a begun subtask that never ran (after L-BFGS's last iteration)."""
        if self._subtask is not None:
            self._subtask.call_on_fit_task_end(estimator=self._estimator)
            self._subtask = None

    def finish(self):
        """End the fit's task; the estimator itself is the fitted model.

        The fit task was announced with ``max_subtasks`` epochs or iterations,
        the most it could run. When training ends sooner (early stopping,
        ``tol``, a callback asking to stop), the task's ``max_subtasks``
        becomes the number that ran before the task ends, so a callback that
        reads it at the end (a progress display's total, a log) sees the
        length the fit really had: ``n`` epochs of ``n``, not of ``max_iter``.
        (scikit-learn 1.9's ProgressBar draws an ended task complete anyway.)
        """
        if self._context is not None:
            self.abandon()
            self._context.max_subtasks = self._n_subtasks
            self._context.call_on_fit_task_end(
                estimator=self._estimator, reconstruction_attributes={}, **self._data
            )


@contextmanager
def sub_estimator_task(estimator, sub_estimator, X, y, Xt):
    """Run a meta-estimator's fit as one task whose one subtask fits ``sub_estimator``.

    As a Pipeline fits its last step: scikit-learn's auto-propagated
    callbacks (a ``ProgressBar``) set on ``estimator`` reach
    ``sub_estimator`` and see its epochs; the others see ``estimator``'s fit
    on the raw ``X``. ``Xt`` is what ``sub_estimator`` is fitted on. With
    no callback API (scikit-learn < 1.9), it does nothing.
    """
    if not hasattr(estimator, "_init_callback_context"):
        yield
        return
    context = estimator._init_callback_context(max_subtasks=1)
    context.call_on_fit_task_begin(estimator=estimator, X=X, y=y)
    subcontext = context.subcontext(task_name="fit-network")
    with subcontext.propagate_callback_context(sub_estimator):
        subcontext.call_on_fit_task_begin(estimator=estimator, X=Xt, y=y)
        yield
        subcontext.call_on_fit_task_end(estimator=estimator, X=Xt, y=y)
    context.call_on_fit_task_end(
        estimator=estimator, X=X, y=y, reconstruction_attributes={}
    )

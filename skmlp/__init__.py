"""skmlp: scikit-learn multilayer perceptrons trained by backpropagation.

:class:`BackpropRegressor` and :class:`BackpropClassifier` are drop-in
replacements for scikit-learn's ``MLPRegressor`` and ``MLPClassifier``.
The gradients are derived by hand (see :mod:`skmlp._network`) and computed in
numpy over one flat parameter vector.

The integrations need optional extras and import them only when used:
:class:`LossCurveDisplay` needs matplotlib (``skmlp[plot]``) and
:func:`to_onnx` needs skl2onnx, onnx and onnxruntime (``skmlp[onnx]``).
"""

from ._classifier import BackpropClassifier
from ._display import LossCurveDisplay
from ._embeddings import PeriodicEmbedding, PiecewiseLinearEmbedding
from ._gradcheck import GradientCheck, check_gradients
from ._onnx import to_onnx
from ._regressor import BackpropRegressor
from ._tabular import TabularMLPRegressor

__version__ = "0.1.0"

__all__ = [
    "BackpropClassifier",
    "BackpropRegressor",
    "GradientCheck",
    "LossCurveDisplay",
    "PeriodicEmbedding",
    "PiecewiseLinearEmbedding",
    "TabularMLPRegressor",
    "__version__",
    "check_gradients",
    "to_onnx",
]

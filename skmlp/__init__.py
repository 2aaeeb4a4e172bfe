"""skmlp: a scikit-learn multilayer-perceptron regressor trained by backpropagation.

The gradients are derived by hand (see :mod:`skmlp._network`) and computed in
numpy over one flat parameter vector.
"""

from ._gradcheck import check_gradients
from ._regressor import BackpropRegressor

__version__ = "0.1.0"

__all__ = ["BackpropRegressor", "__version__", "check_gradients"]

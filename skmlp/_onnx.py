r"""Export to ONNX through skl2onnx's converter registry.

:func:`to_onnx` registers a shape calculator and a converter for
:class:`~skmlp.BackpropRegressor` and :class:`~skmlp.BackpropClassifier`
(with a parser for the classifier) with skl2onnx, then calls
``skl2onnx.to_onnx``, so either estimator converts alone or inside a Pipeline
next to any scikit-learn step that skl2onnx knows.

Each layer becomes ``MatMul`` and ``Add`` (equation (1) of
:mod:`skmlp._network`, with scikit-learn's ``coefs_``) followed by its
activation, read from the fitted estimator's ``network_.activations``:

=============== ==================================================================
activation      ONNX operators
=============== ==================================================================
``identity``    ``Identity``
``logistic``    ``Sigmoid``
``tanh``        ``Tanh``
``relu``        ``Relu``
``leaky_relu``  ``Max(z, 0.01 z)`` (``LeakyRelu`` keeps its slope in float32)
``elu``         ``Relu(z) + Exp(Min(z, 0)) - 1`` (no float64 ``Elu`` kernel)
``softplus``    ``Relu(z) + Log(1 + Exp(-Abs(z)))`` (no float64 ``Softplus``)
``gelu``        float32: ``0.5 z (1 + Erf(z / sqrt 2))``; float64: see below
``silu``        ``z Sigmoid(z)``
``exp``         ``Exp``
=============== ==================================================================

onnxruntime has no float64 kernel for ``Erf`` (nor for ``Gelu``). In float64,
GELU is computed as :math:`\max(z, 0) - h(\min(|z|, 9))` with
:math:`h(v) = v\,\Phi(-v)`, which equals :math:`z\,\Phi(z)` for either sign of
:math:`z`. :math:`h` is a Chebyshev series of degree 50 on :math:`[0, 9]`,
interpolated from scipy's ``ndtr`` and evaluated by Clenshaw's recurrence
(absolute error below 1e-15; :math:`h(9) < 10^{-18}`).

A :class:`~sklearn.compose.TransformedTargetRegressor` (alone or as a
Pipeline step) converts when its ``transformer_`` is linear: the regressor's
output :math:`y` goes through the transformer's inverse, with numpy's
operations in numpy's order, so the result is the same to the last bit:

=================================== ==========================================
``transformer_``                    ONNX operators on the regressor's output
=================================== ==========================================
``StandardScaler``                  ``Mul(y, scale_)`` then ``Add(·, mean_)``
``MinMaxScaler``                    ``Sub(y, min_)`` then ``Div(·, scale_)``
identity (no ``func``/transformer)  ``Identity``
=================================== ==========================================

A :class:`~skmlp.BackpropClassifier` gets skl2onnx's two classifier outputs
(its parser adds the ZipMap unless ``options={'zipmap': False}``), computed
with the estimator's own decisions, so the labels are ``predict``'s:

=============== ============================================ ====================
target          ``probabilities`` (predict_proba)            ``label`` (predict)
=============== ============================================ ====================
binary          ``Concat(1 - p, p)``, ``p`` the logistic     ``Gather(classes_,
                                                             Cast(p > 0.5))``
multiclass      the ``Softmax`` output                       ``Gather(classes_,
                                                             ArgMax)``
multilabel      the logistic outputs                         ``Cast(p > 0.5)``,
                                                             int64 (n, k)
=============== ============================================ ====================

Labels are int64 when ``classes_`` holds integers, booleans or floats, and
strings otherwise, as skl2onnx stores them. Where skl2onnx's MLPClassifier
converter (1.20) differs: it declares a multilabel ``label`` of shape
``(n,)`` and returns ``(n, k)``; for two labels of a multilabel target it
returns four columns of probabilities; and with float64 input it writes a
ZipMap of doubles that onnxruntime refuses to load (here a ValueError says
to pass ``options={'zipmap': False}``).

skl2onnx and onnx are imported only when :func:`to_onnx` is called, so that
importing skmlp never needs them.
"""

import functools
import math

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, StandardScaler
from sklearn.utils.validation import check_is_fitted

from ._classifier import BackpropClassifier
from ._optional import check_extra_support
from ._regressor import BackpropRegressor

_ALIAS = "SkmlpBackpropRegressor"
_CLASSIFIER_ALIAS = "SkmlpBackpropClassifier"
_TTR_ALIAS = "SkmlpTransformedTargetRegressor"

#: Beyond this |z|, GELU's correction h(v) = v Phi(-v) is below 1e-18.
_GELU_CUTOFF = 9.0
_GELU_DEGREE = 50


@functools.cache
def _gelu_tail_coefficients():
    """Chebyshev coefficients of ``h(v) = v Phi(-v)`` on ``[0, _GELU_CUTOFF]``."""
    from numpy.polynomial import chebyshev
    from scipy.special import ndtr

    def h(s):
        v = (s + 1) * (_GELU_CUTOFF / 2)
        return v * ndtr(-v)

    return chebyshev.chebinterpolate(h, _GELU_DEGREE)


def _shape_calculator(operator):
    """Set the output type: ``(N,)`` for one output, as predict, else ``(N, k)``."""
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
    from skl2onnx.common.utils import check_input_and_output_numbers

    check_is_fitted(operator.raw_operator)
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=1)
    input_type = operator.inputs[0].type
    # Non-float input is cast to float64, as predict does.
    tensor_type = (
        FloatTensorType if isinstance(input_type, FloatTensorType) else DoubleTensorType
    )
    n_rows = operator.inputs[0].get_first_dimension()
    n_outputs = operator.raw_operator.n_outputs_
    operator.outputs[0].type = tensor_type(
        [n_rows] if n_outputs == 1 else [n_rows, n_outputs]
    )


class _Emitter:
    """Add ONNX nodes and constants to skl2onnx's container, one output each.

    Every node gets a fresh output name from the scope, so a value used twice
    (as in Clenshaw's recurrence) is computed once. ``op`` returns the name.
    """

    def __init__(self, scope, container, dtype):
        from onnx import TensorProto

        self.scope, self.container, self.dtype = scope, container, dtype
        self.proto = TensorProto.FLOAT if dtype == np.float32 else TensorProto.DOUBLE

    def const(self, value, name="c"):
        """Store ``value`` (cast to the model's dtype) and return its name."""
        return self._initializer(np.asarray(value, dtype=self.dtype), self.proto, name)

    def ints(self, values, name="shape"):
        """Store int64 ``values`` (shapes, indices) and return their name."""
        from onnx import TensorProto

        values = np.asarray(values, dtype=np.int64)
        return self._initializer(values, TensorProto.INT64, name)

    def _initializer(self, value, proto, name):
        const_name = self.scope.get_unique_variable_name(name)
        self.container.add_initializer(
            const_name, proto, list(value.shape), value.ravel()
        )
        return const_name

    def op(self, op_type, *inputs, output=None, **attrs):
        """Add node ``op_type(*inputs)`` and return its output's name."""
        output = output or self.scope.get_unique_variable_name(op_type.lower())
        self.container.add_node(
            op_type,
            list(inputs),
            [output],
            name=self.scope.get_unique_operator_name(op_type),
            **attrs,
        )
        return output


def _gelu_float64(g, z):
    """GELU from float64-capable operators (no Erf): relu(z) - h(min(|z|, 9))."""
    coefs = _gelu_tail_coefficients()
    v = g.op("Min", g.op("Abs", z), g.const([_GELU_CUTOFF]))
    # s = 2 v / cutoff - 1 maps [0, cutoff] onto [-1, 1].
    s = g.op("Sub", g.op("Mul", v, g.const([2 / _GELU_CUTOFF])), g.const([1.0]))
    two_s = g.op("Add", s, s)
    # Clenshaw: b_k = 2 s b_{k+1} - b_{k+2} + c_k, from b_{n+1} = b_{n+2} = 0.
    b1, b2 = g.const([coefs[-1]]), g.const([0.0])
    for c in coefs[-2:0:-1]:
        b1, b2 = g.op("Add", g.op("Sub", g.op("Mul", two_s, b1), b2), g.const([c])), b1
    tail = g.op("Add", g.op("Sub", g.op("Mul", s, b1), b2), g.const([coefs[0]]))
    return g.op("Sub", g.op("Relu", z), tail)


def _single(op_type):
    """Return the graph of an activation that is one ONNX operator."""
    return lambda g, z: g.op(op_type, z)


def _leaky_relu(g, z):
    # max(z, 0.01 z) is z for z > 0 and 0.01 z otherwise, the same product
    # as numpy's; LeakyRelu's alpha attribute is a float32, 0.0099999998.
    return g.op("Max", z, g.op("Mul", z, g.const([0.01])))


def _elu(g, z):
    # relu(z) + exp(min(z, 0)) - 1: onnxruntime has no float64 Elu kernel
    # from opset 22 on.
    expm1 = g.op("Sub", g.op("Exp", g.op("Min", z, g.const([0.0]))), g.const([1]))
    return g.op("Add", g.op("Relu", z), expm1)


def _softplus(g, z):
    # relu(z) + log(1 + exp(-|z|)), as numpy's logaddexp(0, z): no overflow,
    # and onnxruntime has no float64 Softplus kernel from opset 22 on.
    tail = g.op("Exp", g.op("Neg", g.op("Abs", z)))
    return g.op("Add", g.op("Relu", z), g.op("Log", g.op("Add", tail, g.const([1]))))


def _gelu(g, z):
    if g.dtype == np.float64:
        return _gelu_float64(g, z)
    erf = g.op("Erf", g.op("Mul", z, g.const([1 / math.sqrt(2)])))
    half_z = g.op("Mul", z, g.const([0.5]))
    return g.op("Mul", half_z, g.op("Add", erf, g.const([1.0])))


def _silu(g, z):
    return g.op("Mul", z, g.op("Sigmoid", z))


#: The ONNX graph of each activation of :data:`skmlp._activations.ACTIVATIONS`,
#: by name: ``f(g, z)`` adds its nodes and returns the output's name.
ONNX_ACTIVATIONS = {
    "identity": _single("Identity"),
    "logistic": _single("Sigmoid"),
    "tanh": _single("Tanh"),
    "relu": _single("Relu"),
    "exp": _single("Exp"),
    "leaky_relu": _leaky_relu,
    "elu": _elu,
    "softplus": _softplus,
    "gelu": _gelu,
    "silu": _silu,
    # Row-wise over the outputs (the last axis, also of an ensemble's
    # (k, n, n_outputs)), as skmlp._activations' softmax.
    "softmax": lambda g, z: g.op("Softmax", z, axis=-1),
}


def _activation(g, name, z):
    """Add the nodes of activation ``name`` applied to ``z``; return the output."""
    if name not in ONNX_ACTIVATIONS:
        raise NotImplementedError(f"No ONNX conversion for activation {name!r}.")
    return ONNX_ACTIVATIONS[name](g, z)


def _periodic(g, x, layer, phi):
    """(E1)-(E2) of :mod:`skmlp._embeddings`, the features as MatMul's batch axis."""
    c, maps, beta = layer._unpack(phi)
    m = layer.n_inputs
    x = g.op("Reshape", x, g.ints([0, m, 1]))  # (n, m, 1)
    p = g.op("Mul", x, g.const(2 * np.pi * c, "frequencies"))  # (E1), (n, m, k)
    v = g.op("Concat", g.op("Cos", p), g.op("Sin", p), axis=2)
    v = g.op("Transpose", v, perm=[1, 0, 2])  # (m, n, 2k)
    z = g.op("Add", g.op("MatMul", v, g.const(maps, "maps")), g.const(beta, "beta"))
    e = g.op("Transpose", g.op("Relu", z), perm=[1, 0, 2])  # (E2), (n, m, d)
    return g.op("Reshape", e, g.ints([0, layer.n_outputs]))


def _piecewise_linear(g, x, layer, phi):
    """(E6) of :mod:`skmlp._embeddings`: one column per bin, clipped by Max, Min."""
    x = g.op("Gather", x, g.ints(layer.feature, "feature"), axis=1)
    r = g.op("Add", g.op("Mul", x, g.const(layer.scale)), g.const(layer.offset))
    return g.op("Min", g.op("Max", r, g.const(layer.low)), g.const(layer.high))


#: The graphs of the fitted numeric embeddings, by class name.
_EMBEDDINGS = {
    "PeriodicLayer": _periodic,
    "PiecewiseLinearLayer": _piecewise_linear,
}


def _forward(scope, operator, container):
    """Write the forward pass of the fitted network; return the emitter and ``a^K``."""
    from onnx import TensorProto
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    est = operator.raw_operator
    check_is_fitted(est)
    X = operator.inputs[0]
    dtype = np.float32 if isinstance(X.type, FloatTensorType) else np.float64
    g = _Emitter(scope, container, dtype)
    a = X.full_name
    if not isinstance(X.type, (FloatTensorType, DoubleTensorType)):
        # e.g. integers from an earlier step: float64, as predict does
        a = g.op("Cast", a, to=TensorProto.DOUBLE)
    net = est.network_
    members = getattr(net, "n_members", 1)  # an EnsembleNetwork's
    embedding = getattr(net, "embedding", None)  # shared by the members
    if embedding is not None:
        phi = net.embedding_params(est.theta_)
        a = _EMBEDDINGS[type(embedding).__name__](g, a, embedding, phi)
    for W, b, name in zip(est.coefs_, est.intercepts_, net.activations, strict=True):
        if members > 1:  # MatMul broadcasts (n, fan_in) @ (k, fan_in, fan_out)
            b = b[:, np.newaxis, :]
        z = g.op("Add", g.op("MatMul", a, g.const(W, "coef")), g.const(b, "intercept"))
        a = _activation(g, name, z)  # (1), (2) of skmlp._network
    if members > 1:
        a = _mean_over_members(g, a, container.target_opset)  # (E2)
    return g, a


def _mean_over_members(g, a, opset):
    """Return the ensemble's prediction: the mean over the members' axis 0."""
    from onnx import TensorProto

    if opset < 18:  # axes an attribute before opset 18, an input since
        return g.op("ReduceMean", a, axes=[0], keepdims=0)
    axes = g.scope.get_unique_variable_name("members_axis")
    g.container.add_initializer(axes, TensorProto.INT64, [1], [0])
    return g.op("ReduceMean", a, axes, keepdims=0)


def _convert(scope, operator, container):
    """Write the forward pass of a fitted BackpropRegressor into the ONNX graph."""
    from onnx import TensorProto

    est = operator.raw_operator
    g, a = _forward(scope, operator, container)
    if getattr(est, "target_scaler_", None) is not None:  # standardize_y=True
        a = _standard_scaler_inverse(g, a, est.target_scaler_)
    y = operator.outputs[0].full_name
    if est.n_outputs_ == 1:
        shape = scope.get_unique_variable_name("shape")
        container.add_initializer(shape, TensorProto.INT64, [1], [-1])
        g.op("Reshape", a, shape, output=y)
    else:
        g.op("Identity", a, output=y)


def _standard_scaler_inverse(g, y, scaler):
    """``y * scale_ + mean_``, as ``StandardScaler.inverse_transform``."""
    # mean_ is fitted even with with_mean=False, but then not added back.
    if scaler.with_std:
        y = g.op("Mul", y, g.const(scaler.scale_, "scale"))
    if scaler.with_mean:
        y = g.op("Add", y, g.const(scaler.mean_, "mean"))
    return y


def _min_max_scaler_inverse(g, y, scaler):
    """``(y - min_) / scale_``, as ``MinMaxScaler.inverse_transform``."""
    y = g.op("Sub", y, g.const(scaler.min_, "min"))
    return g.op("Div", y, g.const(scaler.scale_, "scale"))


#: The inverse of each linear target transformer, by type.
_TARGET_INVERSES = {
    StandardScaler: _standard_scaler_inverse,
    MinMaxScaler: _min_max_scaler_inverse,
}


def _target_inverse(transformer):
    """Return the ONNX inverse of a fitted target transformer, or raise."""
    if type(transformer) in _TARGET_INVERSES:
        return _TARGET_INVERSES[type(transformer)]
    if (
        type(transformer) is FunctionTransformer
        and transformer.func is None
        and transformer.inverse_func is None
    ):
        return lambda g, y, transformer: y
    raise NotImplementedError(
        "to_onnx converts a TransformedTargetRegressor only with a linear "
        "target transformer: StandardScaler, MinMaxScaler or none; got "
        f"{transformer!r}. Scale the target inside the model instead, or "
        "export the regressor and apply the inverse transform yourself."
    )


def _ttr_output_shape(ttr, n_rows):
    """Return the shape of ``ttr.predict``: ``(N,)`` for 1-D ``y``, else ``(N, k)``."""
    n_outputs = ttr.transformer_.n_features_in_
    # TransformedTargetRegressor.predict returns 1-D when y was 1-D in fit,
    # which it records in _training_dim.
    one_d = n_outputs == 1 and getattr(ttr, "_training_dim", 1) == 1
    return [n_rows] if one_d else [n_rows, n_outputs]


def _ttr_shape_calculator(operator):
    """Set the output type of a TransformedTargetRegressor: predict's shape."""
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    ttr = operator.raw_operator
    check_is_fitted(ttr)
    _target_inverse(ttr.transformer_)
    input_type = operator.inputs[0].type
    tensor_type = (
        FloatTensorType if isinstance(input_type, FloatTensorType) else DoubleTensorType
    )
    n_rows = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = tensor_type(_ttr_output_shape(ttr, n_rows))


def _ttr_convert(scope, operator, container):
    """Convert the regressor with its own converter, then invert the target."""
    from onnx import TensorProto
    from skl2onnx.algebra.onnx_operator import OnnxSubEstimator
    from skl2onnx.common.data_types import FloatTensorType

    ttr = operator.raw_operator
    X = operator.inputs[0]
    dtype = np.float32 if isinstance(X.type, FloatTensorType) else np.float64
    y = scope.get_unique_variable_name("regressor_output")
    OnnxSubEstimator(
        ttr.regressor_, X, op_version=container.target_opset, output_names=[y]
    ).add_to(scope, container)
    g = _Emitter(scope, container, dtype)
    y = _target_inverse(ttr.transformer_)(g, y, ttr.transformer_)
    target_shape = [-1, *_ttr_output_shape(ttr, None)[1:]]
    shape = scope.get_unique_variable_name("shape")
    container.add_initializer(
        shape, TensorProto.INT64, [len(target_shape)], target_shape
    )
    g.op("Reshape", y, shape, output=operator.outputs[0].full_name)


def _label_values(scope, est):
    """Return the ONNX element type and values of the labels ``est`` predicts.

    skl2onnx's convention: integer and boolean labels (and floats that are
    whole numbers) become int64, any other labels strings. Honours skl2onnx's
    ``nocl`` option (the class indices instead of the labels).
    """
    from onnx import TensorProto
    from skl2onnx.common.utils_classifier import get_label_classes

    classes = np.asarray(get_label_classes(scope, est))
    # Float labels are whole numbers: scikit-learn's classifiers refuse others.
    if classes.dtype.kind in "biuf":
        return TensorProto.INT64, classes.astype(np.int64)
    return TensorProto.STRING, np.array([str(c).encode("utf-8") for c in classes])


def _multilabel(est):
    """Whether ``est`` was fitted on a label indicator matrix."""
    return est.out_activation_ == "logistic" and est.n_outputs_ > 1


def _classifier_shape_calculator(operator):
    """Set the types of ``label`` and ``probabilities``: predict's, predict_proba's."""
    from onnx import TensorProto
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )
    from skl2onnx.common.utils import check_input_and_output_numbers

    est = operator.raw_operator
    check_is_fitted(est)
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=2)
    element_type, _ = _label_values(operator.scope_inst, est)
    label_type = (
        Int64TensorType if element_type == TensorProto.INT64 else StringTensorType
    )
    n_rows = operator.inputs[0].get_first_dimension()
    n_columns = len(est.classes_)
    # A label indicator matrix is predicted as one, as predict does (skl2onnx's
    # MLPClassifier converter declares (N,) and returns (N, k)).
    operator.outputs[0].type = label_type(
        [n_rows, n_columns] if _multilabel(est) else [n_rows]
    )
    tensor_type = (
        FloatTensorType
        if isinstance(operator.inputs[0].type, FloatTensorType)
        else DoubleTensorType
    )
    operator.outputs[1].type = tensor_type([n_rows, n_columns])


def _above_half(g, p, output=None):
    """``p > 0.5`` as int64, the decision of a logistic output, as predict's."""
    from onnx import TensorProto

    above = g.op("Greater", p, g.const([0.5]))
    return g.op("Cast", above, output=output, to=TensorProto.INT64)


def _classifier_convert(scope, operator, container):
    """Write predict (``label``) and predict_proba (``probabilities``) into the graph.

    The decisions are BackpropClassifier's own, so the labels are predict's:
    the first largest probability (softmax), or ``p > 0.5`` per output
    (logistic; MLPClassifier's skl2onnx converter takes the argmax of
    ``[1 - p, p]`` instead, and for two labels of a multilabel target returns
    four columns of probabilities).
    """
    from onnx import TensorProto

    est = operator.raw_operator
    g, p = _forward(scope, operator, container)
    label, proba = operator.outputs[0].full_name, operator.outputs[1].full_name
    if _multilabel(est):
        g.op("Identity", p, output=proba)
        _above_half(g, p, output=label)
        return
    if est.n_outputs_ == 1:  # binary: predict_proba's [1 - p, p]
        g.op("Concat", g.op("Sub", g.const([1]), p), p, output=proba, axis=1)
        index = _above_half(g, p)
        shape = scope.get_unique_variable_name("shape")
        container.add_initializer(shape, TensorProto.INT64, [1], [-1])
        index = g.op("Reshape", index, shape)
    else:  # multiclass: ArgMax returns the first largest, as numpy's argmax
        g.op("Identity", p, output=proba)
        index = g.op("ArgMax", p, axis=1, keepdims=0)
    element_type, values = _label_values(scope, est)
    classes = scope.get_unique_variable_name("classes")
    container.add_initializer(classes, element_type, [len(values)], values.tolist())
    g.op("Gather", classes, index, output=label, axis=0)


def _classifier_parser(scope, model, inputs, custom_parsers=None):
    """skl2onnx's classifier parser, refusing a ZipMap of float64 probabilities.

    ONNX's ZipMap takes float32 only: skl2onnx would write a model that
    onnxruntime refuses to load (as it does for MLPClassifier).
    """
    from skl2onnx._parse import _parse_sklearn_classifier
    from skl2onnx.common.data_types import FloatTensorType

    zipmap = scope.get_options(model, {"zipmap": True})["zipmap"]
    if zipmap is not False and not isinstance(inputs[0].type, FloatTensorType):
        raise ValueError(
            "ONNX's ZipMap, which skl2onnx puts after a classifier by default, "
            "holds float32 probabilities only, and this model's input is "
            f"{type(inputs[0].type).__name__}. Pass options={{'zipmap': False}} "
            "(or {BackpropClassifier: {'zipmap': False}} for a Pipeline) for "
            "float64 probabilities as a tensor, or a float32 X_sample."
        )
    return _parse_sklearn_classifier(scope, model, inputs, custom_parsers)


def _register():
    from skl2onnx import update_registered_converter

    update_registered_converter(
        BackpropRegressor, _ALIAS, _shape_calculator, _convert, overwrite=True
    )
    update_registered_converter(
        BackpropClassifier,
        _CLASSIFIER_ALIAS,
        _classifier_shape_calculator,
        _classifier_convert,
        overwrite=True,
        parser=_classifier_parser,
        # skl2onnx's options for MLPClassifier, handled by its parser (zipmap,
        # output_class_labels) and get_label_classes (nocl).
        options={
            "zipmap": [True, False, "columns"],
            "output_class_labels": [False, True],
            "nocl": [True, False],
        },
    )
    update_registered_converter(
        TransformedTargetRegressor,
        _TTR_ALIAS,
        _ttr_shape_calculator,
        _ttr_convert,
        overwrite=True,
    )


def to_onnx(
    model, X_sample=None, *, initial_types=None, target_opset=None, options=None
):
    """Convert a fitted BackpropRegressor or BackpropClassifier to ONNX.

    The model may also be a Pipeline ending in one. Built on skl2onnx's
    converter registry: every other step of a Pipeline (e.g. StandardScaler,
    ColumnTransformer) is converted by skl2onnx's own converters. A
    :class:`~sklearn.compose.TransformedTargetRegressor`, alone or as a
    step, converts when its target transformer is StandardScaler,
    MinMaxScaler or none (see :mod:`skmlp._onnx`); any other raises
    ``NotImplementedError``. Needs the ``onnx`` extra (``pip install -e
    ".[onnx]"`` from a checkout of skmlp).

    Parameters
    ----------
    model : BackpropRegressor, BackpropClassifier or Pipeline
        A fitted estimator, or a fitted Pipeline whose steps skl2onnx can
        convert.

    X_sample : array-like of shape (n_samples, n_features), default=None
        Input rows, used only for their dtype and number of features. The
        ONNX model takes a float32 tensor if ``X_sample`` is float32, and a
        float64 tensor otherwise (any other dtype is treated as float64, as
        `predict` does). Its input is named ``'X'``. Give either
        ``X_sample`` or ``initial_types``.

    initial_types : list of (str, skl2onnx type) tuples, default=None
        The model's inputs, passed to skl2onnx's ``convert_sklearn``; for
        example one input per DataFrame column, named as the column, for a
        Pipeline that starts with a ColumnTransformer selecting columns by
        name: ``[(name, DoubleTensorType([None, 1])) for name in
        df.columns]``. Replaces ``X_sample``.

    target_opset : int, default=None
        The ONNX opset. ``None`` is the latest one skl2onnx was tested with.

    options : dict, default=None
        skl2onnx's converter options, as for its MLPClassifier:
        ``{'zipmap': False}`` for a classifier alone, and
        ``{BackpropClassifier: {'zipmap': False}}`` (or
        ``{'backpropclassifier__zipmap': False}``) for one in a Pipeline.
        A classifier takes ``'zipmap'`` (True, False or ``'columns'``),
        ``'nocl'`` and ``'output_class_labels'``.

    Raises
    ------
    ImportError
        If skl2onnx or onnx is not installed, naming the extra to install.

    NotImplementedError
        For a TransformedTargetRegressor whose target transformer is not
        linear, or an activation with no conversion.

    ValueError
        For a classifier with float64 input and the default ZipMap, which
        holds float32 only (pass ``options={'zipmap': False}``).

    Returns
    -------
    onnx_model : onnx.ModelProto
        The model. The weights are stored in the input's dtype.

        A regressor's output, named ``'variable'``, has the shape of
        `predict`'s result: ``(n_samples,)`` for one output and
        ``(n_samples, n_outputs)`` for several.

        A classifier has skl2onnx's two classifier outputs. With
        ``zipmap=False``: ``'label'``, `predict`'s result (int64 for
        integer, boolean or float labels, strings otherwise; an
        int64 indicator matrix for multilabel targets), and
        ``'probabilities'``, `predict_proba`'s, in the input's dtype. By
        default (``zipmap=True``, float32 input only): ``'output_label'``
        and ``'output_probability'``, a list of one ``{label: probability}``
        dict per row.

    See Also
    --------
    skl2onnx.to_onnx : The conversion this function registers converters for.

    Notes
    -----
    onnxruntime's predictions match `predict` to 1e-5 in float32 and to
    1e-12 in float64, relative to the largest prediction (tested for every
    activation, for several outputs and in a Pipeline with StandardScaler).
    A classifier's labels equal `predict`'s, and its probabilities
    `predict_proba`'s within 1e-5 (float32) and 1e-12 (float64), for binary,
    multiclass and multilabel targets, alone and in a Pipeline.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from sklearn.datasets import make_regression
    >>> from skmlp import BackpropRegressor, to_onnx
    >>> X, y = make_regression(n_samples=100, n_features=4, random_state=0)
    >>> est = BackpropRegressor((10,), solver="lbfgs", max_iter=500, random_state=0)
    >>> est = est.fit(X, y)
    >>> onx = to_onnx(est, X)
    >>> session = ort.InferenceSession(onx.SerializeToString())
    >>> (y_onnx,) = session.run(None, {"X": X})
    >>> y_pred = est.predict(X)
    >>> y_onnx.shape == y_pred.shape
    True
    >>> bool(np.max(np.abs(y_onnx - y_pred)) <= 1e-12 * np.max(np.abs(y_pred)))
    True

    A classifier, with its labels and probabilities as tensors:

    >>> from skmlp import BackpropClassifier
    >>> labels = np.where(y > 0, "up", "down")
    >>> clf = BackpropClassifier((10,), solver="lbfgs", random_state=0)
    >>> clf = clf.fit(X, labels)
    >>> onx = to_onnx(clf, X, options={"zipmap": False})
    >>> session = ort.InferenceSession(onx.SerializeToString())
    >>> [output.name for output in session.get_outputs()]
    ['label', 'probabilities']
    >>> label, proba = session.run(None, {"X": X})
    >>> label[:4]
    array(['down', 'up', 'down', 'down'], dtype=object)
    >>> bool(np.all(label == clf.predict(X)))
    True
    >>> bool(np.max(np.abs(proba - clf.predict_proba(X))) < 1e-14)
    True
    """
    check_extra_support("to_onnx", "onnx", ["skl2onnx", "onnx"])
    import skl2onnx

    if (X_sample is None) == (initial_types is None):
        raise ValueError("Give either X_sample or initial_types, not both or none.")
    _register()
    if initial_types is not None:
        return skl2onnx.to_onnx(
            model,
            initial_types=initial_types,
            target_opset=target_opset,
            options=options,
        )
    X_sample = np.asarray(X_sample)
    if X_sample.dtype not in (np.float32, np.float64):
        X_sample = X_sample.astype(np.float64)
    return skl2onnx.to_onnx(model, X_sample, target_opset=target_opset, options=options)

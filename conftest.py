"""Doctest collection: skip the doctests of integrations whose extra is missing.

The tests of each integration skip themselves with ``pytest.importorskip``;
the examples in the docstrings of ``skmlp/_display.py`` (``plot`` extra) and
``skmlp/_onnx.py`` (``onnx`` extra) cannot, so their modules are left out of
doctest collection when the extra is not installed. CI installs every extra.
"""

from importlib.util import find_spec

collect_ignore = []
if find_spec("matplotlib") is None:
    collect_ignore.append("skmlp/_display.py")
if find_spec("skl2onnx") is None or find_spec("onnxruntime") is None:
    collect_ignore.append("skmlp/_onnx.py")

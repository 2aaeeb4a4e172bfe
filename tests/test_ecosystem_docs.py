"""The examples of docs/user_guide/ecosystem.rst run and print what it says."""

import doctest
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[1] / "docs" / "user_guide" / "ecosystem.rst"


def test_ecosystem_page_examples(tmp_path):
    for extra_module in ["skops", "skl2onnx", "onnxruntime", "dask_ml", "distributed"]:
        pytest.importorskip(extra_module)
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        result = doctest.testfile(
            str(PAGE),
            module_relative=False,
            globs={"tmp_path": tmp_path},
            optionflags=doctest.ELLIPSIS,
        )
    finally:
        plt.close("all")
    assert result.attempted > 30
    assert result.failed == 0, "see the doctest report above"

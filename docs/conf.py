"""Sphinx configuration for the skmlp documentation.

Build with ``bash scripts/docs.sh`` from the repository root. The build never
touches the network: intersphinx is not enabled, and the gallery links only to
skmlp's own pages.

Why no intersphinx links to scikit-learn, numpy and scipy: intersphinx needs
each project's ``objects.inv``, and none can be had offline in a version close
to the one documented against. No installed or PyPI package ships them; the
only packaged copies are Debian's documentation packages (bookworm:
python-sklearn-doc 1.2.1 against scikit-learn 1.9, python-scipy-doc 1.10.1
against scipy 1.17, and no numpy documentation package), years older, with
missing and moved names. Fetching them at build time would break the offline
build. Shipping current inventories in docs/_intersphinx/ (downloaded once
where there is network) and enabling ``sphinx.ext.intersphinx`` with those
local paths would give the links; until then, references to those projects
render as text (see ``_plain_sklearn_references``).
"""

import re
import sys
from pathlib import Path

from sphinx_gallery.sorting import ExplicitOrder
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
# Document the skmlp of this checkout, even if another one is installed.
sys.path.insert(0, str(ROOT))

import skmlp  # noqa: E402

# The gallery examples run inside the build. One BLAS thread: on a shared
# 2-core machine a second thread makes the small matrix products of these
# examples many times slower, and their reported times meaningless.
threadpool_limits(limits=1, user_api="blas")

project = "skmlp"
author = "the skmlp developers"
copyright = "the skmlp developers"
version = release = skmlp.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.extlinks",
    "sphinx.ext.mathjax",
    # Ships MathJax 3 with the site (_static/mathjax) and points mathjax_path
    # at it: the equations render with no network (tests/test_docs.py checks
    # the built pages load no script or style sheet from the web).
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    # Left by builds before write_computation_times was switched off (below).
    "sg_execution_times.rst",
    "auto_examples/sg_execution_times.rst",
]
root_doc = "index"
default_role = "literal"

# -- API reference ------------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# Roles used by scikit-learn-style docstrings. Links only: nothing is fetched.
extlinks = {
    "arxiv": ("https://arxiv.org/abs/%s", "arXiv:%s"),
    "sklearn-issue": (
        "https://github.com/scikit-learn/scikit-learn/issues/%s",
        "scikit-learn #%s",
    ),
}


def _plain_sklearn_references(app, what, name, obj, options, lines):
    """Turn scikit-learn's own cross-references into plain text.

    Methods inherited from scikit-learn (``score``, ``get_params``, the
    metadata-routing ``set_*_request``) have docstrings that refer to labels
    and glossary terms of scikit-learn's documentation. Without intersphinx,
    which would fetch scikit-learn's inventory over the network, they cannot
    resolve; their text is kept. skmlp's own docstrings are left alone.
    """
    module = getattr(obj, "__module__", None) or ""
    if module.startswith("skmlp"):
        return
    pattern = re.compile(r":(?:ref|term):`(?:([^`<]+?)\s*<[^`>]+>|([^`]+))`")
    lines[:] = [
        pattern.sub(lambda m: f"*{(m.group(1) or m.group(2)).strip()}*", line)
        for line in lines
    ]


def setup(app):
    app.connect("autodoc-process-docstring", _plain_sklearn_references)


# -- HTML -----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skmlp {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    # The download and launcher links render only on gallery pages.
    "secondary_sidebar_items": [
        "page-toc",
        "sourcelink",
        "sg_download_links",
        "sg_launcher_links",
    ],
}
html_sidebars = {"changelog": [], "benchmarks": [], "getting_started": []}

# -- Gallery --------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": ExplicitOrder(
        [
            "plot_quickstart.py",
            "plot_grid_search.py",
            "plot_early_stopping.py",
            "plot_callbacks.py",
            "plot_streaming.py",
            "plot_solvers.py",
            "plot_gradient_check.py",
            "plot_diabetes.py",
            "plot_huber.py",
            "plot_out_activation.py",
            "plot_validation_curves.py",
            "plot_dask_search.py",
            "plot_out_of_core.py",
            "plot_array_api.py",
            "*",  # any other example, after these
        ]
    ),
    "doc_module": ("skmlp",),
    "backreferences_dir": "gen_modules/backreferences",
    "min_reported_time": 1,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    # The page of execution times loads jQuery, DataTables and Bootstrap from
    # CDNs, which an offline reader cannot reach; the times are in the build log.
    "write_computation_times": False,
}

"""Sphinx configuration for the skmlp documentation.

Build with ``bash scripts/docs.sh`` from the repository root. The build never
touches the network: the intersphinx inventories are files in the repository,
and the gallery links only to skmlp's own pages.

Links to scikit-learn, numpy and scipy: ``sphinx.ext.intersphinx`` resolves
references such as ``:class:`~sklearn.pipeline.Pipeline``` or
``:func:`numpy.mean``` (and numpydoc's "See Also" entries) to the stable
documentation of those projects, from the inventories in ``docs/_intersphinx``
(``intersphinx_mapping`` below names local files, so nothing is fetched). No
package ships these projects' ``objects.inv``, and Debian's documentation
packages are years older than the installed versions, so
``scripts/make_inventories.py`` builds the inventories from the installed
packages: their public modules, classes, functions, methods and properties,
at the URLs of each project's documentation layout, with scikit-learn's
glossary terms and a few of its user-guide labels. Each file records the
version it was made from (its ``# Version:`` line). After upgrading one of
these projects, regenerate and commit them:

    .venv/bin/python scripts/make_inventories.py

``tests/test_docs.py`` checks they load and hold the names the docs cite, and
that they cover the ``:term:`` and ``:ref:`` references of the docstrings
skmlp inherits from scikit-learn. A missing inventory file fails the build
(intersphinx warns, and the build runs with ``-W``). A reference to another
project that the inventory lacks renders as text, as it did before intersphinx:
silently for ``:class:`` and the like (Sphinx is not nitpicky here), and, for
the ``:term:`` and ``:ref:`` references of inherited docstrings, which would
otherwise fail the build, through ``_unknown_sklearn_references_as_text``.
"""

import functools
import re
import sys
from pathlib import Path

from numpydoc.xref import DEFAULT_LINKS
from sphinx.util.inventory import InventoryFile
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
    "sphinx.ext.intersphinx",
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
# Parameter types link to the objects and glossary terms they name, through
# the inventories below; other words in a type ("of shape", "default=") stay
# text. Only these names link (numpydoc_xref_ignore = "all"). numpydoc's own
# aliases for Python's builtins (and numpy's glossary) point to inventories
# the build does not have; those names stay text, as before.
numpydoc_xref_param_type = True
numpydoc_xref_ignore = "all"
numpydoc_xref_aliases = {
    **{
        name: name
        for name, target in DEFAULT_LINKS.items()
        if "python:" in target or "numpy:" in target
    },
    "array-like": ":term:`array-like`",
    "sparse matrix": ":term:`sparse matrix`",
    "ndarray": "numpy.ndarray",
    "RandomState": "numpy.random.RandomState",
    "Pipeline": "sklearn.pipeline.Pipeline",
    "StandardScaler": "sklearn.preprocessing.StandardScaler",
    "BackpropRegressor": "skmlp.BackpropRegressor",
    "BackpropClassifier": "skmlp.BackpropClassifier",
    "LossCurveDisplay": "skmlp.LossCurveDisplay",
    "GradientCheck": "skmlp.GradientCheck",
}

# Roles used by scikit-learn-style docstrings. Links only: nothing is fetched.
extlinks = {
    "arxiv": ("https://arxiv.org/abs/%s", "arXiv:%s"),
    "sklearn-issue": (
        "https://github.com/scikit-learn/scikit-learn/issues/%s",
        "scikit-learn #%s",
    ),
}


# -- Links to other projects -----------------------------------------------------
# Local inventories (scripts/make_inventories.py): nothing is fetched. Paths are
# relative to this directory. A missing file is a warning, so -W fails the build.
INVENTORIES = ROOT / "docs" / "_intersphinx"
intersphinx_mapping = {
    "sklearn": ("https://scikit-learn.org/stable/", "_intersphinx/sklearn.inv"),
    "numpy": ("https://numpy.org/doc/stable/", "_intersphinx/numpy.inv"),
    "scipy": ("https://docs.scipy.org/doc/scipy/", "_intersphinx/scipy.inv"),
}
# Only explicit roles go to other projects, never a :doc: (Sphinx's default).
intersphinx_disabled_reftypes = ["std:doc"]


@functools.cache
def _sklearn_targets():
    """The labels and glossary terms of the shipped scikit-learn inventory.

    As ``{"ref": {...}, "term": {...}}``, in lower case, since Sphinx matches
    both without regard to case.
    """
    data = (INVENTORIES / "sklearn.inv").read_bytes()
    inventory = InventoryFile.loads(data, uri="").data
    return {
        role: {name.lower() for name in inventory.get(kind, {})}
        for role, kind in (("ref", "std:label"), ("term", "std:term"))
    }


_XREF = re.compile(r":(ref|term):`(?:([^`<]+?)\s*<([^`>]+)>|([^`]+))`")


def _unknown_sklearn_references_as_text(app, what, name, obj, options, lines):
    """Render the inherited references the inventory lacks as text.

    Methods inherited from scikit-learn (``score``, ``get_params``, the
    metadata-routing ``set_*_request``) have docstrings that refer to labels
    and glossary terms of scikit-learn's documentation. Those in the shipped
    inventory become links to scikit-learn's site. One it lacks (a newer
    scikit-learn may cite a new label) would fail the build, so its text is
    kept instead. skmlp's own docstrings are left alone.
    """
    module = getattr(obj, "__module__", None) or ""
    if module.startswith("skmlp"):
        return
    known = _sklearn_targets()

    def text_unless_known(match):
        role, title, target, bare = match.groups()
        if (target or bare).strip().lower() in known[role]:
            return match[0]
        return f"*{(title or bare).strip()}*"

    lines[:] = [_XREF.sub(text_unless_known, line) for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", _unknown_sklearn_references_as_text)


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
            "plot_breast_cancer_calibration.py",
            "plot_multilabel.py",
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

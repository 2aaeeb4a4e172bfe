"""Write the intersphinx inventories of scikit-learn, numpy and scipy.

The docs build runs offline, and no installed package ships these projects'
``objects.inv``. This script builds them from the installed packages instead:
it imports the public modules of each project, lists their public classes,
functions and class members, and writes a Sphinx version 2 inventory (a
four-line header, then zlib-compressed lines ``name domain:role priority
location display-name``) to ``docs/_intersphinx/{sklearn,numpy,scipy}.inv``.
Each header records the installed version the inventory was made from.

The locations follow the layout of each project's stable documentation
(``docs/conf.py`` maps them to the stable sites):

- scikit-learn: ``modules/generated/<name>.html#<name>`` for a class or
  function; a class's methods and properties are anchors on its page
  (``...Pipeline.html#sklearn.pipeline.Pipeline.fit``); a module is
  ``api/<module>.html#module-<module>``; a glossary term ``t`` is
  ``glossary.html#term-<id of t>``; a few user-guide labels are listed by hand
  (``LABELS``), as their pages cannot be found by introspection.
- numpy: ``reference/generated/<name>.html#<name>``, for class members too
  (each has its own page); numpy.random's objects are under
  ``reference/random/generated/``, its ``Generator``, ``default_rng`` and
  ``RandomState`` on their own pages (``NUMPY_PAGES``); scalar types on
  ``reference/arrays.scalars.html``; constants on ``reference/constants.html``.
- scipy: ``reference/generated/<name>.html#<name>``, class members on pages
  of their own; a module is ``reference/<module without scipy.>.html``.

The glossary terms are those scikit-learn's docstrings cite with ``:term:``
(found in its installed sources) and a list of common ones (``TERMS``), so the
``:term:`` references of docstrings skmlp inherits resolve.

Run it again after upgrading one of the projects, and commit the result:

    .venv/bin/python scripts/make_inventories.py

The output is deterministic for given installed versions.
"""

import importlib
import inspect
import re
import sys
import warnings
import zlib
from pathlib import Path

from sphinx.util.nodes import _make_id

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "_intersphinx"

# Sphinx's priorities: 0 for modules, 1 for other objects, -1 for the objects
# a search should not show first (terms and labels).
MODULE, OBJECT, HIDDEN = 0, 1, -1

# -- scikit-learn ------------------------------------------------------------------
SKLEARN_MODULES = [
    # Besides sklearn.__all__'s modules: sklearn.utils (not in sklearn.__all__)
    # and submodules the API reference documents objects of.
    "sklearn.base",
    "sklearn.feature_extraction.image",
    "sklearn.feature_extraction.text",
    "sklearn.gaussian_process.kernels",
    "sklearn.metrics.cluster",
    "sklearn.metrics.pairwise",
    "sklearn.utils",
    "sklearn.utils.arrayfuncs",
    "sklearn.utils.class_weight",
    "sklearn.utils.discovery",
    "sklearn.utils.estimator_checks",
    "sklearn.utils.extmath",
    "sklearn.utils.graph",
    "sklearn.utils.metadata_routing",
    "sklearn.utils.metaestimators",
    "sklearn.utils.multiclass",
    "sklearn.utils.murmurhash",
    "sklearn.utils.parallel",
    "sklearn.utils.random",
    "sklearn.utils.sparsefuncs",
    "sklearn.utils.sparsefuncs_fast",
    "sklearn.utils.validation",
]
SKLEARN_SKIP = {"sklearn.externals", "sklearn.experimental"}
# Public modules with no __all__ that publish a private module's objects.
REEXPORTS = {"sklearn.utils.metadata_routing": "sklearn.utils._metadata_requests"}

# Common entries of scikit-learn's glossary (doc/glossary.rst), besides those
# its docstrings cite. An entry with several names has an anchor for each.
TERMS = [
    "1d", "1d array", "2d", "2d array", "API", "array-like", "attribute",
    "attributes", "backwards compatibility", "callable", "categorical feature",
    "classes_", "classifier", "classifiers", "clone", "cloned", "clusterer",
    "coef_", "components_", "cross-validation estimator",
    "cross-validation generator", "cross-validation splitter", "CV splitter",
    "cv", "data leakage", "decision_function", "density estimator",
    "deprecation", "dtype", "duck typing", "early stopping", "embedding_",
    "estimator", "estimator instance", "estimators", "evaluation metric",
    "feature", "feature_importances_", "features", "fit", "fit_predict",
    "fit_transform", "fitted", "fitting", "function", "gallery",
    "get_feature_names_out", "get_n_splits", "get_params", "groups",
    "hyperparameter", "hyper-parameter", "imputation", "impute", "indexable",
    "inverse_transform", "joblib", "kernel", "label indicator matrix",
    "labels_", "leakage", "max_iter", "memory", "meta-estimator",
    "meta-estimators", "metaestimator", "metaestimators", "metric",
    "missing values", "multiclass", "multi-class", "multilabel", "multi-label",
    "multioutput", "multi-output", "n_components", "n_features", "n_iter_",
    "n_iter_no_change", "n_jobs", "n_outputs", "n_samples", "n_targets",
    "online learning", "out-of-core", "outlier detector", "outlier detectors",
    "parameter", "parameters", "partial_fit", "pos_label", "precomputed",
    "predict", "predict_log_proba", "predict_proba", "predictor", "predictors",
    "random_state", "regressor", "regressors", "sample", "samples",
    "sample_weight", "score", "score_samples", "scorer", "scoring",
    "semi-supervised", "set_params", "sparse matrix", "split", "supervised",
    "supervised learning", "target", "targets", "transform", "transformer",
    "transformers", "unsupervised", "unsupervised learning", "vectorizer",
    "verbose", "warm_start", "X", "y",
]  # fmt: skip

# User-guide labels: (page, title). The anchor is the label's docutils id.
LABELS = {
    "accuracy_score": ("modules/model_evaluation.html", "Accuracy score"),
    "calibration": ("modules/calibration.html", "Probability calibration"),
    "column_transformer": (
        "modules/compose.html",
        "ColumnTransformer for heterogeneous data",
    ),
    "cross_validation": (
        "modules/cross_validation.html",
        "Cross-validation: evaluating estimator performance",
    ),
    "glossary": ("glossary.html", "Glossary of Common Terms and API Elements"),
    "grid_search": (
        "modules/grid_search.html",
        "Tuning the hyper-parameters of an estimator",
    ),
    "metadata_routing": ("metadata_routing.html", "Metadata Routing"),
    "model_evaluation": (
        "modules/model_evaluation.html",
        "Metrics and scoring: quantifying the quality of predictions",
    ),
    "neural_networks_supervised": (
        "modules/neural_networks_supervised.html",
        "Neural network models (supervised)",
    ),
    "pipeline": ("modules/compose.html", "Pipeline: chaining estimators"),
    "preprocessing_scaler": ("modules/preprocessing.html", "Standardization"),
    "r2_score": (
        "modules/model_evaluation.html",
        "R² score, the coefficient of determination",
    ),
    "transformed_target_regressor": (
        "modules/compose.html",
        "Transforming target in regression",
    ),
    "user_guide": ("user_guide.html", "User Guide"),
    "visualizations": ("visualizations.html", "Visualizations"),
}

# -- numpy -----------------------------------------------------------------------
NUMPY_MODULES = {
    # module: the page that documents it (with anchor module-<name>)
    "numpy": "reference/index.html",
    "numpy.char": "reference/routines.char.html",
    "numpy.ctypeslib": "reference/routines.ctypeslib.html",
    "numpy.dtypes": "reference/routines.dtypes.html",
    "numpy.emath": "reference/routines.emath.html",
    "numpy.exceptions": "reference/routines.exceptions.html",
    "numpy.fft": "reference/routines.fft.html",
    "numpy.lib.stride_tricks": "reference/routines.lib.html",
    "numpy.linalg": "reference/routines.linalg.html",
    "numpy.ma": "reference/maskedarray.generic.html",
    "numpy.polynomial": "reference/routines.polynomials-package.html",
    "numpy.random": "reference/random/index.html",
    "numpy.rec": "reference/routines.rec.html",
    "numpy.strings": "reference/routines.strings.html",
    "numpy.testing": "reference/routines.testing.html",
}
NUMPY_PAGES = {
    "numpy.random.Generator": "reference/random/generator.html",
    "numpy.random.default_rng": "reference/random/generator.html",
    "numpy.random.RandomState": "reference/random/legacy.html",
}
NUMPY_CONSTANTS = ["e", "euler_gamma", "inf", "nan", "newaxis", "pi"]
# The DType classes are listed on one page, with no page per member.
NUMPY_DTYPES_PAGE = "reference/routines.dtypes.html"

# -- scipy -----------------------------------------------------------------------
SCIPY_MODULES = [
    "scipy",
    "scipy.cluster.hierarchy",
    "scipy.cluster.vq",
    "scipy.constants",
    "scipy.datasets",
    "scipy.differentiate",
    "scipy.fft",
    "scipy.integrate",
    "scipy.interpolate",
    "scipy.io",
    "scipy.io.arff",
    "scipy.io.matlab",
    "scipy.io.wavfile",
    "scipy.linalg",
    "scipy.linalg.blas",
    "scipy.linalg.interpolative",
    "scipy.linalg.lapack",
    "scipy.ndimage",
    "scipy.odr",
    "scipy.optimize",
    "scipy.optimize.elementwise",
    "scipy.signal",
    "scipy.signal.windows",
    "scipy.sparse",
    "scipy.sparse.csgraph",
    "scipy.sparse.linalg",
    "scipy.spatial",
    "scipy.spatial.distance",
    "scipy.spatial.transform",
    "scipy.special",
    "scipy.stats",
    "scipy.stats.contingency",
    "scipy.stats.mstats",
    "scipy.stats.qmc",
    "scipy.stats.sampling",
]


# -- Introspection -----------------------------------------------------------------
def _import(name):
    """Import a module, or an alias of one (``numpy.emath``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError:
            parent, _, attr = name.rpartition(".")
            return getattr(importlib.import_module(parent), attr)


def _public_names(module):
    """List a module's public names: its ``__all__``, or what it defines.

    Without ``__all__``, a module's public names are those of objects defined
    in it (or in the private module it re-exports, ``REEXPORTS``), not those
    it imports for its own use.
    """
    names = getattr(module, "__all__", None)
    if names is None:
        homes = {module.__name__, REEXPORTS.get(module.__name__)}
        names = [
            name
            for name, obj in vars(module).items()
            if not name.startswith("_") and getattr(obj, "__module__", None) in homes
        ]
    return sorted(set(names))


def _objects(module_names):
    """``{fullname: object}`` for the public classes and functions.

    An object reachable under several names is listed under its shortest one
    (``sklearn.utils.check_array``, not ``sklearn.utils.validation.check_array``),
    the name its project documents.
    """
    best = {}
    for modname in module_names:
        module = _import(modname)
        for name in _public_names(module):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                obj = getattr(module, name, None)
            if obj is None or inspect.ismodule(obj) or not callable(obj):
                continue
            fullname = f"{modname}.{name}"
            known = best.get(id(obj))
            if known is None or (len(fullname), fullname) < (len(known[0]), known[0]):
                best[id(obj)] = (fullname, obj)
    return dict(sorted(best.values(), key=lambda item: item[0]))


def _kind(obj):
    if inspect.isclass(obj):
        return "py:exception" if issubclass(obj, BaseException) else "py:class"
    return "py:function"


def _members(cls, own_only):
    """``{name: role}`` for the public methods and properties of a class.

    Members from builtins (``object``, ``dict``...) are left out; with
    ``own_only``, so are members inherited from another project.
    """
    root = cls.__module__.split(".")[0]
    members = {}
    for klass in reversed(cls.__mro__):
        module = getattr(klass, "__module__", "") or ""
        if module == "builtins" or (own_only and module.split(".")[0] != root):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_"):
                continue
            role = _member_role(value)
            if role:
                members[name] = role
    return members


def _member_role(value):
    """Give the role of a class attribute, None for plain data or a class.

    Method-like descriptors count as methods: scikit-learn's ``available_if``
    methods (``Pipeline.predict``) and ``set_*_request`` methods are such.
    """
    if isinstance(value, property):
        return "py:property"
    if inspect.isgetsetdescriptor(value) or inspect.ismemberdescriptor(value):
        return "py:attribute"
    if inspect.isclass(value):
        return None
    if callable(value) or hasattr(type(value), "__get__"):
        return "py:method"
    return None


# -- Entries -----------------------------------------------------------------------
# An entry is (name, role, priority, location, display name); "$" at the end of
# a location stands for the name, and "-" as a display name for the name itself.


def sklearn_entries():
    """List the entries of scikit-learn's inventory."""
    sklearn = _import("sklearn")
    # The experimental estimators are documented where these imports put them
    # (sklearn.model_selection.HalvingGridSearchCV...).
    _import("sklearn.experimental.enable_halving_search_cv")
    _import("sklearn.experimental.enable_iterative_imputer")
    toplevel = [
        f"sklearn.{name}"
        for name in sklearn.__all__
        if f"sklearn.{name}" not in SKLEARN_SKIP
        and inspect.ismodule(getattr(sklearn, name, None) or _try(f"sklearn.{name}"))
    ]
    entries = [
        (mod, "py:module", MODULE, f"api/{mod}.html#module-$", "-")
        for mod in ["sklearn", *toplevel, "sklearn.utils"]
    ]
    for fullname, obj in _objects(["sklearn", *toplevel, *SKLEARN_MODULES]).items():
        page = f"modules/generated/{fullname}.html"
        entries.append((fullname, _kind(obj), OBJECT, f"{page}#$", "-"))
        if inspect.isclass(obj):
            for member, role in _members(obj, own_only=False).items():
                name = f"{fullname}.{member}"
                entries.append((name, role, OBJECT, f"{page}#$", "-"))
    for term in sorted(_cited_terms() | {t.lower() for t in TERMS}):
        anchor = _make_id(f"term-{term}")
        entries.append((term, "std:term", HIDDEN, f"glossary.html#{anchor}", term))
    for label, (page, title) in LABELS.items():
        anchor = re.sub("[^a-z0-9]+", "-", label.lower()).strip("-")
        entries.append((label, "std:label", HIDDEN, f"{page}#{anchor}", title))
    return entries


def _try(name):
    try:
        return _import(name)
    except ImportError:
        return None


def _cited_terms():
    """Find the glossary terms scikit-learn's docstrings cite, in lower case."""
    root = Path(_import("sklearn").__file__).parent
    role = re.compile(r":term:`([^`]+)`")
    terms = set()
    for path in sorted(root.rglob("*.py")):
        if "tests" in path.parts or "externals" in path.parts:
            continue
        for body in role.findall(path.read_text(encoding="utf-8", errors="ignore")):
            body = " ".join(body.split())
            match = re.fullmatch(r".*?<([^<>]+)>", body)
            terms.add((match.group(1) if match else body).lower())
    return terms


def _generated_pages(objects, page_of, entries):
    """Add classes, functions and class members with one page per object."""
    for fullname, obj in objects.items():
        page = page_of(fullname)
        entries.append((fullname, _kind(obj), OBJECT, page + "#$", "-"))
        if inspect.isclass(obj):
            for member, role in _members(obj, own_only=True).items():
                name = f"{fullname}.{member}"
                entries.append((name, role, OBJECT, page_of(name) + "#$", "-"))


def numpy_entries():
    """List the entries of numpy's inventory."""
    np = _import("numpy")
    entries = [
        (mod, "py:module", MODULE, f"{page}#module-$", "-")
        for mod, page in NUMPY_MODULES.items()
    ]
    objects = _objects(NUMPY_MODULES)
    scalars = {
        name: obj
        for name, obj in objects.items()
        if inspect.isclass(obj) and issubclass(obj, np.generic)
    }
    # Sized aliases (float64, int32...) are the same objects as the C names.
    for name in _public_names(np):
        obj = getattr(np, name, None)
        if inspect.isclass(obj) and issubclass(obj, np.generic):
            scalars[f"numpy.{name}"] = obj
    for name in sorted(scalars):
        objects.pop(name, None)
        page = "reference/arrays.scalars.html#$"
        entries.append((name, "py:class", OBJECT, page, "-"))
    entries += [
        (f"numpy.{name}", "py:data", OBJECT, "reference/constants.html#$", "-")
        for name in NUMPY_CONSTANTS
    ]

    for name in [name for name in objects if name.startswith("numpy.dtypes.")]:
        del objects[name]
        entries.append((name, "py:class", OBJECT, f"{NUMPY_DTYPES_PAGE}#$", "-"))

    def page_of(name):
        if name in NUMPY_PAGES:
            return NUMPY_PAGES[name]
        if name.startswith("numpy.random."):
            return f"reference/random/generated/{name}.html"
        return f"reference/generated/{name}.html"

    _generated_pages(objects, page_of, entries)
    return entries


def scipy_entries():
    """List the entries of scipy's inventory."""
    entries = [("scipy", "py:module", MODULE, "reference/index.html#module-$", "-")]
    entries += [
        (mod, "py:module", MODULE, f"reference/{mod[6:]}.html#module-$", "-")
        for mod in SCIPY_MODULES[1:]
    ]
    objects = _objects(SCIPY_MODULES)
    # Distributions and other callable instances (scipy.stats.norm) are data.
    for fullname, obj in objects.items():
        if not (inspect.isclass(obj) or inspect.isroutine(obj)):
            if not type(obj).__name__ == "ufunc":
                page = f"reference/generated/{fullname}.html#$"
                entries.append((fullname, "py:data", OBJECT, page, "-"))
    objects = {
        name: obj
        for name, obj in objects.items()
        if inspect.isclass(obj)
        or inspect.isroutine(obj)
        or type(obj).__name__ == "ufunc"
    }
    _generated_pages(objects, lambda name: f"reference/generated/{name}.html", entries)
    return entries


# -- Writing -----------------------------------------------------------------------
def inventory_bytes(project, version, entries):
    """Encode a Sphinx version 2 inventory, as Sphinx writes one."""
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    ).encode()
    lines = []
    for name, role, prio, location, dispname in sorted(set(entries)):
        if location.endswith("#" + name):
            location = location[: -len(name)] + "$"
        if dispname == name:
            dispname = "-"
        lines.append(f"{name} {role} {prio} {location} {dispname}\n")
    return header + zlib.compress("".join(lines).encode(), 9)


def main(argv):
    """Write the three inventories to docs/_intersphinx (or argv[1])."""
    out = Path(argv[1]) if len(argv) > 1 else OUT
    out.mkdir(parents=True, exist_ok=True)
    projects = [
        ("sklearn", "scikit-learn", sklearn_entries),
        ("numpy", "NumPy", numpy_entries),
        ("scipy", "SciPy", scipy_entries),
    ]
    for key, project, make in projects:
        entries = make()
        version = _import(key).__version__
        data = inventory_bytes(project, version, entries)
        (out / f"{key}.inv").write_bytes(data)
        print(
            f"{out / f'{key}.inv'}: {project} {version}, "
            f"{len(set(entries))} entries, {len(data) / 1024:.0f} KiB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

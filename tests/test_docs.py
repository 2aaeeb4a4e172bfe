"""Checks that keep the documentation in step with the code.

They read files only, so they run without Sphinx: the full build is
``bash scripts/docs.sh``.
"""

import ast
import doctest
import importlib.util
import io
import re
import tokenize
import zlib
from pathlib import Path

import pytest

import skmlp

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
NETWORK = ROOT / "skmlp" / "_network.py"
DERIVATION = DOCS / "user_guide" / "derivation.rst"
N_EQUATIONS = 10


def _autosummary_names(rst):
    """The names listed in the ``autosummary`` directives of an rst file."""
    names, inside = set(), False
    for line in rst.splitlines():
        if line.startswith(".. autosummary::"):
            inside = True
            continue
        if inside:
            stripped = line.strip()
            if line and not line[0].isspace():
                inside = False  # the directive's indented block has ended
            elif stripped and not stripped.startswith(":"):
                names.add(stripped.rsplit(".", 1)[-1])
    return names


def test_every_public_name_is_in_the_api_reference():
    public = set(skmlp.__all__) - {"__version__"}
    listed = _autosummary_names((DOCS / "api.rst").read_text())
    assert public <= listed, f"missing from docs/api.rst: {sorted(public - listed)}"
    # And nothing that is not public: a stale entry would fail the build.
    assert listed <= public, f"not in skmlp.__all__: {sorted(listed - public)}"


def _comments(path):
    source = path.read_text()
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [tok.string for tok in tokens if tok.type == tokenize.COMMENT]


def test_network_code_cites_every_equation():
    cited = set()
    for comment in _comments(NETWORK):
        cited.update(int(n) for n in re.findall(r"\((\d+)\)", comment))
    missing = set(range(1, N_EQUATIONS + 1)) - cited
    assert not missing, (
        f"No comment in skmlp/_network.py cites equation(s) {sorted(missing)}; "
        "docs/user_guide/derivation.rst shows the code for each equation by "
        "finding these comments."
    )


def test_derivation_numbers_ten_equations():
    # Sphinx numbers labelled equations in order, so ten labels give (1)-(10),
    # the numbers the code's comments cite.
    labels = re.findall(r"^   :label: (\S+)$", DERIVATION.read_text(), re.MULTILINE)
    assert len(labels) == N_EQUATIONS, labels
    assert len(set(labels)) == N_EQUATIONS


def _literalincludes():
    """Every ``literalinclude`` in the docs, as (rst file, target, options)."""
    for rst in sorted(DOCS.rglob("*.rst")):
        if "_build" in rst.parts:
            continue
        lines = rst.read_text().splitlines()
        for i, line in enumerate(lines):
            match = re.match(r"\.\. literalinclude:: (\S+)", line)
            if not match:
                continue
            options = {}
            for option_line in lines[i + 1 :]:
                option = re.match(r"   :([\w-]+):\s*(.*)$", option_line)
                if not option:
                    break
                options[option[1]] = option[2]
            yield rst, (rst.parent / match[1]).resolve(), options


def _object_source(path, qualname):
    """The source lines of a class or function, as Sphinx's ``:pyobject:``."""
    tree = ast.parse(path.read_text())
    node = tree
    for part in qualname.split("."):
        node = next(
            child
            for child in ast.iter_child_nodes(node)
            if isinstance(child, ast.ClassDef | ast.FunctionDef) and child.name == part
        )
    lines = path.read_text().splitlines()
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return lines[start - 1 : node.end_lineno]


INCLUDES = list(_literalincludes())


@pytest.mark.parametrize(
    ("rst", "target", "options"),
    INCLUDES,
    ids=[f"{rst.name}:{opts.get('caption', '')[:40]}" for rst, _, opts in INCLUDES],
)
def test_literalinclude_anchors_exist(rst, target, options):
    """Each excerpt's markers are still in the code, in order.

    Another change to the code may reshape lines; the excerpts are anchored on
    comments such as ``# (4), (7)`` and on a few statements, and this says
    which one went missing before the docs build does.
    """
    assert target.is_file(), f"{rst.name}: {target} does not exist"
    lines = (
        _object_source(target, options["pyobject"])
        if "pyobject" in options
        else target.read_text().splitlines()
    )
    position = 0
    for key in ("start-at", "start-after", "end-at", "end-before"):
        if key not in options:
            continue
        marker = options[key]
        found = [i for i, line in enumerate(lines) if marker in line and i >= position]
        assert found, (
            f"{rst.relative_to(ROOT)}: {key} {marker!r} not found in "
            f"{target.name}"
            + (f" ({options['pyobject']})" if "pyobject" in options else "")
        )
        position = found[0]


@pytest.mark.parametrize(
    "rst",
    [
        p
        for p in sorted(DOCS.rglob("*.rst"))
        # ecosystem.rst needs the optional extras: test_ecosystem_docs runs it.
        if ">>>" in p.read_text() and p.name != "ecosystem.rst"
    ],
    ids=lambda p: p.name,
)
def test_doctests_in_pages(rst):
    result = doctest.testfile(
        str(rst),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
    )
    assert result.failed == 0


def test_examples_are_gallery_scripts():
    examples = sorted((ROOT / "examples").glob("*.py"))
    assert examples
    for path in examples:
        assert path.name.startswith("plot_"), f"{path.name}: not run by the gallery"
        source = path.read_text()
        docstring = ast.get_docstring(ast.parse(source))
        assert docstring, f"{path.name} needs a title docstring"
        title_lines = docstring.strip().splitlines()
        assert re.fullmatch(r"=+", title_lines[0]), f"{path.name}: no reST title"
        assert len(title_lines[0]) >= len(title_lines[1]), f"{path.name}: short rule"
        assert "\n# %%" in source, f"{path.name}: no # %% cells"


def _load_site_checker():
    spec = importlib.util.spec_from_file_location(
        "check_built_docs", ROOT / "scripts" / "check_built_docs.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_built_site_checker_finds_web_assets_and_local_paths(tmp_path):
    """scripts/docs.sh runs this checker on the built site; it must catch these."""
    checker = _load_site_checker()
    (tmp_path / "_static" / "mathjax").mkdir(parents=True)
    clean = (
        '<script defer src="_static/mathjax/tex-chtml.js"></script>'
        '<a href="https://scikit-learn.org/stable/">a link is fine</a>'
    )
    (tmp_path / "index.html").write_text(clean)
    assert checker.problems(tmp_path, root=Path("/build/skmlp")) == []

    (tmp_path / "cdn.html").write_text(
        '<script src="https://cdn.jsdelivr.net/npm/mathjax@4/tex-mml-chtml.js">'
        '</script><link rel="stylesheet" href="//cdn.example.org/x.css">'
    )
    (tmp_path / "gallery.html").write_text(
        "<pre>/build/skmlp/examples/plot_x.py:3: ConvergenceWarning</pre>"
    )
    found = checker.problems(tmp_path, root=Path("/build/skmlp"))
    assert any("cdn.html: loads" in p and "jsdelivr" in p for p in found)
    assert any("cdn.html: loads" in p and "cdn.example.org" in p for p in found)
    assert any("cdn.html: MathJax is not the shipped copy" in p for p in found)
    assert any("gallery.html: shows the path '/build/skmlp'" in p for p in found)


def test_docs_build_is_offline_by_configuration():
    """The settings that keep the built site offline are in place."""
    conf = (DOCS / "conf.py").read_text()
    assert '"sphinx-mathjax-offline"' in conf  # MathJax shipped in _static
    assert '"write_computation_times": False' in conf  # no page of CDN tables
    assert "check_built_docs.py" in (ROOT / "scripts" / "docs.sh").read_text()


#: A cited test file, test file::function, or a bare test function name.
_CITATION = re.compile(r"``(?:tests/)?(?:(test_\w+\.py)(?:::(test_\w+))?|(test_\w+))``")


def _test_references(text):
    """``(file, name)`` for each test a page cites; ``name`` None for a file.

    A bare ``test_name`` belongs to the file cited last before it.
    """
    file = None
    for match in _CITATION.finditer(text):
        file = match[1] or file
        yield file, match[2] or match[3]


@pytest.mark.parametrize(
    "rst",
    [DOCS / "reliability.rst", *sorted((DOCS / "user_guide").glob("*.rst"))],
    ids=lambda p: p.name,
)
def test_cited_tests_exist(rst):
    """Every test file and test function a page names is still there."""
    for file, name in _test_references(rst.read_text()):
        assert file, f"{rst.name} cites {name} before naming its file"
        path = ROOT / "tests" / file
        assert path.is_file(), f"{rst.name} cites {file}, which does not exist"
        if name:
            defined = re.findall(r"^def (test_\w+)\(", path.read_text(), re.MULTILINE)
            assert name in defined, f"{rst.name} cites {file}::{name}, not in it"


# -- Intersphinx inventories (scripts/make_inventories.py) ---------------------------
INVENTORIES = DOCS / "_intersphinx"
#: Each project's stable documentation, as docs/conf.py maps it.
INVENTORY_SITES = {
    "sklearn": ("scikit-learn", "https://scikit-learn.org/stable/"),
    "numpy": ("NumPy", "https://numpy.org/doc/stable/"),
    "scipy": ("SciPy", "https://docs.scipy.org/doc/scipy/"),
}


def _read_inventory(key):
    """``(project, version, {(role, name): location})`` of a shipped inventory.

    Sphinx's version 2 format, read here without Sphinx: four header lines,
    then zlib-compressed ``name role priority location display-name`` lines,
    where a location ending in ``$`` ends with the name.
    """
    data = (INVENTORIES / f"{key}.inv").read_bytes()
    format_line, project, version, compression, body = data.split(b"\n", 4)
    assert format_line == b"# Sphinx inventory version 2"
    assert b"zlib" in compression
    entries = {}
    for line in zlib.decompress(body).decode().splitlines():
        name, role, _, location, _ = re.match(
            r"(.+?)\s+(\S+)\s+(-?\d+)\s+(\S*)\s+(.*)", line
        ).groups()
        if location.endswith("$"):
            location = location[:-1] + name
        entries[role, name] = location
    return project.decode()[len("# Project: ") :], version.decode()[11:], entries


@pytest.mark.parametrize("key", INVENTORY_SITES)
def test_inventory_is_shipped_and_mapped_offline(key):
    project, site = INVENTORY_SITES[key]
    path = INVENTORIES / f"{key}.inv"
    assert path.is_file(), f"run scripts/make_inventories.py: no {path.name}"
    assert path.stat().st_size < 100_000, f"{path.name} is larger than expected"
    name, version, entries = _read_inventory(key)
    assert name == project
    assert re.fullmatch(r"\d+\.\d+(\.\d+)?\S*", version), version
    assert len(entries) > 1000
    # conf.py maps the project's stable site to the local file: nothing fetched.
    conf = (DOCS / "conf.py").read_text()
    assert f'"{key}": ("{site}", "_intersphinx/{key}.inv")' in conf
    assert '"sphinx.ext.intersphinx"' in conf


#: Names the docs cite, and where each project documents them.
INVENTORY_LOCATIONS = [
    (
        "sklearn",
        "py:class",
        "sklearn.neural_network.MLPRegressor",
        "modules/generated/sklearn.neural_network.MLPRegressor.html"
        "#sklearn.neural_network.MLPRegressor",
    ),
    (
        "sklearn",
        "py:class",
        "sklearn.pipeline.Pipeline",
        "modules/generated/sklearn.pipeline.Pipeline.html#sklearn.pipeline.Pipeline",
    ),
    (
        "sklearn",
        "py:method",
        "sklearn.pipeline.Pipeline.predict",
        "modules/generated/sklearn.pipeline.Pipeline.html"
        "#sklearn.pipeline.Pipeline.predict",
    ),
    (
        "sklearn",
        "py:function",
        "sklearn.set_config",
        "modules/generated/sklearn.set_config.html#sklearn.set_config",
    ),
    ("sklearn", "py:module", "sklearn.callback", "api/sklearn.callback.html"),
    ("sklearn", "std:term", "random_state", "glossary.html#term-random_state"),
    ("sklearn", "std:term", "meta-estimator", "glossary.html#term-meta-estimator"),
    ("sklearn", "std:term", "array-like", "glossary.html#term-array-like"),
    ("sklearn", "std:label", "metadata_routing", "metadata_routing.html"),
    (
        "numpy",
        "py:class",
        "numpy.ndarray",
        "reference/generated/numpy.ndarray.html#numpy.ndarray",
    ),
    (
        "numpy",
        "py:method",
        "numpy.ndarray.sum",
        "reference/generated/numpy.ndarray.sum.html#numpy.ndarray.sum",
    ),
    ("numpy", "py:function", "numpy.mean", "reference/generated/numpy.mean.html"),
    (
        "scipy",
        "py:function",
        "scipy.optimize.minimize",
        "reference/generated/scipy.optimize.minimize.html#scipy.optimize.minimize",
    ),
    (
        "scipy",
        "py:class",
        "scipy.sparse.csr_matrix",
        "reference/generated/scipy.sparse.csr_matrix.html#scipy.sparse.csr_matrix",
    ),
    ("scipy", "py:module", "scipy.optimize", "reference/optimize.html"),
]


@pytest.mark.parametrize(
    ("key", "role", "name", "location"),
    INVENTORY_LOCATIONS,
    ids=[name for _, _, name, _ in INVENTORY_LOCATIONS],
)
def test_inventory_locations_follow_the_project_layout(key, role, name, location):
    _, _, entries = _read_inventory(key)
    assert (role, name) in entries, f"{name} ({role}) not in {key}.inv"
    assert entries[role, name].startswith(location), entries[role, name]


@pytest.mark.parametrize("key", INVENTORY_SITES)
def test_inventory_loads_with_sphinx(key):
    inventory = pytest.importorskip("sphinx.util.inventory")
    project, site = INVENTORY_SITES[key]
    data = (INVENTORIES / f"{key}.inv").read_bytes()
    loaded = inventory.InventoryFile.loads(data, uri=site).data
    _, version, entries = _read_inventory(key)
    assert sum(len(names) for names in loaded.values()) == len(entries)
    for (role, name), location in entries.items():
        item = loaded[role][name]
        assert item.uri == site + location
        assert (item.project_name, item.project_version) == (project, version)


#: A cross-reference role whose target is in another project.
_EXTERNAL_XREF = re.compile(
    r":(class|func|meth|attr|mod|obj|exc|data):`(?:[^`<]*<)?~?"
    r"((?:sklearn|numpy|scipy)\.[\w.]+|sklearn|numpy|scipy)>?`"
)
_ROLE_TYPES = {
    "class": {"py:class", "py:exception"},
    "func": {"py:function"},
    "meth": {"py:method"},
    "attr": {"py:attribute", "py:property", "py:method"},
    "mod": {"py:module"},
    "exc": {"py:exception", "py:class"},
    "data": {"py:data"},
}


def test_inventories_hold_every_name_the_docs_cite():
    """A reference to a name the inventory lacks would silently stay text."""
    files = [
        *sorted(DOCS.glob("*.rst")),
        *sorted((DOCS / "user_guide").glob("*.rst")),
        *sorted((ROOT / "skmlp").rglob("*.py")),
        *sorted((ROOT / "examples").glob("*.py")),
    ]
    inventories = {key: _read_inventory(key)[2] for key in INVENTORY_SITES}
    cited, missing = 0, []
    for path in files:
        for role, target in _EXTERNAL_XREF.findall(path.read_text()):
            cited += 1
            entries = inventories[target.split(".")[0]]
            types = _ROLE_TYPES.get(role, {r for r, _ in entries})
            if not any((kind, target) in entries for kind in types):
                missing.append(f"{path.relative_to(ROOT)}: :{role}:`{target}`")
    assert cited > 10
    assert not missing, "not in docs/_intersphinx: " + ", ".join(missing)


def _inherited_docstrings():
    """The docstrings of public members skmlp's estimators inherit."""
    for name in skmlp.__all__:
        cls = getattr(skmlp, name)
        if not isinstance(cls, type):
            continue
        for member in dir(cls):
            value = getattr(cls, member, None)
            # A property's module is its getter's.
            module = getattr(getattr(value, "fget", value), "__module__", None) or ""
            if not member.startswith("_") and not module.startswith("skmlp"):
                yield f"{name}.{member}", getattr(value, "__doc__", None) or ""


def test_sklearn_inventory_covers_inherited_references():
    """Inherited docstrings' :term: and :ref: references link to scikit-learn.

    docs/conf.py renders one the inventory lacks as text, so the build passes;
    this says when to regenerate the inventory (for the installed version).
    """
    import sklearn

    _, version, entries = _read_inventory("sklearn")
    if version != sklearn.__version__:
        pytest.skip(f"inventory made from scikit-learn {version}")
    known = {(role, name.lower()) for role, name in entries if role.startswith("std:")}
    xref = re.compile(r":(ref|term):`(?:[^`<]+?\s*<([^`>]+)>|([^`]+))`")
    missing, cited = [], 0
    for where, doc in _inherited_docstrings():
        for role, target, bare in xref.findall(doc):
            cited += 1
            kind = "std:label" if role == "ref" else "std:term"
            if (kind, (target or bare).strip().lower()) not in known:
                missing.append(f"{where}: :{role}:`{target or bare}`")
    assert cited, "no inherited references found: is the pattern stale?"
    assert not missing, "run scripts/make_inventories.py: " + ", ".join(missing)

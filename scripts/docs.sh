#!/usr/bin/env bash
# Set up a virtual environment with the docs extra and build the site into
# docs/_build/html, running every gallery example. Warnings are errors, and
# neither the build nor the built site fetches anything from the network:
# MathJax ships with the site (the sphinx-mathjax-offline package), so the
# equations render offline with no local MathJax install (no need for
# Debian's libjs-mathjax or a -D mathjax_path=... override).
# Usage: bash scripts/docs.sh [sphinx-build options]
set -euo pipefail
cd "$(dirname "$0")/.."
# For the Array API example (scipy reads it when first imported).
export SCIPY_ARRAY_API=1
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[docs]"
# A fresh site: Sphinx never deletes the pages of an earlier build, so a page
# dropped from the docs would otherwise survive (the gallery's outputs are
# cached in docs/auto_examples and are not rerun for this).
rm -rf docs/_build/html
.venv/bin/python -m sphinx -W --keep-going -b html "$@" docs docs/_build/html
# No script or style sheet from the web, MathJax local, no build-machine paths.
.venv/bin/python scripts/check_built_docs.py docs/_build/html
echo "Built docs/_build/html/index.html"

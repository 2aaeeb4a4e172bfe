#!/usr/bin/env bash
# Set up a virtual environment with the docs extra and build the site into
# docs/_build/html, running every gallery example. Warnings are errors, and the
# build fetches nothing from the network.
# Usage: bash scripts/docs.sh [sphinx-build options]
#   e.g. -D mathjax_path=file:///usr/share/javascript/mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML
#   to view the equations offline with Debian's libjs-mathjax.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[docs]"
.venv/bin/python -m sphinx -W --keep-going -b html "$@" docs docs/_build/html
echo "Built docs/_build/html/index.html"

#!/usr/bin/env bash
# Set up a virtual environment and run the quick-start example: a real fit of
# BackpropRegressor next to MLPRegressor on data that ships with scikit-learn.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[examples]"
.venv/bin/python examples/plot_quickstart.py

#!/usr/bin/env bash
# Set up a virtual environment with the test extra and run the test suite.
# Usage: bash scripts/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
# scipy's own Array API support, which scikit-learn's array-API dispatch
# needs; without it every array-API check skips silently
# (tests/test_array_api.py fails instead).
export SCIPY_ARRAY_API=1
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test,dev]"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest "$@"

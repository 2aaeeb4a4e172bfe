"""Check a built site for what an offline reader would miss or should not see.

Run by ``scripts/docs.sh`` after the build:

- no page loads a script, style sheet or font from the web (``<script src>``,
  ``<link href>`` with ``http://`` or ``https://``); links (``<a href>``) are fine;
- MathJax is the copy shipped in ``_static/mathjax``;
- no page shows the build machine's paths (the repository's absolute path, or
  ``site-packages``), as a warning printed by a gallery example would.

Usage: python scripts/check_built_docs.py [docs/_build/html]
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REMOTE_ASSET = re.compile(
    r"<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)=[\"'](?:https?:)?//[^\"']*",
    re.IGNORECASE,
)
MATHJAX = re.compile(r"<script\b[^>]*\bsrc=[\"']([^\"']*mathjax[^\"']*)", re.IGNORECASE)


def problems(html_dir, root=ROOT):
    """Describe each problem found in the HTML pages under ``html_dir``."""
    html_dir = Path(html_dir)
    local_paths = [str(root), "site-packages"]
    found = []
    for page in sorted(html_dir.rglob("*.html")):
        name = page.relative_to(html_dir)
        text = page.read_text(encoding="utf-8")
        found += [f"{name}: loads {m[0]!r}" for m in REMOTE_ASSET.finditer(text)]
        for src in MATHJAX.findall(text):
            if not (html_dir / "_static" / "mathjax").is_dir() or "://" in src:
                found.append(f"{name}: MathJax is not the shipped copy: {src!r}")
        found += [f"{name}: shows the path {p!r}" for p in local_paths if p in text]
    return found


def main(argv):
    """Check the site in argv[1] (default docs/_build/html); 1 if a problem."""
    html_dir = Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / "_build" / "html"
    if not (html_dir / "index.html").is_file():
        print(f"{html_dir}: no built site (run scripts/docs.sh)")
        return 1
    found = problems(html_dir)
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} problem(s) in the built site {html_dir}")
        return 1
    print(f"Checked {html_dir}: no web assets, local MathJax, no local paths.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Row 6: what the launcher costs a storefront, gzipped.

This first version sums every `*.js` and `*.css` of `theme_extension/assets/`,
each gzipped at level 9; h21-launcher's version measures them with the
merchant's look applied. `measure()` is what bench/run.py calls.
"""

from __future__ import annotations

import gzip
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "theme_extension" / "assets"


def measure() -> tuple[int, str] | None:
    """(bytes gzipped, which files), or None when there is no launcher to measure."""
    files = sorted([*ASSETS.glob("*.js"), *ASSETS.glob("*.css")]) if ASSETS.is_dir() else []
    if not files:
        return None
    size = sum(len(gzip.compress(path.read_bytes(), compresslevel=9)) for path in files)
    return size, ", ".join(path.name for path in files)

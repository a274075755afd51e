"""The Admin GraphQL documents Perks sends, referred to by operation name.

Each document lives in ``graphql/<OperationName>.graphql`` so that tests can
validate every one of them against Shopify's published schema.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

DOCUMENTS_DIR = Path(__file__).resolve().parent / "graphql"


class UnknownDocument(KeyError):
    pass


@cache
def load(name: str) -> str:
    """The text of ``graphql/<name>.graphql`` (read once per process)."""
    path = DOCUMENTS_DIR / f"{name}.graphql"
    if not path.is_file():
        raise UnknownDocument(f"no Admin GraphQL document named {name!r} in {DOCUMENTS_DIR}")
    return path.read_text(encoding="utf-8")


def names() -> list[str]:
    return sorted(p.stem for p in DOCUMENTS_DIR.glob("*.graphql"))

"""Shopify search syntax (``query:`` arguments), pagination and query cost."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    value_from_ast_untyped,
)

from perks_dev.fake_admin.state import parse_time

_TERM = re.compile(r"""(?P<neg>-)?(?P<key>[a-z_]+):(?P<op><=|>=|<|>)?(?P<val>'[^']*'|"[^"]*"|\S+)""")


def parse_search(query: str | None) -> list[tuple[str, str, str, bool]]:
    """``"updated_at:>'2026-01-01' financial_status:paid"`` -> [(key, op, value, negated)].

    Terms are ANDed, as in Shopify's default; OR and grouping are not needed by Perks.
    """
    terms = []
    for match in _TERM.finditer(query or ""):
        value = match["val"].strip("'\"")
        terms.append((match["key"], match["op"] or "=", value, bool(match["neg"])))
    return terms


def free_words(query: str | None) -> list[str]:
    """The words of ``query`` outside its ``key:value`` terms, lower-cased, a trailing ``*`` (prefix) dropped."""
    rest = _TERM.sub(" ", query or "")
    return [word.rstrip("*").lower() for word in re.findall(r"[^\s()]+", rest) if word.upper() not in ("AND", "OR")]


def text_matches(texts: Iterable[str], words: list[str]) -> bool:
    """Shopify's free-text search as Perks uses it: every word starts a word of one of the record's texts."""
    tokens = [token for text in texts for token in re.findall(r"\w+", text.lower())]
    return all(any(token.startswith(word) for token in tokens) for word in words if word)


def matches(record_value: Any, op: str, wanted: str) -> bool:
    if record_value is None:
        return False
    if isinstance(record_value, list):
        return any(matches(v, op, wanted) for v in record_value)
    text = str(record_value)
    if op == "=":
        return text.lower() == wanted.lower() or text.rsplit("/", 1)[-1] == wanted
    left, right = _comparable(text), _comparable(wanted)
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def _comparable(text: str) -> Any:
    try:
        return parse_time(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def filter_records(records: Iterable[dict], query: str | None,
                   fields: dict[str, Callable[[dict], Any]]) -> list[dict]:
    out = []
    for record in records:
        ok = True
        for key, op, value, negated in parse_search(query):
            getter = fields.get(key)
            hit = matches(getter(record), op, value) if getter else True
            ok = ok and (hit != negated)
        if ok:
            out.append(record)
    return out


def connection(items: list[Any], first: int | None = None, after: str | None = None,
               last: int | None = None, before: str | None = None) -> dict[str, Any]:
    """A Relay connection dict over ``items`` with opaque index cursors."""
    start = _cursor_index(after) + 1 if after else 0
    end = _cursor_index(before) if before else len(items)
    window = list(enumerate(items))[start:end]
    page = window[:first] if first is not None else window
    if last is not None:
        page = page[-last:]
    edges = [{"cursor": _cursor(i), "node": node} for i, node in page]
    return {
        "edges": edges,
        "nodes": [e["node"] for e in edges],
        "pageInfo": {
            "hasNextPage": bool(page) and page[-1][0] < (end - 1),
            "hasPreviousPage": bool(page) and page[0][0] > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"fake:{index}".encode()).decode()


def _cursor_index(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)[1])
    except (ValueError, IndexError):
        return -1


# --- requested query cost --------------------------------------------------------
# A simplified version of Shopify's calculation: scalars cost 0, objects 1,
# a paginated field 2 + first * (its selection), every mutation field 10.

MUTATION_COST = 10


def requested_cost(document: DocumentNode, variables: dict[str, Any]) -> int:
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    total = 0
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        defaults = {d.variable.name.value: value_from_ast_untyped(d.default_value)
                    for d in definition.variable_definitions or [] if d.default_value}
        variables = {**defaults, **{k: v for k, v in variables.items() if v is not None}}
        if definition.operation.value == "mutation":
            total += MUTATION_COST * len(definition.selection_set.selections)
        else:
            total += 1 + _selection_cost(definition.selection_set, fragments, variables)
    return total


def _selection_cost(selection_set: SelectionSetNode | None, fragments: dict, variables: dict) -> int:
    if selection_set is None:
        return 0
    cost = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            cost += _field_cost(selection, fragments, variables)
        elif isinstance(selection, InlineFragmentNode):
            cost += _selection_cost(selection.selection_set, fragments, variables)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            cost += _selection_cost(fragments[selection.name.value].selection_set, fragments, variables)
    return cost


def _field_cost(node: FieldNode, fragments: dict, variables: dict) -> int:
    if node.selection_set is None or node.name.value.startswith("__"):
        return 0
    inner = _selection_cost(node.selection_set, fragments, variables)
    args = {a.name.value: value_from_ast_untyped(a.value, variables) for a in node.arguments or []}
    size = args.get("first") or args.get("last")
    if isinstance(size, int):
        return 2 + size * inner
    if isinstance(args.get("ids"), list):
        return len(args["ids"]) * (1 + inner)  # root nodes(ids:)
    if node.name.value in ("nodes", "edges", "node"):
        return inner  # the connection's own multiplier already counts these
    return 1 + inner

"""Shopify's published Admin GraphQL schema, and validation against it.

The schema is the introspection result Shopify ships inside
``@shopify/dev-mcp`` (installed by ``npm ci``), for the pinned API_VERSION.
Every document Perks sends is checked against it in tests, and the local fake
Admin API rejects invalid documents/variables with the error shapes Shopify's
graphql-ruby server answers, so a typo fails locally exactly as it would live.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    Visitor,
    build_client_schema,
    parse,
    specified_rules,
    visit,
)
from graphql import (
    validate as graphql_validate,
)
from graphql.execution.values import get_variable_values
from graphql.language import print_ast
from graphql.pyutils import inspect

from shopify_app.shopify.version import API_VERSION

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = REPO_ROOT / "node_modules" / "@shopify" / "dev-mcp" / "dist" / "data"


class SchemaNotInstalled(RuntimeError):
    """The Admin schema file is missing: the Node dev dependencies are not installed."""


def schema_path(version: str = API_VERSION) -> Path:
    return SCHEMA_DIR / f"admin_{version}.json.gz"


_lock = threading.Lock()
_schemas: dict[str, GraphQLSchema] = {}


def get_schema(version: str = API_VERSION) -> GraphQLSchema:
    """The built Admin schema for ``version``, built once per process."""
    with _lock:
        if version not in _schemas:
            _schemas[version] = _build(version)
        return _schemas[version]


def _build(version: str) -> GraphQLSchema:
    path = schema_path(version)
    if not path.exists():
        raise SchemaNotInstalled(
            f"Shopify Admin schema {version} not found at {path}; run `npm ci` in {REPO_ROOT}"
        )
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        introspection = json.load(fh)
    introspection = introspection.get("data", introspection)
    # graphql-core's schema self-check rejects Shopify's schema over deprecation
    # mismatches between interfaces and implementations (e.g. Node.id); that is
    # a property of Shopify's schema, not of our documents, so skip only that.
    # Documents are always validated against it below.
    schema = build_client_schema(introspection, assume_valid=True)
    _tighten_custom_scalars(schema)
    return schema


# --- custom scalars -----------------------------------------------------------
# build_client_schema gives custom scalars an identity coercion; Shopify rejects
# malformed Decimals, dates and unsigned ints, so the fake must too.


def _parse_decimal(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError(f"invalid decimal: {inspect(value)}")
    try:
        Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"invalid decimal '{value}'") from exc
    return value


def _parse_datetime(value: Any) -> Any:
    if not isinstance(value, str):
        raise TypeError(f"invalid date {inspect(value)}")
    try:
        datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"invalid date '{value}'") from exc
    return value


def _parse_unsigned(value: Any) -> Any:
    if isinstance(value, bool) or not re.fullmatch(r"\d+", str(value)):
        raise ValueError(f"Invalid value {inspect(value)} for UnsignedInt64")
    return value


_SCALAR_PARSERS: dict[str, Callable[[Any], Any]] = {
    "Decimal": _parse_decimal,
    "DateTime": _parse_datetime,
    "UnsignedInt64": _parse_unsigned,
}


def _tighten_custom_scalars(schema: GraphQLSchema) -> None:
    for name, parser in _SCALAR_PARSERS.items():
        scalar = schema.type_map.get(name)
        if isinstance(scalar, GraphQLScalarType):
            # graphql-core 3.3 coerces through coerce_input_value; parse_value is legacy.
            scalar.coerce_input_value = parser  # type: ignore[method-assign]
            scalar.parse_value = parser  # type: ignore[method-assign]


# --- validation ---------------------------------------------------------------

ShopifyError = dict[str, Any]


def validate(document: str, variables: dict[str, Any] | None = None) -> list[ShopifyError]:
    """Errors Shopify would answer for ``document`` with ``variables``; [] when valid."""
    try:
        ast = parse(document)
    except GraphQLError as exc:
        return [_syntax_error(exc)]
    errors = _document_errors(document)
    if errors:
        return [dict(e) for e in errors]
    return variable_errors(ast, variables or {})


def validate_document(document: str) -> list[ShopifyError]:
    """Static errors only (no variables): what every stored document must pass."""
    try:
        parse(document)
    except GraphQLError as exc:
        return [_syntax_error(exc)]
    return [dict(e) for e in _document_errors(document)]


def _syntax_error(exc: GraphQLError) -> ShopifyError:
    # graphql-ruby answers parse failures without an extensions code.
    return {"message": f"syntax error, {exc.message}", "locations": _locations(exc)}


@lru_cache(maxsize=512)
def _document_errors(document: str) -> tuple[ShopifyError, ...]:
    # Static validation depends only on the text, so it is cached per document.
    ast = parse(document)
    schema = get_schema()
    paths = _node_paths(ast)
    out: list[ShopifyError] = []
    for rule in specified_rules:
        for err in graphql_validate(schema, ast, [rule]):
            out.append(_static_error(rule.__name__, err, paths))
    return tuple(out)


def _locations(err: GraphQLError) -> list[dict[str, int]]:
    return [{"line": loc.line, "column": loc.column} for loc in err.locations or []]


def _node_paths(ast: DocumentNode) -> dict[int, list[str]]:
    """Map id(node) -> graphql-ruby style path (``["query Shop", "shop", "foo"]``)."""
    paths: dict[int, list[str]] = {}

    class PathVisitor(Visitor):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            label = node.operation.value
            self.stack.append(f"{label} {node.name.value}" if node.name else label)
            paths[id(node)] = list(self.stack)

        def leave_operation_definition(self, *_: Any) -> None:
            self.stack.pop()

        def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: Any) -> None:
            self.stack.append(f"fragment {node.name.value}")
            paths[id(node)] = list(self.stack)

        def leave_fragment_definition(self, *_: Any) -> None:
            self.stack.pop()

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            self.stack.append(node.alias.value if node.alias else node.name.value)
            paths[id(node)] = list(self.stack)

        def leave_field(self, *_: Any) -> None:
            self.stack.pop()

        def enter_argument(self, node: Any, *_: Any) -> None:
            paths[id(node)] = [*self.stack, node.name.value]
            paths[id(node.value)] = paths[id(node)]  # literal errors point at the value

        def enter_variable_definition(self, node: Any, *_: Any) -> None:
            paths[id(node)] = list(self.stack)

    visit(ast, PathVisitor())
    return paths


# graphql-core message -> (graphql-ruby message, extensions); first match wins.
_TRANSLATIONS: list[tuple[str, re.Pattern[str], Callable[[re.Match[str]], tuple[str, dict]]]] = [
    (
        "FieldsOnCorrectTypeRule",
        re.compile(r"Cannot query field '(?P<f>[^']+)' on type '(?P<t>[^']+)'"),
        lambda m: (
            f"Field '{m['f']}' doesn't exist on type '{m['t']}'",
            {"code": "undefinedField", "typeName": m["t"], "fieldName": m["f"]},
        ),
    ),
    (
        "KnownArgumentNamesRule",
        re.compile(r"Unknown argument '(?P<a>[^']+)' on field '(?P<t>[^.']+)\.(?P<f>[^']+)'"),
        lambda m: (
            f"Field '{m['f']}' doesn't accept argument '{m['a']}'",
            {"code": "argumentNotAccepted", "name": m["f"], "typeName": "Field",
             "argumentName": m["a"]},
        ),
    ),
    (
        "ProvidedRequiredArgumentsRule",
        re.compile(r"Argument '(?:[^.']+\.)?(?P<f>[^(']+)\((?P<a>[^:']+):\)' of type '(?P<t>[^']+)' is required"),
        lambda m: (
            f"Field '{m['f']}' is missing required arguments: {m['a']}",
            {"code": "missingRequiredArguments", "className": "Field", "name": m["f"],
             "arguments": m["a"]},
        ),
    ),
    (
        "ScalarLeafsRule",
        re.compile(r"Field '(?P<f>[^']+)' of type '(?P<t>[^']+)' must have a selection"),
        lambda m: (
            (f"Field must have selections (field '{m['f']}' returns {m['t'].rstrip('!')} but has "
            f"no selections. Did you mean '{m['f']} {{ ... }}'?)"),
            {"code": "selectionMismatch", "nodeName": f"field '{m['f']}'",
             "typeName": m["t"].rstrip("!")},
        ),
    ),
    (
        "ScalarLeafsRule",
        re.compile(r"Field '(?P<f>[^']+)' must not have a selection since type '(?P<t>[^']+)'"),
        lambda m: (
            (f"Selections can't be made on scalars (field '{m['f']}' returns {m['t']} but has "
            "selections [...])"),
            {"code": "selectionMismatch", "nodeName": f"field '{m['f']}'", "typeName": m["t"]},
        ),
    ),
    (
        "NoUndefinedVariablesRule",
        re.compile(r"Variable '\$(?P<v>[^']+)' is not defined(?: by operation '(?P<o>[^']+)')?"),
        lambda m: (
            f"Variable ${m['v']} is used by {m['o'] or 'anonymous query'} but not declared",
            {"code": "variableNotDefined", "variableName": m["v"]},
        ),
    ),
    (
        "NoUnusedVariablesRule",
        re.compile(r"Variable '\$(?P<v>[^']+)' is never used(?: in operation '(?P<o>[^']+)')?"),
        lambda m: (
            f"Variable ${m['v']} is declared by {m['o'] or 'anonymous query'} but not used",
            {"code": "variableNotUsed", "variableName": m["v"]},
        ),
    ),
    (
        "KnownTypeNamesRule",
        re.compile(r"Unknown type '(?P<t>[^']+)'"),
        lambda m: (
            f"{m['t']} isn't a defined input type",
            {"code": "undefinedType", "typeName": m["t"]},
        ),
    ),
    (
        "VariablesInAllowedPositionRule",
        re.compile(r"Variable '\$(?P<v>[^']+)' of type '(?P<a>[^']+)' used in position "
                   r"expecting type '(?P<e>[^']+)'"),
        lambda m: (
            f"Type mismatch on variable ${m['v']} and argument ({m['a']} / {m['e']})",
            {"code": "variableMismatch", "variableName": m["v"], "typeName": m["a"]},
        ),
    ),
]


def _camel(rule_name: str) -> str:
    base = rule_name.removesuffix("Rule")
    return base[:1].lower() + base[1:]


def _static_error(rule: str, err: GraphQLError, paths: dict[int, list[str]]) -> ShopifyError:
    message, extensions = err.message, {"code": _camel(rule)}
    for rule_name, pattern, translate in _TRANSLATIONS:
        match = pattern.search(err.message) if rule_name == rule else None
        if match:
            message, extensions = translate(match)
            break
    node_path = next((paths[id(n)] for n in err.nodes or [] if id(n) in paths), None)
    if rule == "ValuesOfCorrectTypeRule" and err.nodes:
        arg, field = (node_path[-1], node_path[-2]) if node_path and len(node_path) > 2 else ("?", "?")
        message = (f"Argument '{arg}' on Field '{field}' has an invalid value "
                   f"({print_ast(err.nodes[0])}). {err.message}")
        extensions = {"code": "argumentLiteralsIncompatible", "typeName": "Field",
                      "argumentName": arg}
    error: ShopifyError = {"message": message, "locations": _locations(err)}
    if node_path:
        error["path"] = node_path
    error["extensions"] = extensions
    return error


def variable_errors(ast: DocumentNode, variables: dict[str, Any]) -> list[ShopifyError]:
    """Coerce ``variables`` against the operation's declared types, Shopify-style errors."""
    operations = [d for d in ast.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        # Perks always sends exactly one operation; Shopify would need operationName.
        return [{"message": "An operation name is required", "extensions": {"code": "missingOperationName"}}]
    var_defs = operations[0].variable_definitions or []
    result = get_variable_values(get_schema(), var_defs, variables)
    if not isinstance(result, list):
        return []
    by_name = {d.variable.name.value: d for d in var_defs}
    # graphql-ruby reports one error per variable, listing every problem in it.
    grouped: dict[str, ShopifyError] = {}
    for err in result:
        match = _VAR_NAME.search(err.message)
        name = match["v"] if match else "?"
        problem = _problem(err)
        if name in grouped:
            grouped[name]["extensions"]["problems"].append(problem)
            continue
        definition = by_name.get(name)
        grouped[name] = {
            "message": f"Variable ${name} of type "
            f"{print_ast(definition.type) if definition else '?'} was provided invalid value",
            "locations": _locations(err),
            "extensions": {"code": "INVALID_VARIABLE", "value": variables.get(name),
                           "problems": [problem]},
        }
    return list(grouped.values())


_VAR_NAME = re.compile(r"Variable '\$(?P<v>[^']+)'")
_VAR_PATH = re.compile(r"has invalid value at (?P<p>\S+): ")


def _problem(err: GraphQLError) -> dict[str, Any]:
    # graphql-core says "Variable '$v' has invalid value at .a[0].b: <why>"; the
    # original error carries the bare explanation, the prefix the path within.
    original = err.original_error
    explanation = str(original) if original else err.message
    if "to be provided" in err.message or "must not be null" in err.message:
        explanation = "Expected value to not be null"
    path_match = _VAR_PATH.search(err.message)
    parts = re.findall(r"\.([^.\[]+)|\[(\d+)\]", path_match["p"]) if path_match else []
    return {"path": [int(idx) if idx else key for key, idx in parts], "explanation": explanation}


def operation_name(document: str) -> str | None:
    """The name of the single operation in ``document`` (None if anonymous)."""
    for definition in parse(document).definitions:
        if isinstance(definition, OperationDefinitionNode):
            return definition.name.value if definition.name else None
    return None

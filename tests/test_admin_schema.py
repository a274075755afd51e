"""Every Admin document Perks sends is valid against Shopify's published schema,
and the fake rejects invalid ones exactly the way Shopify answers them."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from graphql import parse, validate
from graphql.validation import NoDeprecatedCustomRule

from shopify_app.shopify import documents
from shopify_app.shopify.admin_client import graphql_url
from shopify_app.shopify.errors import AdminApiError
from shopify_app.shopify.schema import get_schema, operation_name, validate_document
from shopify_app.shopify.version import API_VERSION

PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "shopify_app"
DOCUMENTS = sorted(PACKAGE_ROOT.rglob("*.graphql"))


def test_documents_were_found():
    assert DOCUMENTS, f"no .graphql documents found under {PACKAGE_ROOT}"


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_document_is_valid_against_admin_schema(path: Path):
    assert validate_document(path.read_text()) == []


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_document_uses_no_deprecated_fields(path: Path):
    # Deprecated fields disappear in a later API version; catch them while pinning.
    assert validate(get_schema(), parse(path.read_text()), [NoDeprecatedCustomRule]) == []


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_document_holds_one_operation_named_like_its_file(path: Path):
    text = path.read_text()
    assert operation_name(text) == path.stem
    assert documents.load(path.stem) == text


def _post(fake_admin, document: str, variables: dict | None = None) -> requests.Response:
    return requests.post(
        graphql_url(fake_admin.shop, fake_admin.url),
        json={"query": document, "variables": variables or {}},
        headers={"X-Shopify-Access-Token": fake_admin.token()},
        timeout=10,
    )


def test_fake_rejects_misspelled_field_like_shopify(fake_admin):
    response = _post(fake_admin, "query Shop { shop { name currencyCod } }")

    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    error = body["errors"][0]
    assert error["message"] == "Field 'currencyCod' doesn't exist on type 'Shop'"
    assert error["extensions"] == {"code": "undefinedField", "typeName": "Shop", "fieldName": "currencyCod"}
    assert error["locations"] == [{"line": 1, "column": 26}]
    assert error["path"] == ["query Shop", "shop", "currencyCod"]


def test_fake_rejects_unknown_argument(fake_admin):
    body = _post(fake_admin, 'query C { customer(id: "gid://shopify/Customer/1", foo: 1) { id } }').json()

    assert body["errors"][0]["extensions"]["code"] == "argumentNotAccepted"


def test_fake_rejects_wrong_variable_type(fake_admin):
    response = _post(fake_admin, documents.load("Orders"), {"first": "ten"})

    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["message"] == "Variable $first of type Int was provided invalid value"
    assert error["extensions"]["code"] == "INVALID_VARIABLE"
    assert error["extensions"]["value"] == "ten"
    assert error["extensions"]["problems"][0]["path"] == []


def test_fake_rejects_bad_nested_input_with_its_path(fake_admin):
    variables = {"id": "gid://shopify/Customer/1", "creditInput": {"creditAmount": {"amount": "lots", "currencyCode": "USD"}}}
    error = _post(fake_admin, documents.load("StoreCreditAccountCredit"), variables).json()["errors"][0]

    assert error["extensions"]["code"] == "INVALID_VARIABLE"
    assert error["extensions"]["problems"][0]["path"] == ["creditAmount", "amount"]


def test_fake_rejects_missing_required_variable(fake_admin):
    error = _post(fake_admin, documents.load("Customer"), {}).json()["errors"][0]

    assert error["message"] == "Variable $id of type ID! was provided invalid value"
    assert error["extensions"]["problems"] == [{"path": [], "explanation": "Expected value to not be null"}]


def test_client_surfaces_schema_errors_as_admin_api_error(fake_admin):
    with pytest.raises(AdminApiError) as caught:
        fake_admin.client().execute("query Shop { shop { nam } }")

    assert caught.value.errors[0]["extensions"]["code"] == "undefinedField"


def test_fake_answers_404_for_another_api_version(fake_admin):
    other = "2024-01" if API_VERSION != "2024-01" else "2024-04"
    response = requests.post(
        f"{fake_admin.url}/admin/api/{other}/graphql.json",
        json={"query": "{ shop { name } }"},
        headers={"X-Shopify-Access-Token": fake_admin.token()},
        timeout=10,
    )
    assert response.status_code == 404


def test_fake_answers_401_without_a_valid_token(fake_admin):
    url = graphql_url(fake_admin.shop, fake_admin.url)
    assert requests.post(url, json={"query": "{ shop { name } }"}, timeout=10).status_code == 401
    response = requests.post(url, json={"query": "{ shop { name } }"}, headers={"X-Shopify-Access-Token": "shpat_made_up"}, timeout=10)
    assert response.status_code == 401
    assert "Invalid API key or access token" in response.json()["errors"]

"""Each Admin mutation Perks sends does to the fake what it does to Shopify."""

from __future__ import annotations

import json
import time

import pytest
import requests

from shopify_app.shopify import documents
from shopify_app.shopify.errors import UserErrors
from shopify_app.shopify.version import API_VERSION

SHOP = "perks-demo.myshopify.com"


@pytest.fixture
def admin(fake_admin):
    return fake_admin.client()


@pytest.fixture
def customer(fake_admin):
    return fake_admin.state.add_customer(SHOP, email="ada@example.com", first_name="Ada", last_name="L")


def _basic(code: str, customer_id: str, value: dict, items: dict | None = None, **extra) -> dict:
    return {
        "basicCodeDiscount": {
            "title": f"Perks reward {code}",
            "code": code,
            "startsAt": "2026-01-01T00:00:00Z",
            "endsAt": "2099-01-01T00:00:00Z",
            "usageLimit": 1,
            "appliesOncePerCustomer": True,
            "context": {"customers": {"add": [customer_id]}},
            "customerGets": {"value": value, "items": items or {"all": True}},
            "combinesWith": {"orderDiscounts": False, "productDiscounts": True, "shippingDiscounts": True},
            **extra,
        }
    }


def test_amount_off_code_bound_to_one_customer(fake_admin, admin, customer):
    data = admin.execute(
        "DiscountCodeBasicCreate",
        _basic(
            "PERKS-5OFF",
            customer["id"],
            {"discountAmount": {"amount": "5.00", "appliesOnEachItem": False}},
            minimumRequirement={"subtotal": {"greaterThanOrEqualToSubtotal": "25.00"}},
        ),
    )

    node = data["discountCodeBasicCreate"]["codeDiscountNode"]
    assert node["codeDiscount"]["__typename"] == "DiscountCodeBasic"
    assert node["codeDiscount"]["codes"]["nodes"][0]["code"] == "PERKS-5OFF"
    assert node["codeDiscount"]["status"] == "ACTIVE"
    record = fake_admin.state.shop(SHOP).discounts[node["id"]]
    assert record["customer_ids"] == [customer["id"]]
    assert record["value"] == {"type": "amount", "amount": "5.0", "applies_on_each_item": False}
    assert record["minimum_subtotal"] == "25.0"
    assert record["usage_limit"] == 1 and record["applies_once_per_customer"] is True
    assert record["combines_with"] == {"orderDiscounts": False, "productDiscounts": True, "shippingDiscounts": True}


def test_percentage_and_free_product_codes(fake_admin, admin, customer):
    admin.execute("DiscountCodeBasicCreate", _basic("PERKS-10PC", customer["id"], {"percentage": 0.1}))
    variant = "gid://shopify/ProductVariant/777"
    admin.execute(
        "DiscountCodeBasicCreate",
        _basic("PERKS-FREE", customer["id"], {"discountOnQuantity": {"quantity": "1", "effect": {"percentage": 1.0}}},
               {"products": {"productVariantsToAdd": [variant]}}),
    )

    by_code = {d["code"]: d for d in fake_admin.state.shop(SHOP).discounts.values()}
    assert by_code["PERKS-10PC"]["value"] == {"type": "percentage", "percentage": 0.1}
    assert by_code["PERKS-FREE"]["items"]["variant_ids"] == [variant]
    assert by_code["PERKS-FREE"]["value"] == {"type": "on_quantity", "quantity": "1", "percentage": 1.0}


def test_free_shipping_code(fake_admin, admin, customer):
    data = admin.execute(
        "DiscountCodeFreeShippingCreate",
        {
            "freeShippingCodeDiscount": {
                "title": "Perks free shipping",
                "code": "PERKS-SHIP",
                "startsAt": "2026-01-01T00:00:00Z",
                "usageLimit": 1,
                "appliesOncePerCustomer": True,
                "destination": {"all": True},
                "context": {"customers": {"add": [customer["id"]]}},
                "combinesWith": {"orderDiscounts": True, "productDiscounts": True, "shippingDiscounts": False},
            }
        },
    )

    node = data["discountCodeFreeShippingCreate"]["codeDiscountNode"]
    assert node["codeDiscount"]["__typename"] == "DiscountCodeFreeShipping"
    assert fake_admin.state.shop(SHOP).discounts[node["id"]]["kind"] == "free_shipping"


def test_duplicate_code_is_refused_with_shopify_user_errors(admin, customer):
    variables = _basic("PERKS-DUP", customer["id"], {"percentage": 0.2})
    admin.execute("DiscountCodeBasicCreate", variables)

    with pytest.raises(UserErrors) as caught:
        admin.execute("DiscountCodeBasicCreate", variables)

    assert caught.value.codes == ["TAKEN"]
    assert caught.value.field_errors[0]["field"] == ["basicCodeDiscount", "code"]


def test_invalid_discount_values_are_refused(admin, customer):
    with pytest.raises(UserErrors) as caught:
        admin.execute("DiscountCodeBasicCreate", _basic("PERKS-BAD", customer["id"], {"percentage": 15}))
    assert caught.value.codes == ["VALUE_OUTSIDE_RANGE"]


def test_unknown_customer_is_refused_when_strict(fake_admin, admin):
    fake_admin.state.auto_create_customers = False
    with pytest.raises(UserErrors) as caught:
        admin.execute("DiscountCodeBasicCreate", _basic("PERKS-NOBODY", "gid://shopify/Customer/404", {"percentage": 0.1}))
    assert caught.value.codes == ["INVALID"]
    assert fake_admin.state.shop(SHOP).discounts == {}


def test_deactivate_then_delete(fake_admin, admin, customer):
    created = admin.execute("DiscountCodeBasicCreate", _basic("PERKS-OFF", customer["id"], {"percentage": 0.1}))
    discount_id = created["discountCodeBasicCreate"]["codeDiscountNode"]["id"]

    deactivated = admin.execute("DiscountCodeDeactivate", {"id": discount_id})
    assert deactivated["discountCodeDeactivate"]["codeDiscountNode"]["codeDiscount"]["status"] == "EXPIRED"

    deleted = admin.execute("DiscountCodeDelete", {"id": discount_id})
    assert deleted["discountCodeDelete"]["deletedCodeDiscountId"] == discount_id
    assert discount_id not in fake_admin.state.shop(SHOP).discounts
    with pytest.raises(UserErrors):
        admin.execute("DiscountCodeDelete", {"id": discount_id})


def test_store_credit_accumulates_on_the_customer_account(fake_admin, admin, customer):
    credit = {"creditAmount": {"amount": "5.00", "currencyCode": "USD"}}
    admin.execute("StoreCreditAccountCredit", {"id": customer["id"], "creditInput": credit})
    data = admin.execute("StoreCreditAccountCredit", {"id": customer["id"], "creditInput": credit})

    tx = data["storeCreditAccountCredit"]["storeCreditAccountTransaction"]
    assert tx["balanceAfterTransaction"] == {"amount": "10.0", "currencyCode": "USD"}
    (account,) = fake_admin.state.shop(SHOP).store_credit_accounts.values()
    assert account["owner_id"] == customer["id"] and account["balance"] == "10.0"
    assert len(account["transactions"]) == 2
    with pytest.raises(UserErrors) as caught:
        admin.execute(
            "StoreCreditAccountCredit", {"id": customer["id"], "creditInput": {"creditAmount": {"amount": "0", "currencyCode": "USD"}}}
        )
    assert caught.value.codes == ["NEGATIVE_OR_ZERO_AMOUNT"]


def test_metafields_set_is_atomic(fake_admin, admin, customer):
    good = {"ownerId": customer["id"], "namespace": "perks", "key": "points", "type": "number_integer", "value": "120"}
    admin.execute("MetafieldsSet", {"metafields": [good]})
    stored = fake_admin.state.shop(SHOP).customers[customer["id"]]["metafields"]
    assert stored["perks.points"]["value"] == "120"

    bad = {**good, "key": "tier", "value": "gold"}  # not an integer
    with pytest.raises(UserErrors) as caught:
        admin.execute("MetafieldsSet", {"metafields": [{**good, "value": "150"}, bad]})
    assert caught.value.field_errors[0]["elementIndex"] == 1
    assert stored["perks.points"]["value"] == "120"  # nothing written
    read = admin.execute("Customer", {"id": customer["id"], "metafieldNamespace": "perks"})
    assert read["customer"]["metafields"]["nodes"][0]["value"] == "120"


def test_tags_add_and_remove(fake_admin, admin, customer):
    admin.execute("TagsAdd", {"id": customer["id"], "tags": ["perks-gold", "vip"]})
    admin.execute("TagsRemove", {"id": customer["id"], "tags": ["vip"]})

    assert fake_admin.state.shop(SHOP).customers[customer["id"]]["tags"] == ["perks-gold"]


def test_customer_lookups(admin, customer):
    one = admin.execute("Customer", {"id": customer["id"]})["customer"]
    assert one["defaultEmailAddress"] == {"emailAddress": "ada@example.com"}
    many = admin.execute("Customers", {"ids": [customer["id"], "gid://shopify/Customer/999999"]})["nodes"]
    assert many[0]["id"] == customer["id"] and many[1] is None


def test_orders_filter_and_paginate(fake_admin, admin, customer):
    state = fake_admin.state
    for day in range(1, 6):
        state.add_order(
            SHOP,
            customer_id=customer["id"],
            updated_at=f"2026-03-0{day}T10:00:00Z",
            line_items=[{"product_id": 1, "variant_id": 2, "quantity": 1, "price": "20"}],
        )
    state.add_order(SHOP, financial_status="pending", updated_at="2026-03-09T10:00:00Z")

    names, after = [], None
    while True:
        page = admin.execute("Orders", {"first": 2, "after": after, "query": "updated_at:>'2026-03-01T12:00:00Z' financial_status:paid"})
        names += [o["updatedAt"] for o in page["orders"]["nodes"]]
        if not page["orders"]["pageInfo"]["hasNextPage"]:
            break
        after = page["orders"]["pageInfo"]["endCursor"]

    assert names == [f"2026-03-0{d}T10:00:00Z" for d in range(2, 6)]


def test_order_shape_with_refunds(fake_admin, admin, customer):
    order = fake_admin.state.add_order(
        SHOP,
        customer_id=customer["id"],
        discount_codes=["PERKS-5OFF"],
        shipping="4.00",
        tax="1.50",
        line_items=[{"product_id": 11, "variant_id": 21, "quantity": 2, "price": "10.00", "discount": "5", "discount_code": "PERKS-5OFF"}],
    )
    fake_admin.state.add_refund(
        SHOP, order["id"], line_items=[{"line_item_id": order["line_items"][0]["id"], "quantity": 1, "subtotal": "7.50"}]
    )

    (node,) = admin.execute("Orders", {"first": 1})["orders"]["nodes"]
    assert node["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    assert node["subtotalPriceSet"]["shopMoney"] == {"amount": "15.0", "currencyCode": "USD"}
    assert node["totalPriceSet"]["shopMoney"]["amount"] == "20.5"
    line = node["lineItems"]["nodes"][0]
    assert line["currentQuantity"] == 1
    assert line["discountAllocations"][0]["discountApplication"] == {"__typename": "DiscountCodeApplication", "code": "PERKS-5OFF"}
    assert node["refunds"][0]["refundLineItems"]["nodes"][0]["lineItem"]["id"] == line["id"]


def test_product_collections(fake_admin, admin):
    fake_admin.state.add_product(SHOP, id=11, collections=[{"id": 5, "handle": "sale", "title": "Sale"}])
    nodes = admin.execute("ProductCollections", {"ids": ["gid://shopify/Product/11"]})["nodes"]
    assert nodes[0]["collections"]["nodes"] == [{"id": "gid://shopify/Collection/5", "handle": "sale", "title": "Sale"}]


def test_flow_trigger_is_recorded(fake_admin, admin):
    admin.execute("FlowTriggerReceive", {"handle": "perks-tier-changed", "payload": {"tier": "gold"}})
    assert fake_admin.state.shop(SHOP).flow_triggers[0]["payload"] == {"tier": "gold"}


def test_bulk_metafield_write_through_a_staged_upload(fake_admin, admin):
    customers = [fake_admin.state.add_customer(SHOP) for _ in range(3)]
    staged = admin.execute(
        "StagedUploadsCreate",
        {
            "input": [
                {"resource": "BULK_MUTATION_VARIABLES", "filename": "perks_points.jsonl", "mimeType": "text/jsonl", "httpMethod": "POST"}
            ]
        },
    )
    target = staged["stagedUploadsCreate"]["stagedTargets"][0]
    params = {p["name"]: p["value"] for p in target["parameters"]}
    lines = "".join(
        json.dumps(
            {"metafields": [{"ownerId": c["id"], "namespace": "perks", "key": "points", "type": "number_integer", "value": str(i * 10)}]}
        )
        + "\n"
        for i, c in enumerate(customers)
    )
    upload = requests.post(target["url"], data=params, files={"file": ("vars.jsonl", lines)}, timeout=10)
    assert upload.status_code == 201

    run = admin.execute("BulkOperationRunMutation", {"mutation": _metafields_set_doc(), "stagedUploadPath": params["key"]})
    op_id = run["bulkOperationRunMutation"]["bulkOperation"]["id"]
    op = admin.execute("BulkOperation", {"id": op_id})["bulkOperation"]

    assert op["status"] == "COMPLETED" and op["objectCount"] == "3"
    values = [fake_admin.state.shop(SHOP).customers[c["id"]]["metafields"]["perks.points"]["value"] for c in customers]
    assert values == ["0", "10", "20"]
    results = requests.get(op["url"], timeout=10).text.splitlines()
    assert len(results) == 3 and json.loads(results[0])["__lineNumber"] == 0


def _metafields_set_doc() -> str:
    from shopify_app.shopify import documents

    return documents.load("MetafieldsSet")


def test_bulk_mutation_must_be_valid(admin):
    with pytest.raises(UserErrors) as caught:
        admin.execute("BulkOperationRunMutation", {"mutation": "mutation { metafieldsSett { x } }", "stagedUploadPath": "tmp/none"})
    assert caught.value.codes == ["INVALID_MUTATION"]


def test_http_control_and_seeding(fake_admin, admin):
    seeded = requests.post(
        f"{fake_admin.url}/_fake/customers", json={"shop": SHOP, "customers": [{"email": "seed@example.com", "tags": ["a"]}]}, timeout=10
    ).json()
    customer_id = seeded["customers"][0]["id"]
    requests.post(
        f"{fake_admin.url}/_fake/orders", json={"shop": SHOP, "orders": [{"customer_id": customer_id, "total": "30.00"}]}, timeout=10
    )
    fake_admin.control(refuse={"mutation": "tagsAdd", "times": 1, "userErrors": [{"field": ["tags"], "message": "nope"}]})

    with pytest.raises(UserErrors):
        admin.execute("TagsAdd", {"id": customer_id, "tags": ["b"]})
    admin.execute("TagsAdd", {"id": customer_id, "tags": ["b"]})

    dumped = fake_admin.dump(SHOP)["shops"][SHOP]
    assert dumped["customers"][0]["tags"] == ["a", "b"]
    assert dumped["orders"][0]["total"] == "30.0"


def _consent(customer_id: str, state: str = "SUBSCRIBED") -> dict:
    return {
        "input": {"customerId": customer_id, "emailMarketingConsent": {"marketingState": state, "marketingOptInLevel": "SINGLE_OPT_IN"}}
    }


def test_email_marketing_consent_is_recorded_on_the_customer(fake_admin, admin, customer):
    answer = admin.execute("CustomerEmailMarketingConsentUpdate", _consent(customer["id"]))
    address = answer["customerEmailMarketingConsentUpdate"]["customer"]["defaultEmailAddress"]
    assert (address["marketingState"], address["marketingOptInLevel"]) == ("SUBSCRIBED", "SINGLE_OPT_IN")
    assert address["marketingUpdatedAt"]
    assert fake_admin.state.shop(SHOP).customers[customer["id"]]["email_marketing"]["state"] == "SUBSCRIBED"
    admin.execute("CustomerEmailMarketingConsentUpdate", _consent(customer["id"], "UNSUBSCRIBED"))
    assert fake_admin.state.shop(SHOP).customers[customer["id"]]["email_marketing"]["state"] == "UNSUBSCRIBED"


@pytest.mark.parametrize("case", ["unknown customer", "no email", "read-only state"])
def test_email_marketing_consent_refusals_change_nothing(fake_admin, admin, case):
    fake_admin.state.auto_create_customers = case != "unknown customer"
    record = fake_admin.state.add_customer(SHOP, email=None if case == "no email" else "ada@example.com")
    target = "gid://shopify/Customer/404" if case == "unknown customer" else record["id"]
    with pytest.raises(UserErrors) as caught:
        admin.execute(
            "CustomerEmailMarketingConsentUpdate", _consent(target, "NOT_SUBSCRIBED" if case == "read-only state" else "SUBSCRIBED")
        )
    assert caught.value.codes == ["INCLUSION" if case == "read-only state" else "INVALID"]
    assert caught.value.field_errors[0]["field"][0] == "input"
    assert record["email_marketing"]["state"] == "NOT_SUBSCRIBED"
    assert "gid://shopify/Customer/404" not in fake_admin.state.shop(SHOP).customers


# --- access scopes --------------------------------------------------------------------

CUSTOMER_QUERY = "query C($id: ID!) { customer(id: $id) { id storeCreditAccounts(first: 1) { nodes { id } } } }"


def test_tokens_carry_the_scopes_shopify_app_toml_asks_for(fake_admin):
    from shopify_app.shopify.app_config import access_scopes

    record = fake_admin.state.token_record(fake_admin.token())
    assert record["scope"].split(",") == access_scopes()


def test_a_field_beyond_the_granted_scopes_is_denied_as_shopify_denies_it(fake_admin, customer):
    token = fake_admin.token(scope="write_customers")
    body = requests.post(f"{fake_admin.url}/admin/api/2026-10/graphql.json", headers={"X-Shopify-Access-Token": token},
                         json={"query": CUSTOMER_QUERY, "variables": {"id": customer["id"]}}, timeout=10).json()
    (error,) = body["errors"]
    assert error["message"] == ("Access denied for nodes field. Required access: `read_store_credit_accounts` "
                                "access scope.")
    assert error["path"] == ["customer", "storeCreditAccounts", "nodes"]
    assert error["extensions"] == {"code": "ACCESS_DENIED", "documentation": "https://shopify.dev/api/usage/access-scopes",
                                   "requiredAccess": "`read_store_credit_accounts` access scope."}
    assert body["data"] == {"customer": None}  # non-null fields carry the null up to the nullable customer


def test_a_denied_mutation_does_not_run(fake_admin, customer):
    from shopify_app.shopify.errors import AccessDenied

    admin = fake_admin.client(scope="read_customers")
    with pytest.raises(AccessDenied) as denied:
        admin.execute(
            "StoreCreditAccountCredit",
            {"id": customer["id"], "creditInput": {"creditAmount": {"amount": "5.00", "currencyCode": "USD"}}})
    assert denied.value.denied == [["storeCreditAccountCredit"]]
    assert "write_store_credit_account_transactions" in denied.value.required_access[0]
    assert fake_admin.state.shop(SHOP).store_credit_accounts == {}


def test_a_write_scope_grants_the_read_of_its_own_resource_only(fake_admin, customer):
    from shopify_app.shopify.errors import AccessDenied

    admin = fake_admin.client(scope="write_customers")
    assert admin.execute("CustomerLocale", {"id": customer["id"]})["customer"]["id"] == customer["id"]
    with pytest.raises(AccessDenied, match="read_orders"):
        admin.execute("Orders", {})


def test_an_object_reached_through_an_interface_checks_its_own_type(fake_admin, customer):
    from shopify_app.shopify.errors import AccessDenied

    with pytest.raises(AccessDenied, match="read_customers"):
        fake_admin.client(scope="read_orders").execute("Customers", {"ids": [customer["id"]]})


def test_customer_metafield_definitions_are_created_once(fake_admin, admin):
    from shopify_app.shopify.metafield_definitions import create_customer_metafield_definitions

    assert create_customer_metafield_definitions(admin) == ["points", "tier"]
    assert create_customer_metafield_definitions(admin) == []  # TAKEN: a reinstall
    made = {d["key"]: d for d in fake_admin.state.shop(SHOP).metafield_definitions.values()}
    assert {(d["ownerType"], d["namespace"], d["type"]["name"]) for d in made.values()} == {
        ("CUSTOMER", "perks", "number_integer"), ("CUSTOMER", "perks", "single_line_text_field")}
    assert made["tier"]["capabilities"]["adminFilterable"]["enabled"] is True


def test_admin_filterable_is_refused_where_shopify_does_not_allow_it(admin):
    definition = {"ownerType": "CUSTOMER", "namespace": "perks", "key": "notes", "type": "json", "name": "Notes",
                  "capabilities": {"adminFilterable": {"enabled": True}}}
    with pytest.raises(UserErrors) as refused:
        admin.execute("MetafieldDefinitionCreate", {"definition": definition})
    assert refused.value.codes == ["INVALID_CAPABILITY"]


CREDIT = {"creditInput": {"creditAmount": {"amount": "8.00", "currencyCode": "USD"}}}


@pytest.mark.parametrize(("how", "lost"), [("drop", requests.ConnectionError), ("late", requests.ReadTimeout), ("500", None)])
def test_a_mutation_can_land_and_lose_its_answer(fake_admin, customer, how, lost):
    fake_admin.control(lose_answer={"mutation": "storeCreditAccountCredit", "how": how, "delay": 0.5})
    body = {"query": documents.load("StoreCreditAccountCredit"), "variables": {"id": customer["id"], **CREDIT}}
    headers = {"X-Shopify-Access-Token": fake_admin.token()}
    url = f"{fake_admin.url}/admin/api/{API_VERSION}/graphql.json"
    if lost:
        with pytest.raises(lost):
            requests.post(url, json=body, headers=headers, timeout=0.25)
        time.sleep(0.5)
    else:
        assert requests.post(url, json=body, headers=headers, timeout=5).status_code == 500
    (account,) = fake_admin.state.shop(SHOP).store_credit_accounts.values()
    assert account["balance"] == "8.0"  # applied all the same, once
    assert requests.post(url, json=body, headers=headers, timeout=5).status_code == 200  # the next one answers

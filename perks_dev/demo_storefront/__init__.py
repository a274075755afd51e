"""Demo only (`perks_dev.demo_app()`, `make run`): a small shop that renders the theme
extension's real blocks and stands in for Shopify's app proxy, so a person can
click through the launcher as a shopper would.

    /demo/shop                  the shop's home page, with the launcher embed (?perks=off: without)
    /demo/products/<handle>     a product page with the "earn N points" app block
    /demo/pages/rewards         the rewards page app block
    /demo/account/login         "log in as Ada": a demo cookie, as a Shopify customer session
    /demo/assets/<file>         theme_extension/assets, as Shopify's CDN serves them
    /apps/perks/<path>          Shopify's app proxy: forwards to /proxy/<path>, signed

Never registered in production: Shopify is the storefront and the proxy there.
"""

from __future__ import annotations

import json
import os
import time
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, redirect, render_template, request, send_file, url_for

from shopify_app.core.errors import UnknownShop
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.launcher.liquid_blocks import Blocks, locales, money, static_path, translate
from shopify_app.ledger.members import find_member
from shopify_app.shop.app_proxy import signature
from shopify_app.shop.shops import installed_shop
from shopify_app.shop.tokens import admin_client

DEMO_SHOP = "perks-demo.myshopify.com"
DEMO_CUSTOMER = 7012345678901  # Ada Lovelace, as in the captured fixtures and `make demo-order`
CUSTOMER_COOKIE = "perks_demo_customer"
LOCALE_COOKIE = "perks_demo_locale"
DISCOUNT_COOKIE = "perks_demo_discount"
PROXY_PREFIX = "/apps/perks"
SHOPIFY_PARAMS = {"shop", "logged_in_customer_id", "path_prefix", "timestamp", "signature"}
# What Shopify forwards of a shopper's request to the app (never cookies).
FORWARDED_HEADERS = ("Accept", "Content-Type", "Idempotency-Key", "Accept-Language")

PRODUCTS = [
    {"handle": "house-blend", "title": "House blend, 1 kg", "price": 2450, "colour": "#6b4226",
     "description": "Chocolate, hazelnut and a little citrus. Roasted on Mondays."},
    {"handle": "ethiopia-guji", "title": "Ethiopia Guji, 250 g", "price": 1600, "colour": "#a0522d",
     "description": "Washed, bright and floral: jasmine, bergamot and peach."},
    {"handle": "pour-over-kit", "title": "Pour-over kit", "price": 5900, "colour": "#2f4f4f",
     "description": "A glass dripper, fifty filters and a scoop."},
    {"handle": "gift-card", "title": "Gift card", "price": 2500, "colour": "#5c6ac4",
     "description": "For the coffee lover who has everything."},
]
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "es": "Español", "fr": "Français", "pt-BR": "Português (Brasil)",
                  "ro": "Română", "zh-CN": "简体中文", "zh-TW": "繁體中文"}

bp = Blueprint("demo_storefront", __name__, template_folder="templates")


def register(app: Flask, *, shop: str | None = None, customer_id: int | None = None) -> None:
    """Serve the demo storefront for `shop` (default: the demo shop) on this app."""
    app.config["PERKS_DEMO_SHOP"] = shop or os.environ.get("PERKS_DEMO_SHOP", DEMO_SHOP)
    app.config["PERKS_DEMO_CUSTOMER"] = customer_id or DEMO_CUSTOMER
    if bp.name not in app.blueprints:  # demo_app() may have registered it already
        app.register_blueprint(bp)


BLOCKS = Blocks("/demo/assets")


def _locale() -> str:
    wanted = request.args.get("locale") or request.cookies.get(LOCALE_COOKIE) or "en"
    return wanted if wanted in locales() else "en"


def _customer_id() -> int | None:
    value = request.cookies.get(CUSTOMER_COOKIE, "")
    return int(value) if value.isdigit() else None


def _objects(product: dict | None = None) -> dict:
    """Shopify's Liquid objects the blocks use, from the demo shop."""
    domain = current_app.config["PERKS_DEMO_SHOP"]
    customer_id = _customer_id()
    with UnitOfWork(perks().sessions) as uow:
        try:
            shop = installed_shop(uow.session, domain)
        except UnknownShop:
            abort(503, f"{domain} is not installed: run `make run`, which installs it")
        member = find_member(uow.session, shop.id, customer_id) if customer_id else None
        first_name = member.first_name if member else None
        shop_object = {"name": shop.name or domain, "currency": shop.currency or "USD", "permanent_domain": domain}
    customer = None
    if customer_id:
        customer = {"id": customer_id, "first_name": first_name or "Ada", "name": "Ada Lovelace"}
    code = _locale()
    objects = {
        "app": {"metafields": _app_metafields(domain)},
        "shop": shop_object,
        "customer": customer,
        "request": {"locale": {"iso_code": code, "primary": code == "en"}, "path": request.path},
        "routes": {
            "root_url": "/demo/shop",
            "account_login_url": url_for("demo_storefront.login"),
            "account_register_url": url_for("demo_storefront.register_account"),
            "cart_url": url_for("demo_storefront.cart"),
        },
    }
    if product:
        objects["product"] = {**product, "selected_or_first_available_variant": {"price": product["price"], "available": True}}
    return objects


def _app_metafields(domain: str) -> dict:
    """The app's own metafields as Shopify's Liquid has them (`app.metafields`): read from the
    Admin API the shop is installed through (the fake one in the demo), where Perks wrote them."""
    runtime = perks()
    stored = admin_client(runtime.sessions, runtime.settings, domain).execute("LauncherLookMetafield")["currentAppInstallation"]
    if stored["metafield"] is None:
        return {}
    return {"perks": {"look": {"type": "json", "value": json.loads(stored["metafield"]["value"])}}}


def _page(template: str, *, product: dict | None = None, **extra):
    objects = _objects(product)
    embed = request.args.get("perks") != "off"
    launcher = BLOCKS.render("launcher", objects) if embed else ""
    response = Response(
        render_template(
            f"demo_storefront/{template}",
            o=objects,
            launcher=launcher,
            launcher_assets=BLOCKS.assets("launcher") if embed else None,
            products=PRODUCTS,
            languages=[(code, LANGUAGE_NAMES.get(code, code)) for code in locales()],
            money=lambda cents: money(cents, objects["shop"]["currency"]),
            t=lambda key, **kw: translate(objects["request"]["locale"]["iso_code"], key, **kw),
            discount=request.cookies.get(DISCOUNT_COOKIE),
            **extra,
        ),
        mimetype="text/html",
    )
    if request.args.get("locale") in locales():
        response.set_cookie(LOCALE_COOKIE, request.args["locale"], samesite="Lax")
    return response


@bp.get("/demo/")
@bp.get("/demo")
def home():
    return redirect(url_for("demo_storefront.shop"))


@bp.get("/demo/shop")
def shop():
    return _page("shop.html")


@bp.get("/demo/products/<handle>")
def product(handle: str):
    found = next((p for p in PRODUCTS if p["handle"] == handle), None)
    if found is None:
        abort(404)
    return _page("product.html", product=found, points_block=BLOCKS.render("product_points", _objects(found)))


@bp.get("/demo/pages/rewards")
def rewards_page():
    objects = _objects()
    return _page("rewards.html", rewards_block=BLOCKS.render("rewards_page", objects), page_assets=BLOCKS.assets("rewards_page"))


@bp.get("/demo/cart")
def cart():
    return _page("cart.html")


@bp.route("/demo/account/login", methods=["GET", "POST"])
def login():
    """Log in as Ada: what a Shopify customer session is to the app proxy (logged_in_customer_id)."""
    response = redirect(_back())
    response.set_cookie(CUSTOMER_COOKIE, str(current_app.config["PERKS_DEMO_CUSTOMER"]), httponly=True, samesite="Lax")
    return response


@bp.route("/demo/account/register", methods=["GET", "POST"])
def register_account():
    return login()


@bp.route("/demo/account/logout", methods=["GET", "POST"])
def logout():
    response = redirect(_back())
    response.delete_cookie(CUSTOMER_COOKIE)
    return response


@bp.get("/discount/<code>")
def apply_discount(code: str):
    """Shopify's /discount/CODE?redirect=...: keeps the code for checkout, then goes on."""
    response = redirect(_back("redirect", url_for("demo_storefront.cart")))
    response.set_cookie(DISCOUNT_COOKIE, code[:64], samesite="Lax")
    return response


def _back(param: str = "return_to", default: str = "/demo/shop") -> str:
    """Only a path on this site (no open redirect): the parameter, else the referrer's path."""
    for candidate in (request.args.get(param), urlsplit(request.referrer or "").path):
        if candidate and candidate.startswith("/") and not candidate.startswith("//"):
            return candidate
    return default


@bp.get("/demo/assets/<path:name>")
def asset(name: str):
    path = static_path(name)
    if path is None:
        abort(404)
    response = send_file(path, max_age=31536000)  # versioned by ?v=, as Shopify's CDN does
    return response


@bp.route(f"{PROXY_PREFIX}/<path:subpath>", methods=["GET", "POST"])
def app_proxy(subpath: str):
    """Shopify's app proxy: the shopper's query without Shopify's own parameters, then
    shop, logged_in_customer_id (the session's customer, or empty), path_prefix and timestamp,
    signed with the app secret; the body and a few headers forwarded; no cookies."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k not in SHOPIFY_PARAMS]
    customer = _customer_id()
    params += [
        ("shop", current_app.config["PERKS_DEMO_SHOP"]),
        ("logged_in_customer_id", str(customer) if customer else ""),
        ("path_prefix", PROXY_PREFIX),
        ("timestamp", str(int(time.time()))),
    ]
    params.append(("signature", signature(params, perks().settings.shopify_api_secret)))
    headers = {name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers}
    upstream = current_app.test_client().open(
        f"/proxy/{subpath}", method=request.method, query_string=params, data=request.get_data(), headers=headers
    )
    return Response(upstream.get_data(), status=upstream.status_code, content_type=upstream.content_type,
                    headers={"Cache-Control": "no-store"})

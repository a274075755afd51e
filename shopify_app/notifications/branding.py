"""The HTML part of a member mail, in the merchant's colours.

The colours are the launcher's (launcher_looks, set in the admin), so the mail
looks like the program the shopper met on the shop; the model's defaults
until the merchant saves a look. Mail clients drop <style> and external CSS
in many cases, so the template (templates/member_mail.html) uses tables and
inline styles only; every value is escaped by Jinja's autoescape.

No logo: Shopify's Admin API has no shop brand (shop.brand is in the
Storefront API only), and there is nowhere to keep one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session

from shopify_app.launcher.look import black_or_white, normal_colour, readable_text, saved_look
from shopify_app.launcher.models import LauncherLook
from shopify_app.notifications.messages import Mail

# Where every mail points: the shop with the launcher open (launcher.js opens on #perks). The
# launcher is on every page of a theme with the app embed on, whereas a page holding the rewards
# block lives wherever the merchant put it; members also stop the mails in the launcher.
REWARDS_PATH = "/#perks"
_DEFAULTS = {name: LauncherLook.__table__.c[name].default.arg for name in ("primary_color", "background_color", "text_color")}
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Brand:
    """The merchant's colours, as #rrggbb."""

    primary: str = _DEFAULTS["primary_color"]
    background: str = _DEFAULTS["background_color"]
    text: str = _DEFAULTS["text_color"]

    @classmethod
    def of(cls, look: LauncherLook | None) -> Brand:
        if look is None:
            return cls()
        default = cls()
        return cls(
            normal_colour(look.primary_color) or default.primary,
            normal_colour(look.background_color) or default.background,
            normal_colour(look.text_color) or default.text,
        )

    def colours(self) -> dict[str, str]:
        """What the template paints with; readable the way the launcher makes it readable (launcher/look.py)."""
        return {
            "primary": self.primary,
            "on_primary": black_or_white(self.primary),
            "background": self.background,
            "text": readable_text(self.text, self.background),
        }


def brand_of(session: Session, shop_id: int) -> Brand:
    """The shop's colours; the defaults until the merchant saves a look (read only)."""
    return Brand.of(saved_look(session, shop_id))


def rewards_url(shop_domain: str) -> str:
    return f"https://{shop_domain}{REWARDS_PATH}"


def plain_text(mail: Mail, url: str) -> str:
    """The text part: the words, the way to the rewards page, then the footer after the signature line."""
    return f"{mail.body}\n\n{mail.button}\n{url}\n\n-- \n{mail.footer}"


def html(mail: Mail, shop_name: str, brand: Brand, url: str) -> str:
    """The HTML part: the same words as the text part, paragraph for paragraph, and a button to `url`."""
    paragraphs = [p.strip().split("\n") for p in mail.body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return _TEMPLATES.get_template("member_mail.html").render(
        lang=mail.lang,
        subject=mail.subject,
        shop=shop_name,
        paragraphs=paragraphs,
        button=mail.button,
        footer=mail.footer,
        url=url,
        **brand.colours(),
    )

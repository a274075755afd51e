"""The launcher room's table: the look the merchant gave the launcher."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from shopify_app.core.orm import Base, utcnow

LAUNCHER_POSITIONS = ("bottom-right", "bottom-left")
CORNER_RADII = (0, 24)  # px, the roundest a 48 px button and its panel still look like themselves


class LauncherLook(Base):
    """How the storefront launcher looks, as set in the admin: colours as #rrggbb, its corner, the corner
    radius in px, and the button label and panel title per language ({lang: {button_label, title}}; empty: the translated default)."""

    __tablename__ = "launcher_looks"
    __table_args__ = (
        CheckConstraint(f"position IN {LAUNCHER_POSITIONS}", name="launcher_position_known"),
        CheckConstraint(f"corner_radius BETWEEN {CORNER_RADII[0]} AND {CORNER_RADII[1]}", name="launcher_corner_radius_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), unique=True)
    primary_color: Mapped[str] = mapped_column(String(7), default="#5c6ac4")
    background_color: Mapped[str] = mapped_column(String(7), default="#ffffff")
    text_color: Mapped[str] = mapped_column(String(7), default="#1f2124")
    position: Mapped[str] = mapped_column(String(16), default="bottom-right")
    corner_radius: Mapped[int] = mapped_column(default=12)
    texts: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

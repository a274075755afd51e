# ruff: noqa: RUF001  (CJK punctuation is meant)
"""A ledger entry's reason in the member's language, told at the moment it is shown.

The ledger is append-only (migration 0014 refuses UPDATE), so its `reason` column holds what
the product wrote, in English, for ever: "Order #1001", "Redeemed $5 off". Rather than a second
column that only new rows would have, each sentence the product writes is known here by its
pattern: an entry's reason is read back into a kind and its parameters ("Order {order}" ->
order="#1001") and said again in the member's language. Old rows and new ones read the same,
and nothing that writes the ledger changes. A reason the product did not write (a staff
adjustment, a Flow workflow's, an earning rule the merchant named) is the merchant's own words
and is shown as written.

This is a Python catalogue rather than a gettext one: each sentence's eight translations sit
together where its English pattern is, so a new reason cannot be added without its
translations and a test checks none is missing; the plural forms come from babel's CLDR rules
(core/words.py), named ("one", "few", "other") rather than indexed per .po file.
"""

from __future__ import annotations

import re

from shopify_app.core import words

# The ledger kind and the sentence each writer stores ({names} are its parameters), by reason; the writers are
# ledger/orders.py, guests.py, expiry.py, transfer.py, rewards/redemptions.py, earn/actions.py,
# referrals/referrals.py, tiers/tiers.py and shop/privacy.py.
WRITTEN: dict[str, tuple[str, str]] = {
    "order": ("earn", "Order {order}"),
    "order_as_guest": ("earn", "Order {order} (placed as a guest)"),
    "order_taken_back": ("reverse", "Order {order} refunded or cancelled"),
    "order_refunded": ("reverse", "Refund on order {order}"),
    "order_cancelled": ("reverse", "Order {order} cancelled"),
    "redeemed": ("redeem", "Redeemed {reward}"),
    "not_issued": ("refund", "Points returned: Shopify did not create the reward"),
    "code_expired": ("refund", "Points returned: code {code} expired unused"),
    "expired": ("expire", "Points expired after {days} days without activity"),
    "imported": ("import", "Imported from {source}"),
    "joined": ("signup", "Joined the program"),
    "referral": ("referral", "A friend you referred made their first order"),
    "tier_welcome": ("tier", "Welcome to {tier}"),
    "merged": ("merge", "Customer {deleted} merged into {kept}"),
    # An earning rule the merchant did not name is stored under its action's name, with what
    # told the occurrence apart (a year, a network, a product) in brackets.
    "birthday": ("action", "birthday"),
    "birthday_of": ("action", "birthday ({ref})"),
    "review": ("action", "review ({ref})"),
    "social_follow": ("action", "social_follow ({network})"),
    "social_share": ("action", "social_share ({network})"),
    "newsletter": ("action", "newsletter"),
    "profile": ("action", "profile"),
    "survey": ("action", "survey ({ref})"),
}

# fmt: off
SAID: dict[str, dict[str, str]] = {
    "order": {
        "en": "Order {order}", "fr": "Commande {order}", "de": "Bestellung {order}", "es": "Pedido {order}",
        "pt-BR": "Pedido {order}", "ro": "Comanda {order}", "zh-CN": "订单 {order}", "zh-TW": "訂單 {order}",
    },
    "order_as_guest": {
        "en": "Order {order} (placed as a guest)", "fr": "Commande {order} (passée en tant qu'invité)",
        "de": "Bestellung {order} (als Gast aufgegeben)", "es": "Pedido {order} (realizado como invitado)",
        "pt-BR": "Pedido {order} (feito como visitante)", "ro": "Comanda {order} (plasată ca vizitator)",
        "zh-CN": "订单 {order}（以访客身份下单）", "zh-TW": "訂單 {order}（以訪客身分下單）",
    },
    "order_taken_back": {
        "en": "Order {order} refunded or cancelled", "fr": "Commande {order} remboursée ou annulée",
        "de": "Bestellung {order} erstattet oder storniert", "es": "Pedido {order} reembolsado o cancelado",
        "pt-BR": "Pedido {order} reembolsado ou cancelado", "ro": "Comanda {order} rambursată sau anulată",
        "zh-CN": "订单 {order} 已退款或取消", "zh-TW": "訂單 {order} 已退款或取消",
    },
    "order_refunded": {
        "en": "Refund on order {order}", "fr": "Remboursement sur la commande {order}",
        "de": "Erstattung zur Bestellung {order}", "es": "Reembolso del pedido {order}",
        "pt-BR": "Reembolso do pedido {order}", "ro": "Rambursare pentru comanda {order}",
        "zh-CN": "订单 {order} 退款", "zh-TW": "訂單 {order} 退款",
    },
    "order_cancelled": {
        "en": "Order {order} cancelled", "fr": "Commande {order} annulée", "de": "Bestellung {order} storniert",
        "es": "Pedido {order} cancelado", "pt-BR": "Pedido {order} cancelado", "ro": "Comanda {order} anulată",
        "zh-CN": "订单 {order} 已取消", "zh-TW": "訂單 {order} 已取消",
    },
    "redeemed": {
        "en": "Redeemed: {reward}", "fr": "Échangé contre : {reward}", "de": "Eingelöst für: {reward}",
        "es": "Canjeado por: {reward}", "pt-BR": "Resgatado: {reward}", "ro": "Folosite pentru: {reward}",
        "zh-CN": "兑换：{reward}", "zh-TW": "兌換：{reward}",
    },
    "not_issued": {
        "en": "Points returned: the reward could not be created", "fr": "Points rendus : la récompense n'a pas pu être créée",
        "de": "Punkte zurückerstattet: Die Prämie konnte nicht erstellt werden", "es": "Puntos devueltos: no se pudo crear la recompensa",
        "pt-BR": "Pontos devolvidos: não foi possível criar a recompensa", "ro": "Puncte returnate: recompensa nu a putut fi creată",
        "zh-CN": "积分已退回：奖励未能生成", "zh-TW": "點數已退回：獎勵未能產生",
    },
    "code_expired": {
        "en": "Points returned: code {code} expired unused", "fr": "Points rendus : le code {code} a expiré sans être utilisé",
        "de": "Punkte zurückerstattet: Code {code} ist ungenutzt abgelaufen", "es": "Puntos devueltos: el código {code} caducó sin usarse",
        "pt-BR": "Pontos devolvidos: o código {code} expirou sem uso", "ro": "Puncte returnate: codul {code} a expirat nefolosit",
        "zh-CN": "积分已退回：优惠码 {code} 过期未使用", "zh-TW": "點數已退回：優惠碼 {code} 逾期未使用",
    },
    "expired": {
        "en": "Points expired after {days} {days_word} without activity", "fr": "Points expirés après {days} {days_word} sans activité",
        "de": "Punkte nach {days} {days_word} ohne Aktivität verfallen", "es": "Puntos caducados tras {days} {days_word} sin actividad",
        "pt-BR": "Pontos expirados após {days} {days_word} sem atividade", "ro": "Puncte expirate după {days} {days_word} fără activitate",
        "zh-CN": "{days} {days_word}无活动，积分已过期", "zh-TW": "{days} {days_word}無活動，點數已過期",
    },
    "imported": {
        "en": "Brought over from {source}", "fr": "Repris de {source}", "de": "Übernommen von {source}",
        "es": "Traspasado desde {source}", "pt-BR": "Transferido de {source}", "ro": "Preluat din {source}",
        "zh-CN": "从 {source} 迁移", "zh-TW": "從 {source} 移轉",
    },
    "joined": {
        "en": "Joined the program", "fr": "Inscription au programme", "de": "Dem Programm beigetreten",
        "es": "Te uniste al programa", "pt-BR": "Entrou no programa", "ro": "Înscriere în program",
        "zh-CN": "加入会员计划", "zh-TW": "加入會員計畫",
    },
    "referral": {
        "en": "A friend you referred made their first order", "fr": "Un ami parrainé a passé sa première commande",
        "de": "Ein geworbener Freund hat zum ersten Mal bestellt", "es": "Un amigo al que invitaste hizo su primer pedido",
        "pt-BR": "Um amigo que você indicou fez o primeiro pedido", "ro": "Un prieten recomandat de tine a plasat prima comandă",
        "zh-CN": "您推荐的好友完成了首笔订单", "zh-TW": "您推薦的好友完成了第一筆訂單",
    },
    "tier_welcome": {
        "en": "Welcome to {tier}", "fr": "Bienvenue au niveau {tier}", "de": "Willkommen in der Stufe {tier}",
        "es": "Bienvenido al nivel {tier}", "pt-BR": "Boas-vindas ao nível {tier}", "ro": "Bun venit la nivelul {tier}",
        "zh-CN": "欢迎升级至 {tier}", "zh-TW": "歡迎升級至 {tier}",
    },
    "merged": {
        "en": "Accounts merged", "fr": "Comptes fusionnés", "de": "Konten zusammengeführt", "es": "Cuentas fusionadas",
        "pt-BR": "Contas unificadas", "ro": "Conturi unificate", "zh-CN": "账户已合并", "zh-TW": "帳戶已合併",
    },
    "birthday": {
        "en": "Birthday gift", "fr": "Cadeau d'anniversaire", "de": "Geburtstagsgeschenk", "es": "Regalo de cumpleaños",
        "pt-BR": "Presente de aniversário", "ro": "Cadou de ziua ta", "zh-CN": "生日礼物", "zh-TW": "生日禮物",
    },
    "review": {
        "en": "Product review", "fr": "Avis sur un produit", "de": "Produktbewertung", "es": "Reseña de un producto",
        "pt-BR": "Avaliação de produto", "ro": "Recenzie de produs", "zh-CN": "商品评价", "zh-TW": "商品評論",
    },
    "social_follow": {
        "en": "Followed us on {network}", "fr": "Abonnement sur {network}", "de": "Uns auf {network} gefolgt",
        "es": "Nos seguiste en {network}", "pt-BR": "Seguiu a loja no {network}", "ro": "Ne urmărești pe {network}",
        "zh-CN": "在 {network} 关注我们", "zh-TW": "在 {network} 追蹤我們",
    },
    "social_share": {
        "en": "Shared on {network}", "fr": "Partage sur {network}", "de": "Auf {network} geteilt",
        "es": "Compartido en {network}", "pt-BR": "Compartilhado no {network}", "ro": "Distribuire pe {network}",
        "zh-CN": "在 {network} 分享", "zh-TW": "在 {network} 分享",
    },
    "newsletter": {
        "en": "Newsletter sign-up", "fr": "Abonnement à la newsletter", "de": "Newsletter-Anmeldung",
        "es": "Suscripción al boletín", "pt-BR": "Inscrição na newsletter", "ro": "Abonare la newsletter",
        "zh-CN": "订阅新闻通讯", "zh-TW": "訂閱電子報",
    },
    "profile": {
        "en": "Profile completed", "fr": "Profil complété", "de": "Profil vervollständigt", "es": "Perfil completado",
        "pt-BR": "Perfil completo", "ro": "Profil completat", "zh-CN": "完善个人资料", "zh-TW": "完善個人資料",
    },
    "survey": {
        "en": "Survey answered", "fr": "Questionnaire rempli", "de": "Umfrage beantwortet", "es": "Encuesta respondida",
        "pt-BR": "Pesquisa respondida", "ro": "Chestionar completat", "zh-CN": "完成问卷", "zh-TW": "完成問卷",
    },
}
# fmt: on
SAID["birthday_of"] = SAID["birthday"]  # the year told one birthday from the next; the member knows it

# "day" agreeing with its number, by CLDR plural category.
DAYS: dict[str, dict[str, str]] = {
    "en": {"one": "day", "other": "days"},
    "fr": {"one": "jour", "other": "jours"},
    "de": {"one": "Tag", "other": "Tagen"},
    "es": {"one": "día", "other": "días"},
    "pt-BR": {"one": "dia", "other": "dias"},
    "ro": {"one": "zi", "few": "zile", "other": "de zile"},
    "zh-CN": {"other": "天"},
    "zh-TW": {"other": "天"},
}
# Networks as their owners write them (the ledger keeps earn/actions.py's lowercase keys).
NETWORKS = {"instagram": "Instagram", "facebook": "Facebook", "tiktok": "TikTok", "x": "X", "youtube": "YouTube", "pinterest": "Pinterest"}


# What a parameter can be: an order's name and a code are one word, days a number; the rest any text.
_VALUE = {"order": r"\S+", "code": r"\S+", "days": r"\d+", "deleted": r"\d+", "kept": r"\d+"}


def _pattern(sentence: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", sentence)  # literal, name, literal, name, ...
    return re.compile("".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>{_VALUE.get(part, '.+')})" for i, part in enumerate(parts)))


# The longest fixed text first: "Order {order} cancelled" is tried before "Order {order}" could take it.
_READ = sorted(
    ((reason, kind, _pattern(sentence)) for reason, (kind, sentence) in WRITTEN.items()),
    key=lambda item: -len(re.sub(r"\{\w+\}", "", WRITTEN[item[0]][1])),
)


def read(reason: str, kind: str | None = None) -> tuple[str, dict[str, str]] | None:
    """(reason, parameters) of a sentence the product wrote, for an entry of this ledger kind
    (None: of any); None for the merchant's own words."""
    for name, written_for, pattern in _READ:
        if kind in (None, written_for) and (found := pattern.fullmatch(reason)):
            return name, found.groupdict()
    return None


def say(reason: str, locale: str | None, kind: str | None = None) -> str:
    """The reason of an entry (of this ledger kind, when known) in the member's language, the
    nearest of the eight; the merchant's own words as written."""
    lang = words.language(locale)
    known = read(reason, kind)
    if known is None:
        return reason
    name, values = known
    if name == "expired":
        days = int(values["days"])
        values |= {"days": words.number(lang, days), "days_word": words.plural(lang, days, DAYS[lang])}
    if "network" in values:
        values["network"] = NETWORKS.get(values["network"], values["network"])
    return SAID[name][lang].format(**values)

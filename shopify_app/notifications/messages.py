# ruff: noqa: E501  (messages read better one to a line)
"""What each member event says, in the shopper's language, with the shop's name on it."""

from __future__ import annotations

from dataclasses import dataclass
from string import Template

# (subject, body) per event and language; $shop, $name, $points, $balance, $reason, $expires_at.
MESSAGES: dict[str, dict[str, tuple[str, str]]] = {
    "points_earned": {
        "en": (
            "You earned $points points at $shop",
            "Hi $name,\n\nYou earned $points points ($reason). Your balance is now $balance points.",
        ),
        "fr": (
            "Vous avez gagné $points points chez $shop",
            "Bonjour $name,\n\nVous avez gagné $points points ($reason). Votre solde est de $balance points.",
        ),
        "de": (
            "Sie haben $points Punkte bei $shop gesammelt",
            "Hallo $name,\n\nSie haben $points Punkte gesammelt ($reason). Ihr Kontostand: $balance Punkte.",
        ),
        "es": (
            "Has ganado $points puntos en $shop",
            "Hola $name,\n\nHas ganado $points puntos ($reason). Tu saldo es ahora de $balance puntos.",
        ),
    },
    "points_expiring": {
        "en": (
            "Your $points points at $shop expire soon",
            "Hi $name,\n\nYour $points points expire on $expires_at. A purchase keeps them.",
        ),
        "fr": (
            "Vos $points points chez $shop expirent bientôt",
            "Bonjour $name,\n\nVos $points points expirent le $expires_at. Un achat les conserve.",
        ),
        "de": (
            "Ihre $points Punkte bei $shop verfallen bald",
            "Hallo $name,\n\nIhre $points Punkte verfallen am $expires_at. Ein Einkauf erhält sie.",
        ),
        "es": (
            "Tus $points puntos en $shop caducan pronto",
            "Hola $name,\n\nTus $points puntos caducan el $expires_at. Una compra los conserva.",
        ),
    },
    "points_expired": {
        "en": (
            "Your points at $shop have expired",
            "Hi $name,\n\n$points points expired after a long quiet spell. Come back and earn again.",
        ),
        "fr": (
            "Vos points chez $shop ont expiré",
            "Bonjour $name,\n\n$points points ont expiré faute d'activité. Revenez en gagner de nouveaux.",
        ),
        "de": (
            "Ihre Punkte bei $shop sind verfallen",
            "Hallo $name,\n\n$points Punkte sind mangels Aktivität verfallen. Sammeln Sie wieder neue.",
        ),
        "es": ("Tus puntos en $shop han caducado", "Hola $name,\n\n$points puntos han caducado por inactividad. Vuelve y gana más."),
    },
    "birthday": {
        "en": (
            "Happy birthday from $shop!",
            "Hi $name,\n\nHappy birthday! Here are $points points from us. Your balance: $balance points.",
        ),
        "fr": (
            "Joyeux anniversaire de la part de $shop !",
            "Bonjour $name,\n\nJoyeux anniversaire ! Voici $points points offerts. Votre solde : $balance points.",
        ),
        "de": (
            "Alles Gute zum Geburtstag von $shop!",
            "Hallo $name,\n\nAlles Gute zum Geburtstag! Hier sind $points Punkte. Ihr Kontostand: $balance Punkte.",
        ),
        "es": (
            "¡Feliz cumpleaños de parte de $shop!",
            "Hola $name,\n\n¡Feliz cumpleaños! Aquí tienes $points puntos. Tu saldo: $balance puntos.",
        ),
    },
    "tier_changed": {
        "en": ("You are now $tier at $shop", "Hi $name,\n\nYou are now a $tier member. Your balance: $balance points."),
        "fr": ("Vous êtes maintenant $tier chez $shop", "Bonjour $name,\n\nVous êtes désormais membre $tier. Votre solde : $balance points."),
        "de": ("Sie sind jetzt $tier bei $shop", "Hallo $name,\n\nSie sind jetzt $tier-Mitglied. Ihr Kontostand: $balance Punkte."),
        "es": ("Ahora eres $tier en $shop", "Hola $name,\n\nAhora eres miembro $tier. Tu saldo: $balance puntos."),
    },
    "referral_credited": {
        "en": ("Your friend's order earned you $points points at $shop", "Hi $name,\n\nThank you for the referral: $points points are yours. Your balance: $balance points."),
        "fr": ("La commande de votre ami vous rapporte $points points chez $shop", "Bonjour $name,\n\nMerci pour le parrainage : $points points pour vous. Votre solde : $balance points."),
        "de": ("Die Bestellung Ihres Freundes bringt Ihnen $points Punkte bei $shop", "Hallo $name,\n\nDanke für die Empfehlung: $points Punkte für Sie. Ihr Kontostand: $balance Punkte."),
        "es": ("El pedido de tu amigo te da $points puntos en $shop", "Hola $name,\n\nGracias por recomendarnos: $points puntos para ti. Tu saldo: $balance puntos."),
    },
    "reward_redeemed": {
        "en": ("Your reward from $shop: $reward", "Hi $name,\n\nYou spent $points points on $reward. Your code: $code. Your balance: $balance points."),
        "fr": ("Votre récompense chez $shop : $reward", "Bonjour $name,\n\nVous avez utilisé $points points pour $reward. Votre code : $code. Votre solde : $balance points."),
        "de": ("Ihre Prämie bei $shop: $reward", "Hallo $name,\n\nSie haben $points Punkte für $reward eingelöst. Ihr Code: $code. Ihr Kontostand: $balance Punkte."),
        "es": ("Tu recompensa en $shop: $reward", "Hola $name,\n\nHas usado $points puntos en $reward. Tu código: $code. Tu saldo: $balance puntos."),
    },
    "dormant_nudge": {
        "en": (
            "You have $points points waiting at $shop",
            "Hi $name,\n\nYou have $points points waiting, enough for $reward. Come back and use them.",
        ),
        "fr": (
            "$points points vous attendent chez $shop",
            "Bonjour $name,\n\n$points points vous attendent, de quoi obtenir $reward. Revenez les utiliser.",
        ),
        "de": (
            "$points Punkte warten bei $shop auf Sie",
            "Hallo $name,\n\n$points Punkte warten auf Sie, genug für $reward. Kommen Sie vorbei und lösen Sie sie ein.",
        ),
        "es": (
            "Tienes $points puntos esperándote en $shop",
            "Hola $name,\n\nTienes $points puntos esperándote, suficientes para $reward. Vuelve y úsalos.",
        ),
    },
}
FALLBACK = {
    "en": ("News about your points at $shop", "Hi $name,\n\nYour balance is $balance points."),
}
UNSUBSCRIBE = {
    "en": "You get these mails as a member of $shop's rewards program. To stop them, unsubscribe from the rewards page.",
    "fr": "Vous recevez ces messages en tant que membre du programme de fidélité de $shop. Pour ne plus les recevoir, désabonnez-vous depuis la page des récompenses.",
    "de": "Sie erhalten diese E-Mails als Mitglied des Treueprogramms von $shop. Abmelden können Sie sich auf der Prämienseite.",
    "es": "Recibes estos correos como miembro del programa de recompensas de $shop. Para dejar de recibirlos, date de baja en la página de recompensas.",
}


def language(locale: str | None) -> str:
    """ "fr-CA" -> "fr"; a language we do not write in -> English."""
    code = (locale or "en").split("-")[0].lower()
    return code if code in UNSUBSCRIBE else "en"


# The call to action of the HTML mail (and its line in the text mail): to the rewards page.
BUTTON = {"en": "See your rewards", "fr": "Voir vos récompenses", "de": "Ihre Prämien ansehen", "es": "Ver tus recompensas"}


@dataclass(frozen=True)
class Mail:
    """One mail's words, filled in: the text part is `body`, then the footer; the HTML part lays the same out."""

    lang: str
    subject: str
    body: str
    footer: str
    button: str


def compose(kind: str, locale: str | None, values: dict, custom: dict | None = None) -> Mail:
    """The mail for an event: the merchant's own text for its kind and language when there is one
    (`custom`: {kind: {lang: {subject, body}}}), the built-in one otherwise; the footer always."""
    lang = language(locale)
    own = (custom or {}).get(kind, {}).get(lang)
    texts = MESSAGES.get(kind, FALLBACK)
    subject, body = (own["subject"], own["body"]) if own else texts.get(lang) or texts.get("en") or FALLBACK["en"]

    def fill(text: str) -> str:
        return Template(text).safe_substitute(values)

    return Mail(lang, fill(subject), fill(body), fill(UNSUBSCRIBE[lang]), BUTTON[lang])


def render(kind: str, locale: str | None, values: dict, custom: dict | None = None) -> tuple[str, str]:
    """The subject and the plain text, footer included (what the admin's preview shows)."""
    mail = compose(kind, locale, values, custom)
    return mail.subject, mail.body + "\n\n-- \n" + mail.footer

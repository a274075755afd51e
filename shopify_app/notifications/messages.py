# ruff: noqa: E501, RUF001  (messages read better one to a line; CJK punctuation is meant)
"""What each member event says, in the shopper's language, with the shop's name on it.

The mails' catalogue: each kind's subject and body in the eight languages of the launcher
(core/words.py), side by side, because the merchant's editor shows and overrides them per kind
and language ({kind: {lang: {subject, body}}}, preferences.py) and a new kind cannot come without
its eight texts (a test holds it). A gettext catalogue would split each text over eight .po
files and give the editor nothing it needs; what gettext's ngettext would add, plural forms,
comes from babel's CLDR rules instead: a number is followed by its word ($points $points_word,
$balance $balance_word) in the form that agrees with it, "1 point", "0 point" in French,
"20 de puncte" in Romanian. A number is written as the language writes it (1 250), a date in words.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from string import Template

from shopify_app.core import words
from shopify_app.ledger import reasons

# (subject, body) per event and language; $shop, $name, $points, $balance, $reason, $expires_at...
# fmt: off
MESSAGES: dict[str, dict[str, tuple[str, str]]] = {
    "points_earned": {
        "en": ("You earned $points $points_word at $shop", "Hi $name,\n\nYou earned $points $points_word ($reason). Your balance is now $balance $balance_word."),
        "fr": ("Vous avez gagné $points $points_word chez $shop", "Bonjour $name,\n\nVous avez gagné $points $points_word ($reason). Votre solde est de $balance $balance_word."),
        "de": ("Sie haben $points $points_word bei $shop gesammelt", "Hallo $name,\n\nSie haben $points $points_word gesammelt ($reason). Ihr Kontostand: $balance $balance_word."),
        "es": ("Has ganado $points $points_word en $shop", "Hola $name,\n\nHas ganado $points $points_word ($reason). Tu saldo es ahora de $balance $balance_word."),
        "pt-BR": ("Você ganhou $points $points_word em $shop", "Olá $name,\n\nVocê ganhou $points $points_word ($reason). Seu saldo agora é de $balance $balance_word."),
        "ro": ("Ai câștigat $points $points_word la $shop", "Bună, $name,\n\nAi câștigat $points $points_word ($reason). Soldul tău: $balance $balance_word."),
        "zh-CN": ("您在 $shop 获得了 $points $points_word", "$name，您好：\n\n您获得了 $points $points_word（$reason）。当前余额：$balance $balance_word。"),
        "zh-TW": ("您在 $shop 獲得了 $points $points_word", "$name，您好：\n\n您獲得了 $points $points_word（$reason）。目前餘額：$balance $balance_word。"),
    },
    # The points that expire are the whole balance (after a quiet spell): worded so no verb has to agree with their number.
    "points_expiring": {
        "en": ("Your points at $shop expire soon", "Hi $name,\n\n$points $points_word of your balance will expire on $expires_at. A purchase before then keeps your points."),
        "fr": ("Vos points chez $shop expirent bientôt", "Bonjour $name,\n\nÉchéance le $expires_at pour $points $points_word de votre solde. Un achat d'ici là conserve vos points."),
        "de": ("Ihre Punkte bei $shop verfallen bald", "Hallo $name,\n\nVerfall am $expires_at: $points $points_word. Mit einem Einkauf bis dahin behalten Sie Ihre Punkte."),
        "es": ("Tus puntos en $shop caducan pronto", "Hola $name,\n\nFecha de caducidad de $points $points_word: $expires_at. Con una compra antes de esa fecha, conservas tus puntos."),
        "pt-BR": ("Seus pontos em $shop vão expirar em breve", "Olá $name,\n\nData de expiração de $points $points_word: $expires_at. Uma compra até lá mantém seus pontos."),
        "ro": ("Punctele tale la $shop expiră în curând", "Bună, $name,\n\nData de expirare pentru $points $points_word: $expires_at. O comandă până atunci îți păstrează punctele."),
        "zh-CN": ("您在 $shop 的积分即将过期", "$name，您好：\n\n您有 $points $points_word将于 $expires_at 过期。在此之前消费即可保留积分。"),
        "zh-TW": ("您在 $shop 的點數即將到期", "$name，您好：\n\n您有 $points $points_word將於 $expires_at 到期。在此之前消費即可保留點數。"),
    },
    "points_expired": {
        "en": ("Your points at $shop have expired", "Hi $name,\n\n$points $points_word expired after a long quiet spell. Come back and earn again."),
        "fr": ("Vos points chez $shop ont expiré", "Bonjour $name,\n\nFaute d'activité, votre solde de $points $points_word a expiré. Revenez en gagner de nouveaux."),
        "de": ("Ihre Punkte bei $shop sind verfallen", "Hallo $name,\n\nMangels Aktivität ist Ihr Guthaben verfallen ($points $points_word). Sammeln Sie wieder neue."),
        "es": ("Tus puntos en $shop han caducado", "Hola $name,\n\nTu saldo de $points $points_word ha caducado por inactividad. Vuelve y gana más."),
        "pt-BR": ("Seus pontos em $shop expiraram", "Olá $name,\n\nSeu saldo de $points $points_word expirou por falta de atividade. Volte e ganhe novos pontos."),
        "ro": ("Punctele tale la $shop au expirat", "Bună, $name,\n\nSoldul tău de $points $points_word a expirat din lipsă de activitate. Revino și câștigă din nou."),
        "zh-CN": ("您在 $shop 的积分已过期", "$name，您好：\n\n由于长时间未活动，您的 $points $points_word已过期。欢迎回来重新赚取积分。"),
        "zh-TW": ("您在 $shop 的點數已到期", "$name，您好：\n\n由於長時間未有活動，您的 $points $points_word已到期。歡迎回來重新賺取點數。"),
    },
    "birthday": {
        "en": ("Happy birthday from $shop!", "Hi $name,\n\nHappy birthday! Here is a gift of $points $points_word from us. Your balance: $balance $balance_word."),
        "fr": ("Joyeux anniversaire de la part de $shop !", "Bonjour $name,\n\nJoyeux anniversaire ! Nous vous offrons $points $points_word. Votre solde : $balance $balance_word."),
        "de": ("Alles Gute zum Geburtstag von $shop!", "Hallo $name,\n\nAlles Gute zum Geburtstag! Wir schenken Ihnen $points $points_word. Ihr Kontostand: $balance $balance_word."),
        "es": ("¡Feliz cumpleaños de parte de $shop!", "Hola $name,\n\n¡Feliz cumpleaños! Te regalamos $points $points_word. Tu saldo: $balance $balance_word."),
        "pt-BR": ("Feliz aniversário, com carinho de $shop!", "Olá $name,\n\nFeliz aniversário! Você ganhou $points $points_word de presente. Seu saldo: $balance $balance_word."),
        "ro": ("La mulți ani de la $shop!", "Bună, $name,\n\nLa mulți ani! Îți dăruim $points $points_word. Soldul tău: $balance $balance_word."),
        "zh-CN": ("$shop 祝您生日快乐！", "$name，您好：\n\n生日快乐！我们为您送上 $points $points_word。当前余额：$balance $balance_word。"),
        "zh-TW": ("$shop 祝您生日快樂！", "$name，您好：\n\n生日快樂！我們為您送上 $points $points_word。目前餘額：$balance $balance_word。"),
    },
    "tier_changed": {
        "en": ("You are now $tier at $shop", "Hi $name,\n\nYou are now a $tier member. Your balance: $balance $balance_word."),
        "fr": ("Vous êtes maintenant $tier chez $shop", "Bonjour $name,\n\nVous êtes désormais membre $tier. Votre solde : $balance $balance_word."),
        "de": ("Sie sind jetzt $tier bei $shop", "Hallo $name,\n\nSie sind jetzt $tier-Mitglied. Ihr Kontostand: $balance $balance_word."),
        "es": ("Ahora eres $tier en $shop", "Hola $name,\n\nAhora eres miembro $tier. Tu saldo: $balance $balance_word."),
        "pt-BR": ("Agora você é $tier em $shop", "Olá $name,\n\nAgora você é membro $tier. Seu saldo: $balance $balance_word."),
        "ro": ("Acum ești $tier la $shop", "Bună, $name,\n\nAcum ești membru $tier. Soldul tău: $balance $balance_word."),
        "zh-CN": ("您已成为 $shop 的 $tier 会员", "$name，您好：\n\n您现在是 $tier 会员。当前余额：$balance $balance_word。"),
        "zh-TW": ("您已成為 $shop 的 $tier 會員", "$name，您好：\n\n您現在是 $tier 會員。目前餘額：$balance $balance_word。"),
    },
    "referral_credited": {
        "en": ("Your friend's order earned you $points $points_word at $shop", "Hi $name,\n\nThank you for the referral: you earned $points $points_word. Your balance: $balance $balance_word."),
        "fr": ("La commande de votre ami vous rapporte $points $points_word chez $shop", "Bonjour $name,\n\nMerci pour le parrainage : vous gagnez $points $points_word. Votre solde : $balance $balance_word."),
        "de": ("Die Bestellung Ihres Freundes bringt Ihnen $points $points_word bei $shop", "Hallo $name,\n\nDanke für die Empfehlung: Sie erhalten $points $points_word. Ihr Kontostand: $balance $balance_word."),
        "es": ("El pedido de tu amigo te da $points $points_word en $shop", "Hola $name,\n\nGracias por recomendarnos: ganas $points $points_word. Tu saldo: $balance $balance_word."),
        "pt-BR": ("O pedido do seu amigo rendeu $points $points_word para você em $shop", "Olá $name,\n\nObrigado pela indicação: você ganhou $points $points_word. Seu saldo: $balance $balance_word."),
        "ro": ("Comanda prietenului tău îți aduce $points $points_word la $shop", "Bună, $name,\n\nMulțumim pentru recomandare: ai primit $points $points_word. Soldul tău: $balance $balance_word."),
        "zh-CN": ("好友的订单为您在 $shop 赢得了 $points $points_word", "$name，您好：\n\n感谢您的推荐：您获得了 $points $points_word。当前余额：$balance $balance_word。"),
        "zh-TW": ("好友的訂單為您在 $shop 贏得了 $points $points_word", "$name，您好：\n\n感謝您的推薦：您獲得了 $points $points_word。目前餘額：$balance $balance_word。"),
    },
    "reward_redeemed": {
        "en": ("Your reward from $shop: $reward", "Hi $name,\n\nYou spent $points $points_word on $reward. Your code: $code. Your balance: $balance $balance_word."),
        "fr": ("Votre récompense chez $shop : $reward", "Bonjour $name,\n\nVous avez utilisé $points $points_word pour $reward. Votre code : $code. Votre solde : $balance $balance_word."),
        "de": ("Ihre Prämie bei $shop: $reward", "Hallo $name,\n\nSie haben $points $points_word für $reward eingelöst. Ihr Code: $code. Ihr Kontostand: $balance $balance_word."),
        "es": ("Tu recompensa en $shop: $reward", "Hola $name,\n\nHas usado $points $points_word en $reward. Tu código: $code. Tu saldo: $balance $balance_word."),
        "pt-BR": ("Sua recompensa em $shop: $reward", "Olá $name,\n\nVocê usou $points $points_word em $reward. Seu código: $code. Seu saldo: $balance $balance_word."),
        "ro": ("Recompensa ta de la $shop: $reward", "Bună, $name,\n\nAi folosit $points $points_word pentru $reward. Codul tău: $code. Soldul tău: $balance $balance_word."),
        "zh-CN": ("您在 $shop 的奖励：$reward", "$name，您好：\n\n您使用 $points $points_word兑换了 $reward。您的优惠码：$code。当前余额：$balance $balance_word。"),
        "zh-TW": ("您在 $shop 的獎勵：$reward", "$name，您好：\n\n您使用 $points $points_word兌換了 $reward。您的優惠碼：$code。目前餘額：$balance $balance_word。"),
    },
    "dormant_nudge": {
        "en": ("You have $points $points_word waiting at $shop", "Hi $name,\n\nYou have $points $points_word waiting, enough for $reward. Come back and use your points."),
        "fr": ("Des points vous attendent chez $shop", "Bonjour $name,\n\nAvec $points $points_word, vous pouvez obtenir $reward. Revenez utiliser vos points."),
        "de": ("Ihre Punkte bei $shop warten auf Sie", "Hallo $name,\n\nIhr Guthaben: $points $points_word – genug für $reward. Kommen Sie vorbei und lösen Sie Ihre Punkte ein."),
        "es": ("Tienes puntos esperándote en $shop", "Hola $name,\n\nTu saldo de $points $points_word alcanza para $reward. Vuelve a usar tus puntos."),
        "pt-BR": ("Você tem pontos esperando em $shop", "Olá $name,\n\nSeu saldo de $points $points_word já dá para $reward. Volte e use seus pontos."),
        "ro": ("Ai puncte care te așteaptă la $shop", "Bună, $name,\n\nCu soldul tău de $points $points_word poți obține $reward. Revino și folosește-ți punctele."),
        "zh-CN": ("您在 $shop 还有积分待使用", "$name，您好：\n\n您有 $points $points_word，足以兑换 $reward。欢迎回来使用。"),
        "zh-TW": ("您在 $shop 還有點數待使用", "$name，您好：\n\n您有 $points $points_word，足以兌換 $reward。歡迎回來使用。"),
    },
}
# fmt: on
# What the merchant's admin calls each kind (the admin speaks English).
KIND_NAMES = {
    "points_earned": "Points earned",
    "points_expiring": "Points about to expire",
    "points_expired": "Points expired",
    "birthday": "Birthday gift",
    "tier_changed": "New VIP tier",
    "referral_credited": "Referral rewarded",
    "reward_redeemed": "Reward redeemed",
    "dormant_nudge": "Points waiting (nudge)",
}
# An event of a kind with no text of its own.
# fmt: off
FALLBACK = {
    "en": ("News about your points at $shop", "Hi $name,\n\nYour balance is $balance $balance_word."),
    "fr": ("Du nouveau sur vos points chez $shop", "Bonjour $name,\n\nVotre solde est de $balance $balance_word."),
    "de": ("Neues zu Ihren Punkten bei $shop", "Hallo $name,\n\nIhr Kontostand: $balance $balance_word."),
    "es": ("Novedades sobre tus puntos en $shop", "Hola $name,\n\nTu saldo es de $balance $balance_word."),
    "pt-BR": ("Novidades sobre seus pontos em $shop", "Olá $name,\n\nSeu saldo é de $balance $balance_word."),
    "ro": ("Noutăți despre punctele tale la $shop", "Bună, $name,\n\nSoldul tău: $balance $balance_word."),
    "zh-CN": ("您在 $shop 的积分动态", "$name，您好：\n\n当前余额：$balance $balance_word。"),
    "zh-TW": ("您在 $shop 的點數動態", "$name，您好：\n\n目前餘額：$balance $balance_word。"),
}
UNSUBSCRIBE = {
    "en": "You get these mails as a member of $shop's rewards program. To stop them, unsubscribe from the rewards page.",
    "fr": "Vous recevez ces messages en tant que membre du programme de fidélité de $shop. Pour ne plus les recevoir, désabonnez-vous depuis la page des récompenses.",
    "de": "Sie erhalten diese E-Mails als Mitglied des Treueprogramms von $shop. Abmelden können Sie sich auf der Prämienseite.",
    "es": "Recibes estos correos como miembro del programa de recompensas de $shop. Para dejar de recibirlos, date de baja en la página de recompensas.",
    "pt-BR": "Você recebe estes e-mails por participar do programa de fidelidade de $shop. Para não recebê-los mais, cancele a inscrição na página de recompensas.",
    "ro": "Primești aceste e-mailuri ca membru al programului de fidelitate $shop. Pentru a nu le mai primi, dezabonează-te de pe pagina recompenselor.",
    "zh-CN": "您是 $shop 会员计划的成员，因此收到此邮件。如需停止接收，请在奖励页面退订。",
    "zh-TW": "您是 $shop 會員計畫的成員，因此收到此郵件。如需停止接收，請在獎勵頁面取消訂閱。",
}
# fmt: on
# The call to action of the HTML mail (and its line in the text mail): to the rewards page.
BUTTON = {
    "en": "See your rewards",
    "fr": "Voir vos récompenses",
    "de": "Ihre Prämien ansehen",
    "es": "Ver tus recompensas",
    "pt-BR": "Ver suas recompensas",
    "ro": "Vezi recompensele tale",
    "zh-CN": "查看我的奖励",
    "zh-TW": "查看我的獎勵",
}  # fmt: skip
# The counts a text may follow with their word: $points_word, $balance_word.
COUNTED = ("points", "balance")


@dataclass(frozen=True)
class Mail:
    """One mail's words, filled in: the text part is `body`, then the footer; the HTML part lays the same out."""

    lang: str
    subject: str
    body: str
    footer: str
    button: str


def said(lang: str, values: dict) -> dict:
    """An event's values as the language says them: each count written its way and followed by its
    word, the date in words, the ledger's reason in the language (the merchant's own words stay)."""
    out = dict(values)
    for name in COUNTED:
        if isinstance(values.get(name), int):
            out[name] = words.number(lang, values[name])
            out[f"{name}_word"] = words.plural(lang, values[name], words.POINTS[lang])
    if isinstance(values.get("expires_at"), str):
        with suppress(ValueError):  # not a date the notifier wrote: as it is
            out["expires_at"] = words.day(lang, date.fromisoformat(values["expires_at"]))
    if isinstance(values.get("reason"), str):
        out["reason"] = reasons.say(values["reason"], lang)
    return out


def counting(lang: str) -> str:
    """How $points_word follows a number in the language, for the merchant writing in it:
    "0 puncte · 1 punct · 2 puncte · 20 de puncte"."""
    return " · ".join(words.points(lang, n) for n in (0, 1, 2, 20))


def compose(kind: str, locale: str | None, values: dict, custom: dict | None = None) -> Mail:
    """The mail for an event: the merchant's own text for its kind and language when there is one
    (`custom`: {kind: {lang: {subject, body}}}), the built-in one otherwise; the footer always."""
    lang = words.language(locale)
    own = (custom or {}).get(kind, {}).get(lang)
    texts = MESSAGES.get(kind, FALLBACK)
    subject, body = (own["subject"], own["body"]) if own else texts[lang]
    filled = said(lang, values)

    def fill(text: str) -> str:
        return Template(text).safe_substitute(filled)

    return Mail(lang, fill(subject), fill(body), fill(UNSUBSCRIBE[lang]), BUTTON[lang])


def render(kind: str, locale: str | None, values: dict, custom: dict | None = None) -> tuple[str, str]:
    """The subject and the plain text, footer included (what the admin's preview shows)."""
    mail = compose(kind, locale, values, custom)
    return mail.subject, mail.body + "\n\n-- \n" + mail.footer

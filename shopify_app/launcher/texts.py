# ruff: noqa: E501, RUF001  (texts read better one language to a line; CJK punctuation is meant)
"""What the app proxy says to shoppers, in the eight languages of the launcher.

The launcher sends `?locale=<shop locale>`; it is taken to the nearest of the
eight (core/words.py), English when none is near. Titles avoid plural forms
("Points per USD spent: 1") so no language needs plural rules here.
"""

from __future__ import annotations

from string import Template

from shopify_app.core import words

TEXTS: dict[str, dict[str, str]] = {
    # Ways to earn
    "earn.purchase": {
        "en": "Points per $currency spent: $points",
        "de": "Punkte pro ausgegebenem $currency: $points",
        "es": "Puntos por cada $currency gastado: $points",
        "fr": "Points par $currency dépensé : $points",
        "pt-BR": "Pontos por $currency gasto: $points",
        "ro": "Puncte pentru fiecare $currency cheltuit: $points",
        "zh-CN": "每消费 1 $currency 可得积分：$points",
        "zh-TW": "每消費 1 $currency 可得點數：$points",
    },
    "earn.signup": {
        "en": "Create an account",
        "de": "Konto erstellen",
        "es": "Crea una cuenta",
        "fr": "Créez un compte",
        "pt-BR": "Crie uma conta",
        "ro": "Creează un cont",
        "zh-CN": "创建账户",
        "zh-TW": "建立帳戶",
    },
    "earn.birthday": {
        "en": "Birthday",
        "de": "Geburtstag",
        "es": "Cumpleaños",
        "fr": "Anniversaire",
        "pt-BR": "Aniversário",
        "ro": "Zi de naștere",
        "zh-CN": "生日",
        "zh-TW": "生日",
    },
    "earn.social_follow": {
        "en": "Follow us",
        "de": "Folge uns",
        "es": "Síguenos",
        "fr": "Suivez-nous",
        "pt-BR": "Siga-nos",
        "ro": "Urmărește-ne",
        "zh-CN": "关注我们",
        "zh-TW": "關注我們",
    },
    "earn.social_share": {
        "en": "Share with friends",
        "de": "Mit Freunden teilen",
        "es": "Comparte con tus amigos",
        "fr": "Partagez avec vos amis",
        "pt-BR": "Compartilhe com amigos",
        "ro": "Distribuie prietenilor",
        "zh-CN": "分享给好友",
        "zh-TW": "分享給好友",
    },
    "earn.newsletter": {
        "en": "Join our newsletter",
        "de": "Newsletter abonnieren",
        "es": "Suscríbete al boletín",
        "fr": "Abonnez-vous à la newsletter",
        "pt-BR": "Assine a newsletter",
        "ro": "Abonează-te la newsletter",
        "zh-CN": "订阅新闻通讯",
        "zh-TW": "訂閱電子報",
    },
    "earn.review": {
        "en": "Write a review",
        "de": "Bewertung schreiben",
        "es": "Escribe una reseña",
        "fr": "Écrivez un avis",
        "pt-BR": "Escreva uma avaliação",
        "ro": "Scrie o recenzie",
        "zh-CN": "撰写评价",
        "zh-TW": "撰寫評論",
    },
    "earn.profile": {
        "en": "Complete your profile",
        "de": "Profil vervollständigen",
        "es": "Completa tu perfil",
        "fr": "Complétez votre profil",
        "pt-BR": "Complete seu perfil",
        "ro": "Completează-ți profilul",
        "zh-CN": "完善个人资料",
        "zh-TW": "完善個人資料",
    },
    # Refusals
    "invalid_date": {
        "en": "Send your birthday as MM-DD, for example 04-23.",
        "de": "Gib deinen Geburtstag als MM-TT an, z. B. 04-23.",
        "es": "Indica tu cumpleaños como MM-DD, por ejemplo 04-23.",
        "fr": "Indiquez votre anniversaire au format MM-JJ, par exemple 04-23.",
        "pt-BR": "Informe seu aniversário como MM-DD, por exemplo 04-23.",
        "ro": "Trimite ziua ta de naștere ca LL-ZZ, de exemplu 04-23.",
        "zh-CN": "请按 MM-DD 格式填写生日，例如 04-23。",
        "zh-TW": "請以 MM-DD 格式填寫生日，例如 04-23。",
    },
    "not_available": {
        "en": "This way to earn is not available.",
        "de": "Diese Möglichkeit, Punkte zu sammeln, gibt es nicht.",
        "es": "Esta forma de ganar puntos no está disponible.",
        "fr": "Cette façon de gagner des points n'est pas disponible.",
        "pt-BR": "Esta forma de ganhar pontos não está disponível.",
        "ro": "Această modalitate de a câștiga puncte nu este disponibilă.",
        "zh-CN": "此赚取积分方式不可用。",
        "zh-TW": "此賺取點數方式無法使用。",
    },
    "already_done": {
        "en": "You have already earned points for this.",
        "de": "Dafür hast du bereits Punkte erhalten.",
        "es": "Ya has ganado puntos por esto.",
        "fr": "Vous avez déjà gagné des points pour cela.",
        "pt-BR": "Você já ganhou pontos por isso.",
        "ro": "Ai primit deja puncte pentru asta.",
        "zh-CN": "您已因此获得过积分。",
        "zh-TW": "您已因此獲得過點數。",
    },
    "limit_reached": {
        "en": "You have reached the limit for this for now.",
        "de": "Dafür hast du das Limit vorerst erreicht.",
        "es": "Has alcanzado el límite por ahora.",
        "fr": "Vous avez atteint la limite pour le moment.",
        "pt-BR": "Você atingiu o limite por enquanto.",
        "ro": "Ai atins limita pentru moment.",
        "zh-CN": "您暂时已达到此项上限。",
        "zh-TW": "您暫時已達到此項上限。",
    },
    "newsletter_refused": {
        "en": "The shop could not subscribe this account to the newsletter. Nothing has changed.",
        "de": "Der Shop konnte dieses Konto nicht für den Newsletter anmelden. Es hat sich nichts geändert.",
        "es": "La tienda no pudo suscribir esta cuenta al boletín. No ha cambiado nada.",
        "fr": "La boutique n'a pas pu abonner ce compte à la newsletter. Rien n'a changé.",
        "pt-BR": "A loja não conseguiu inscrever esta conta na newsletter. Nada foi alterado.",
        "ro": "Magazinul nu a putut abona acest cont la newsletter. Nu s-a schimbat nimic.",
        "zh-CN": "商店无法为此账户订阅新闻通讯，未做任何更改。",
        "zh-TW": "商店無法為此帳戶訂閱電子報，未做任何變更。",
    },
    "newsletter_unavailable": {
        "en": "We could not reach the shop to subscribe you. Nothing has changed; please try again in a moment.",
        "de": "Wir konnten den Shop für deine Anmeldung nicht erreichen. Es hat sich nichts geändert; versuche es gleich noch einmal.",
        "es": "No pudimos contactar con la tienda para suscribirte. No ha cambiado nada; inténtalo de nuevo en un momento.",
        "fr": "Nous n'avons pas pu joindre la boutique pour vous abonner. Rien n'a changé ; réessayez dans un instant.",
        "pt-BR": "Não conseguimos falar com a loja para inscrever você. Nada foi alterado; tente de novo em instantes.",
        "ro": "Nu am putut contacta magazinul pentru abonare. Nu s-a schimbat nimic; încearcă din nou peste câteva clipe.",
        "zh-CN": "暂时无法连接商店为您订阅，未做任何更改，请稍后再试。",
        "zh-TW": "暫時無法連線商店為您訂閱，未做任何變更，請稍後再試。",
    },
    "insufficient_points": {
        "en": "You need $missing more points for this reward.",
        "de": "Dir fehlen noch $missing Punkte für diese Prämie.",
        "es": "Te faltan $missing puntos para esta recompensa.",
        "fr": "Il vous manque $missing points pour cette récompense.",
        "pt-BR": "Faltam $missing pontos para esta recompensa.",
        "ro": "Îți mai trebuie $missing puncte pentru această recompensă.",
        "zh-CN": "兑换此奖励还差 $missing 积分。",
        "zh-TW": "兌換此獎勵還差 $missing 點。",
    },
    "reward_unavailable": {
        "en": "This reward is not available any more.",
        "de": "Diese Prämie gibt es nicht mehr.",
        "es": "Esta recompensa ya no está disponible.",
        "fr": "Cette récompense n'est plus disponible.",
        "pt-BR": "Esta recompensa não está mais disponível.",
        "ro": "Această recompensă nu mai este disponibilă.",
        "zh-CN": "此奖励已不可用。",
        "zh-TW": "此獎勵已無法使用。",
    },
    "limit_reached_reward": {
        "en": "You have redeemed this reward as often as it allows.",
        "de": "Du hast diese Prämie so oft eingelöst, wie es geht.",
        "es": "Ya has canjeado esta recompensa el máximo de veces.",
        "fr": "Vous avez échangé cette récompense autant de fois que possible.",
        "pt-BR": "Você já resgatou esta recompensa o máximo de vezes.",
        "ro": "Ai folosit această recompensă de câte ori se permite.",
        "zh-CN": "此奖励的兑换次数已用完。",
        "zh-TW": "此獎勵的兌換次數已用完。",
    },
    "in_progress": {
        "en": "Your reward is still being created; try again in a moment.",
        "de": "Deine Prämie wird noch erstellt; versuche es gleich noch einmal.",
        "es": "Tu recompensa aún se está creando; inténtalo de nuevo en un momento.",
        "fr": "Votre récompense est en cours de création ; réessayez dans un instant.",
        "pt-BR": "Sua recompensa ainda está sendo criada; tente de novo em instantes.",
        "ro": "Recompensa ta încă se creează; încearcă din nou peste câteva clipe.",
        "zh-CN": "奖励仍在生成中，请稍后再试。",
        "zh-TW": "獎勵仍在產生中，請稍後再試。",
    },
    "reward_not_issued": {
        "en": "We could not create your reward. Your $points points are back.",
        "de": "Wir konnten deine Prämie nicht erstellen. Deine $points Punkte sind zurück.",
        "es": "No pudimos crear tu recompensa. Tus $points puntos han vuelto.",
        "fr": "Nous n'avons pas pu créer votre récompense. Vos $points points vous sont rendus.",
        "pt-BR": "Não conseguimos criar sua recompensa. Seus $points pontos voltaram.",
        "ro": "Nu am putut crea recompensa. Cele $points puncte ți-au fost returnate.",
        "zh-CN": "未能生成您的奖励，$points 积分已退回。",
        "zh-TW": "無法產生您的獎勵，$points 點已退回。",
    },
}


def say(key: str, locale: str | None, **values) -> str:
    """The text in the nearest of the eight languages ("pt-PT" -> "pt-BR", "zh-HK" -> "zh-TW", else English), placeholders filled."""
    return Template(TEXTS[key][words.language(locale)]).safe_substitute(values)

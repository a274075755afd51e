class LoyaltyError(Exception):
    """A request the program refuses; the message is safe to show."""


class UnknownShop(LoyaltyError):
    pass


class NotFound(LoyaltyError):
    """What the request names is not in this shop (a reward, a tier, a key): a 404 wherever it is asked for."""


class InvalidCommand(LoyaltyError):
    """The input cannot be acted on, now or on retry."""

class LoyaltyError(Exception):
    """A request the program refuses; the message is safe to show."""


class UnknownShop(LoyaltyError):
    pass


class InvalidCommand(LoyaltyError):
    """The input cannot be acted on, now or on retry."""

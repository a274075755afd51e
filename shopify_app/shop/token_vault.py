"""Access and refresh tokens encrypted at rest with Fernet (the `cryptography` package).

MultiFernet encrypts with the first key and decrypts with any, so a key is
rotated by putting the new one first and keeping the old one until
`perks rotate-tokens` has re-encrypted every shop.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shopify_app.core.config import Settings


class TokenVault:
    def __init__(self, keys: tuple[str, ...]):
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenVault:
        return cls(settings.encryption_keys or (_derived_key(settings.shopify_api_secret),))

    def encrypt(self, token: str) -> bytes:
        return self._fernet.encrypt(token.encode())

    def decrypt(self, ciphertext: bytes) -> str:
        try:
            return self._fernet.decrypt(ciphertext).decode()
        except InvalidToken as error:
            raise ValueError("a stored token cannot be decrypted with the configured keys") from error

    def rotate(self, ciphertext: bytes) -> bytes:
        return self._fernet.rotate(ciphertext)


def _derived_key(secret: str) -> str:
    material = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"perks-token-vault", info=b"fernet").derive(secret.encode())
    return base64.urlsafe_b64encode(material).decode()

"""Secrets kept in the database encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256): the URSSAF's API
secrets of each structure and the bank details of the clients registered for the immediate advance.

The key is `FIELD_ENCRYPTION_KEY` (any text, hashed into a Fernet key); without it, one derived from
`SECRET_KEY` — so changing either makes the stored secrets unreadable: enter them again.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    material = getattr(settings, "FIELD_ENCRYPTION_KEY", "") or f"field-encryption:{settings.SECRET_KEY}"
    key = base64.urlsafe_b64encode(hashlib.sha256(material.encode()).digest())
    return Fernet(key)


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    """The clear text; "" for an empty or unreadable token (a key changed without re-saving the rows)."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""

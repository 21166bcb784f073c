"""Citizens' identifiers: validation, normalisation, encryption and keyed hashes.

The Thai national ID is stored encrypted (Fernet) with an HMAC kept beside it, so that a
case can be found by ID without the ID being readable in the database. Keys come from
FIELD_ENCRYPTION_KEY and LOOKUP_HASH_KEY, or are derived from SECRET_KEY when unset (a
development convenience: production sets both, so that rotating SECRET_KEY loses nothing).
"""

import base64
import hashlib
import hmac
import re
import secrets
from functools import cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Letters and digits that cannot be confused when read out on the phone (no 0/O, 1/I/L, U).
READABLE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def random_code(length: int) -> str:
    return "".join(secrets.choice(READABLE_ALPHABET) for _ in range(length))


def new_secret() -> str:
    """A case's verification secret: 8 readable characters, shown as XXXX-XXXX."""
    code = random_code(8)
    return f"{code[:4]}-{code[4:]}"


def secret_hash(secret: str) -> str:
    """The keyed hash kept of a secret; spaces, dashes and letter case do not matter."""
    return keyed_hash(re.sub(r"[\s-]", "", secret or "").upper())


def _derived_key(purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        settings.SECRET_KEY.encode()
    )


@cache
def _fernet(configured: str) -> Fernet:
    key = (
        configured.encode()
        if configured
        else base64.urlsafe_b64encode(_derived_key("national-id-encryption"))
    )
    return Fernet(key)


@cache
def _lookup_key(configured: str) -> bytes:
    return configured.encode() if configured else _derived_key("lookup-hash")


def encrypt(value: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()


def keyed_hash(value: str) -> str:
    """A stable HMAC-SHA256 of a value, for finding equal values without storing them."""
    key = _lookup_key(settings.LOOKUP_HASH_KEY)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def normalise_national_id(value: str) -> str:
    """13 digits of a Thai national ID, with spaces and dashes removed; raises if invalid.

    Thai digits are read as the same numbers, so an ID typed either way is stored alike.
    """
    digits = re.sub(r"[\s-]", "", (value or "").translate(THAI_DIGITS))
    if not re.fullmatch(r"[0-9]{13}", digits):
        raise ValidationError(_("A Thai national ID has 13 digits."), code="national_id_length")
    total = sum(
        int(digit) * weight for digit, weight in zip(digits[:12], range(13, 1, -1), strict=True)
    )
    if (11 - total % 11) % 10 != int(digits[12]):
        raise ValidationError(
            _("This national ID is not valid: please check the digits."),
            code="national_id_check_digit",
        )
    return digits


def normalise_phone(value: str) -> str:
    """A Thai phone number as its 9 or 10 digits starting with 0 (+66 becomes 0)."""
    digits = re.sub(r"[\s().-]", "", (value or "").translate(THAI_DIGITS))
    if digits.startswith("+66"):
        digits = "0" + digits[3:]
    elif digits.startswith("66") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not re.fullmatch(r"0[0-9]{8,9}", digits):
        raise ValidationError(
            _("Enter a Thai phone number of 9 or 10 digits, such as 081 234 5678."),
            code="phone",
        )
    return digits

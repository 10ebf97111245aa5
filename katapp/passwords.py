"""Password hashing (argon2id) and the password policy.

Policy (NIST SP 800-63B): 12 to 128 characters, any characters (emoji too), no composition
rules, the most common passwords refused.
"""
from __future__ import annotations

import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 12
MAX_LENGTH = 128

# Common passwords of 12+ characters from public breach-frequency lists, plus keyboard walks.
# Shorter ones are already refused by the length rule.
COMMON = frozenset(
    """
123456789012 1234567890123 12345678901234 123456789012345 1234567890123456 qwertyuiopas
qwertyuiop12 qwertyuiop123 1q2w3e4r5t6y 1q2w3e4r5t6y7u 1qaz2wsx3edc 1qaz2wsx3edc4rfv
passwordpassword password1234 password12345 password123456 passw0rd1234 iloveyou1234
abcdefghijkl abcdefghijklm abcd12345678 abc123456789 aaaaaaaaaaaa 111111111111 000000000000
qwerty123456 qwertyqwerty asdfghjklzxc zxcvbnmasdfg letmein12345 letmeinletmein welcome12345
welcome123456 administrator changeme1234 monkeymonkey trustno1trustno1 superman1234
princess1234 football1234 baseball1234 sunshine1234 starwars1234 dragondragon masterkey123
michael12345 jessica12345 1234qwerasdf qazwsxedcrfv zaq12wsxcde3 q1w2e3r4t5y6 a1b2c3d4e5f6
987654321098 123123123123 121212121212 11223344556677 ilovejesus123 jesuschrist1 mypassword123
thisismypassword correcthorsebatterystaple katappkatapp ketamine1234 ketamine12345
""".split()
)


def validate_password(password: str, *, email: str | None = None) -> str | None:
    """Return an error message for a password that breaks the policy, or None when it is fine."""
    if not isinstance(password, str):
        return "Enter a password."
    length = len(unicodedata.normalize("NFC", password))
    if length < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters (a few words make a good password)."
    if length > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    folded = password.casefold()
    if folded in COMMON or "".join(folded.split()) in COMMON or len(set(folded)) <= 2:
        return "That password is too common. Choose something harder to guess."
    if email and folded in {email.casefold(), email.split("@")[0].casefold()}:
        return "Do not use your email address as your password."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(unicodedata.normalize("NFC", password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches. With no hash, still spends the hashing time (no timing leak)."""
    candidate = unicodedata.normalize("NFC", password or "")
    if not password_hash:
        try:
            _hasher.verify(_DUMMY_HASH, candidate)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return _hasher.verify(password_hash, candidate)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


_DUMMY_HASH = _hasher.hash("katapp-dummy-password-for-timing")

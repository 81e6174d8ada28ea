"""The callback signatures of the QQ bot platform: ed25519 with a key pair derived from the AppSecret.

seed = the secret repeated until it is at least 32 bytes, cut to 32; the private key is the ed25519 key of
that seed (the platform's Go sample: `ed25519.GenerateKey(strings.NewReader(seed))`). A callback carries
`X-Signature-Ed25519` (hex) over `X-Signature-Timestamp` + the raw body; the URL validation (op 13) is
answered with the hex signature of `event_ts` + `plain_token`. Pure functions: no I/O, no logging.
"""

from __future__ import annotations

import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

SEED_SIZE = 32
SIGNATURE_SIZE = 64


class SignatureError(Exception):
    """A callback whose signature is missing, malformed or wrong: not from the platform."""


def seed_of(secret: str) -> bytes:
    """The 32-byte ed25519 seed: the secret repeated until long enough, then cut."""
    raw = secret.encode()
    if not raw:
        raise ValueError("the bot secret is empty")
    seed = raw
    while len(seed) < SEED_SIZE:
        seed += raw
    return seed[:SEED_SIZE]


class Signer:
    """Signs and verifies for one bot: the platform and we derive the same key from the AppSecret."""

    def __init__(self, secret: str) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(seed_of(secret))
        self._public: Ed25519PublicKey = self._key.public_key()

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte public key (what the platform verifies our handshake answer with)."""
        return self._public.public_bytes(Encoding.Raw, PublicFormat.Raw)

    def sign(self, message: bytes) -> str:
        """The hex signature of `message`."""
        return self._key.sign(message).hex()

    def sign_callback(self, timestamp: str, body: bytes) -> str:
        """What the platform puts in X-Signature-Ed25519 for this timestamp and body."""
        return self.sign(timestamp.encode() + body)

    def answer_validation(self, event_ts: str, plain_token: str) -> str:
        """The `signature` of the op 13 answer: ed25519 over event_ts + plain_token, hex."""
        return self.sign((event_ts + plain_token).encode())

    def verify(self, signature_hex: str, timestamp: str, body: bytes) -> None:
        """Raise SignatureError unless `signature_hex` signs timestamp + body with our key."""
        if not signature_hex or not timestamp:
            raise SignatureError("missing X-Signature-Ed25519 or X-Signature-Timestamp")
        try:
            signature = bytes.fromhex(signature_hex)
        except (ValueError, binascii.Error):
            raise SignatureError("X-Signature-Ed25519 is not hex") from None
        # The platform's sample also refuses a signature whose top three bits are set (non-canonical S).
        if len(signature) != SIGNATURE_SIZE or signature[63] & 0xE0:
            raise SignatureError("X-Signature-Ed25519 is not an ed25519 signature")
        try:
            self._public.verify(signature, timestamp.encode() + body)
        except InvalidSignature:
            raise SignatureError("the signature does not match") from None

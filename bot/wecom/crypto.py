"""WXBizMsgCrypt, the callback encryption of WeCom (企业微信 加解密方案), on `cryptography`.

key = base64(EncodingAESKey + "="), 32 bytes; AES-256-CBC with IV = key[:16]; PKCS#7 padding to a
32-byte block; plaintext = 16 random bytes + 4-byte big-endian length + message + receiveid (the corp
id). `msg_signature` = SHA1 of the sorted concatenation of token, timestamp, nonce and the ciphertext.
Pure functions over bytes and strings: no I/O, no logging.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeCom pads to 32 bytes, not to AES's 16
AES_KEY_CHARS = 43


class CryptoError(Exception):
    """A callback that cannot be trusted or read; the subclass says why."""


class SignatureError(CryptoError):
    """The msg_signature does not match: not from WeCom (or not for our token)."""


class DecryptError(CryptoError):
    """The ciphertext is malformed (base64, block size, padding or length field)."""


class ReceiveIdError(CryptoError):
    """The message was encrypted for another corp id."""


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    """The msg_signature WeCom computes: SHA1 hex of the four strings sorted and joined."""
    joined = "".join(sorted((token, timestamp, nonce, encrypted)))
    return hashlib.sha1(joined.encode()).hexdigest()  # noqa: S324 - the protocol's choice, not ours


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key from the console's 43-character EncodingAESKey."""
    if len(encoding_aes_key) != AES_KEY_CHARS:
        raise ValueError("the EncodingAESKey must be 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise ValueError("the EncodingAESKey is not base64") from exc
    if len(key) != 32:  # pragma: no cover - 43 base64 chars + "=" always decode to 32 bytes
        raise ValueError("the EncodingAESKey does not decode to 32 bytes")
    return key


def _pad(data: bytes) -> bytes:
    n = BLOCK - len(data) % BLOCK
    return data + bytes([n]) * n


def _unpad(data: bytes) -> bytes:
    if not data:
        raise DecryptError("empty plaintext")
    n = data[-1]
    if not 1 <= n <= BLOCK or n > len(data) or data[-n:] != bytes([n]) * n:
        raise DecryptError("bad padding")
    return data[:-n]


class WeComCrypto:
    """Signs, verifies, encrypts and decrypts callback payloads for one app (token, key, corp id)."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        self._token = token
        self._key = aes_key(encoding_aes_key)
        self._receive_id = receive_id.encode()

    def __repr__(self) -> str:  # never print the token or the key
        return f"WeComCrypto(receive_id={self._receive_id.decode()!r})"

    def sign(self, timestamp: str, nonce: str, encrypted: str) -> str:
        """The msg_signature for this payload."""
        return signature(self._token, timestamp, nonce, encrypted)

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> None:
        """Raise SignatureError unless `msg_signature` matches (compared in constant time)."""
        expected = self.sign(timestamp, nonce, encrypted)
        if not hmac.compare_digest(expected.encode(), msg_signature.encode()):
            raise SignatureError("msg_signature does not match")

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(self, message: str, random16: bytes | None = None) -> str:
        """Base64 ciphertext of `message` for our receive id (`random16` only for fixed test vectors)."""
        prefix = os.urandom(16) if random16 is None else random16
        if len(prefix) != 16:
            raise ValueError("random16 must be 16 bytes")
        body = message.encode()
        plain = prefix + struct.pack(">I", len(body)) + body + self._receive_id
        encryptor = self._cipher().encryptor()
        data = encryptor.update(_pad(plain)) + encryptor.finalize()
        return base64.b64encode(data).decode()

    def decrypt(self, encrypted: str) -> str:
        """The message inside `encrypted`; DecryptError if malformed, ReceiveIdError if not for us."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DecryptError("ciphertext is not base64") from exc
        if not data or len(data) % 16:
            raise DecryptError("ciphertext is not a whole number of AES blocks")
        decryptor = self._cipher().decryptor()
        plain = _unpad(decryptor.update(data) + decryptor.finalize())
        if len(plain) < 20:
            raise DecryptError("plaintext too short")
        (length,) = struct.unpack(">I", plain[16:20])
        end = 20 + length
        if end > len(plain):
            raise DecryptError("length field beyond the plaintext")
        if not hmac.compare_digest(plain[end:], self._receive_id):
            raise ReceiveIdError("message is for another receive id")
        try:
            return plain[20:end].decode()
        except UnicodeDecodeError as exc:
            raise DecryptError("message is not UTF-8") from exc

    def open(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> str:
        """Verify the signature, then decrypt: the one call a callback route needs."""
        self.verify(msg_signature, timestamp, nonce, encrypted)
        return self.decrypt(encrypted)

    def seal(self, message: str, timestamp: str, nonce: str) -> tuple[str, str]:
        """Encrypt and sign: (ciphertext, msg_signature), as WeCom sends a callback."""
        encrypted = self.encrypt(message)
        return encrypted, self.sign(timestamp, nonce, encrypted)

"""Ed25519 device keys: created at first run, stored readable by the owner only."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class DeviceKey:
    """A device's signing key; the public half identifies the device to the server."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private = private_key
        self.public_key = private_key.public_key()
        raw = self.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.public_b64 = base64.b64encode(raw).decode("ascii")

    @classmethod
    def generate(cls) -> DeviceKey:
        """A fresh random key (tests, servers that keep their key elsewhere)."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load_or_create(cls, path: Path) -> DeviceKey:
        """Load the key at ``path``, or create it there with mode 0600 if it does not exist.

        The file is created with O_EXCL so that two processes starting at once cannot both
        write a key; the loser reads the winner's.
        """
        path = Path(path)
        if path.exists():
            return cls.from_pem(path.read_bytes())
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        key = cls.generate()
        pem = key._private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return cls.from_pem(path.read_bytes())
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        return key

    @classmethod
    def from_pem(cls, pem: bytes) -> DeviceKey:
        """Read a PKCS#8 PEM Ed25519 private key."""
        private = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError("not an Ed25519 key")
        return cls(private)

    def sign(self, data: bytes) -> str:
        """Base64 Ed25519 signature over ``data``."""
        return base64.b64encode(self._private.sign(data)).decode("ascii")


def public_key_from_b64(value: str) -> Ed25519PublicKey:
    """Parse a base64 raw 32-byte Ed25519 public key; ValueError if it is not one."""
    raw = base64.b64decode(value, validate=True)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)

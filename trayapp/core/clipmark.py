"""The mark of what trayapp put on the clipboard: enough to know it is still there, never the text."""

from __future__ import annotations


def fingerprint(text: str) -> str:
    """A hash that tells whether the clipboard still holds what we put there, without keeping it."""
    import hashlib  # OpenSSL's libcrypto: ~3.5 MiB, not needed to start the tray

    return hashlib.sha256(text.encode("utf-8")).hexdigest()

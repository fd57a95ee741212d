"""Helpers for tests of signed tokens."""

from __future__ import annotations


def tampered(token: str) -> str:
    """Return the token with one character of its signature changed.

    Not the last character: in base64 its low bits may be padding that decoding ignores,
    so changing "A" to "B" there can leave the signature's bytes, and the token, valid.
    """
    i = len(token) - 5
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]

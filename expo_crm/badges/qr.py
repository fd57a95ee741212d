"""Badge codes (random id + truncated HMAC) and the QR symbols that carry them.

A code is 24 characters of upper-case base32 (``A–Z2–7``): 10 random bytes, then the first
5 bytes of HMAC-SHA256(SECRET_KEY, domain || id). Upper-case base32 fits the QR
alphanumeric mode, so the symbol stays small (version 2) and scans fast. The code holds no
personal data; a forged or altered code fails the signature check before any database
look-up.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import io
import secrets

import qrcode
import qrcode.constants

RANDOM_BYTES = 10
MAC_BYTES = 5
CODE_LENGTH = (RANDOM_BYTES + MAC_BYTES) * 8 // 5  # 24
ID_LENGTH = RANDOM_BYTES * 8 // 5  # 16
_DOMAIN = b"expo-crm/badge-code/v1\x00"


@functools.lru_cache(maxsize=8)
def _key(secret_key: str | bytes) -> bytes:
    raw = secret_key.encode() if isinstance(secret_key, str) else secret_key
    # Derive a badge-only key, so the same secret signs nothing else that could be replayed.
    return hashlib.sha256(b"expo-crm/badge-key\x00" + raw).digest()


def _mac(key: bytes, random_part: bytes) -> bytes:
    return hmac.new(key, _DOMAIN + random_part, hashlib.sha256).digest()[:MAC_BYTES]


def app_secret() -> str:
    """The running app's SECRET_KEY, which signs badge codes."""
    from flask import current_app

    return str(current_app.config["SECRET_KEY"])


def new_code(secret_key: str | bytes) -> tuple[str, str]:
    """Return a fresh (badge id, code): the id is the code's first 16 characters."""
    random_part = secrets.token_bytes(RANDOM_BYTES)
    raw = random_part + _mac(_key(secret_key), random_part)
    code = base64.b32encode(raw).decode("ascii")
    return code[:ID_LENGTH], code


def normalize(text: str) -> str:
    """Tidy what a scanner typed: strip spaces, upper-case, drop a URL or prefix around it."""
    cleaned = "".join(text.split()).upper()
    return cleaned.rsplit("/", 1)[-1]


def verify(secret_key: str | bytes, code: str) -> str | None:
    """Return the badge id of a well-formed, correctly signed code, else None."""
    if len(code) != CODE_LENGTH:
        return None
    try:
        raw = base64.b32decode(code.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None
    random_part, mac = raw[:RANDOM_BYTES], raw[RANDOM_BYTES:]
    if not hmac.compare_digest(mac, _mac(_key(secret_key), random_part)):
        return None
    return code[:ID_LENGTH]


def qr_matrix(code: str) -> list[list[bool]]:
    """Return the modules of a code's QR symbol (level M, 4-module quiet zone)."""
    # Version 2 holds 38 alphanumeric characters at level M; fixing version and mask skips
    # the searches that make up most of qrcode's time (every mask decodes equally well).
    version = 2 if len(code) <= 38 else None
    symbol = qrcode.QRCode(
        version=version,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
        mask_pattern=0 if version else None,
    )
    symbol.add_data(qrcode.util.QRData(code, mode=qrcode.util.MODE_ALPHA_NUM))
    symbol.make(fit=version is None)
    return symbol.get_matrix()


def qr_png(code: str) -> bytes:
    """Return the QR symbol as a tiny PNG, one pixel per module (print it unsmoothed)."""
    from PIL import Image

    matrix = qr_matrix(code)
    size = len(matrix)
    image = Image.new("1", (size, size), 1)
    image.putdata([0 if dark else 1 for row in matrix for dark in row])
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def qr_svg(code: str, *, dark: str = "#000000") -> str:
    """Return the QR symbol of a code as a small standalone SVG (one path, 4-module margin)."""
    matrix = qr_matrix(code)
    size = len(matrix)
    parts = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="{dark}" d="{"".join(parts)}"/></svg>'
    )

"""Synthetic camera scenes (a business card, a confirmation QR code) as fake camera feeds (Y4M)."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

CARD_LINES = [
    ("Ana Silva", 64),
    ("Purchasing Manager", 40),
    ("Acme Packaging Ltda.", 48),
    ("ana.silva@acme-pack.example", 36),
    ("+55 11 98765-4321", 36),
    ("www.acme-pack.example", 36),
]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def card_photo(width: int = 1280, height: int = 720) -> Image.Image:
    """A white card with dark text on a darker desk, as a camera would see it."""
    photo = Image.new("RGB", (width, height), (70, 60, 50))
    card_w, card_h = int(width * 0.7), int(width * 0.7 / 1.75)
    left, top = (width - card_w) // 2, (height - card_h) // 2
    card = Image.new("RGB", (card_w, card_h), (250, 250, 246))
    draw = ImageDraw.Draw(card)
    y = int(card_h * 0.08)
    for text, size in CARD_LINES:
        font = ImageFont.truetype(FONT, int(size * card_w / 1000))
        draw.text((int(card_w * 0.07), y), text, fill=(20, 20, 30), font=font)
        y += int(size * card_w / 1000 * 1.45)
    photo.paste(card, (left, top))
    return photo


def card_jpeg() -> bytes:
    buffer = io.BytesIO()
    card_photo().save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def qr_photo(text: str, width: int = 1280, height: int = 720) -> Image.Image:
    """A phone screen showing a confirmation QR code (made with ``qrcode``), held to a camera."""
    import qrcode

    code = qrcode.make(text, box_size=10, border=4).get_image().convert("RGB")
    side = int(height * 0.7)
    code = code.resize((side, side), Image.Resampling.NEAREST)
    photo = Image.new("RGB", (width, height), (70, 60, 50))
    photo.paste(code, ((width - side) // 2, (height - side) // 2))
    return photo


def write_y4m(path: Path, frames: int = 3, image: Image.Image | None = None) -> Path:
    """Write a still image (the card photo by default) as a Y4M video for Chromium's fake camera."""
    rgb = np.asarray(image if image is not None else card_photo())
    height, width = rgb.shape[:2]
    yuv = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(yuv.tobytes())
    return path

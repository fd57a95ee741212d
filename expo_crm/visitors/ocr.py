"""Read business cards from photos: decode safely, find the card, orient it, read the lines.

The pipeline: one guarded decode (JPEG draft mode shrinks 12-megapixel photos while
decoding), one contour search for the card and a perspective warp, then the lines. A
text-line detector (a small neural network run by onnxruntime) finds each printed line,
even over photos and gradients where Tesseract's own layout analysis loses it; each line
is cut out level and scaled to one height. A line recognizer (another network) reads it,
and so does Tesseract (through tesserocr, models kept loaded), as photographed and as ink
thresholded by its own contrast; the readings vote character by character. Sideways cards
show as vertical lines and are turned; when a card still reads poorly Tesseract's
orientation-and-script detector (OSD) decides whether it is upside down or Chinese or
Japanese, and it is read again. Without the recognizer Tesseract reads the lines alone
(four ways); without the detector the reader falls back to Tesseract's page layout on
two renderings of the whole card.

`read_card` is the entry point for the kiosk; `readings_as_json` serves the CLI.
"""

from __future__ import annotations

import io
import logging
import math
import os
import re
import shutil
import subprocess
import threading
import time
import warnings
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import onnxruntime
import pytesseract
import tesserocr
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from rapidfuzz.distance import Levenshtein

from expo_crm.visitors.cardparse import FIELDS, CardFields, OcrLine, OcrWord, fold, parse_card

log = logging.getLogger(__name__)

# Tesseract's OpenMP threads fight each other on small images and with our process pool;
# one thread per Tesseract process is both faster per card and fairer to the kiosk.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

#: Uploads above this many bytes are refused before any decoding.
MAX_UPLOAD_BYTES = 40 * 1024 * 1024
#: Images above this many pixels (per the header) are refused: decompression-bomb guard.
MAX_PIXELS = 40_000_000
#: Photos are shrunk so their longer side is at most this while decoding: the size of a
#: 720p kiosk frame, so a 12-megapixel photo costs what a 720p one does (measured: same
#: accuracy as 1600 on the development set, a sixth less CPU).
WORK_SIDE = 1280
#: The cropped card is scaled so its longer side is this before OCR: about 290 dpi for a
#: standard 3.5-inch card, near Tesseract's sweet spot. Measured on the development set,
#: 1000 reads as well as 1200 for a fifth less CPU; 1600 reads worse.
OCR_SIDE = 1000
#: Smallest local contrast (grey levels) that the ink rendering stretches to full black;
#: weaker differences are paper grain and shading.
INK_FLOOR = 30.0
#: Sparse-text layout (cards are scattered text, not paragraphs), LSTM engine, and
#: Sauvola local thresholding, which copes with coloured and shaded card backgrounds.
TESSERACT_CONFIG = "--psm 11 --oem 1 -c thresholding_method=2 -c thresholding_window_size=0.2"
#: The text-line detector: PaddleOCR's PP-OCRv4 detection network (DB, "differentiable
#: binarization"; Apache-2.0), fetched from PyPI by scripts/models.py and run by
#: onnxruntime. Without it the reader falls back to Tesseract's own page layout.
TEXT_MODEL = Path(__file__).with_name("models") / "text_lines.onnx"
#: The line recognizer: PaddleOCR's PP-OCRv4 recognition network (SVTR with a CTC head,
#: Chinese and Latin script; Apache-2.0), from the same wheel. It reads logo lettering,
#: low-contrast and stylized print far better than Tesseract, which still votes on each
#: line and alone knows Japanese kana and accents such as "ã" and "ç". Without the file
#: lines are read by Tesseract alone.
READER_MODEL = Path(__file__).with_name("models") / "line_reader.onnx"
#: Languages whose script the line recognizer knows (its alphabet lacks Japanese kana).
READER_LANGUAGES = {"eng", "por", "spa", "fra", "deu", "ita", "chi_sim"}
#: Added to the recognizer's confidence when its reading votes with Tesseract's: it
#: decides a character unless both Tesseract readings agree on another.
READER_WEIGHT = 0.3
#: Longer side of the image the detector looks at (a multiple of 32).
DETECT_SIDE = 736
#: Detector probability that marks a pixel as text, and mean probability a line needs.
DETECT_THRESHOLD = 0.3
DETECT_MIN_SCORE = 0.5
#: The detector outlines the core of each line; grow it by this much (area / perimeter
#: ratio, as the model was trained) to take in the whole glyphs.
DETECT_UNCLIP = 2.0
#: Height in pixels each text line is scaled to before Tesseract reads it.
LINE_HEIGHT = 48
#: Confident characters (see `reading_quality`) above which a pass is taken as upright;
#: below it the reader asks OSD about rotation and script and reads again.
GOOD_READING = 25.0

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "BMP", "TIFF", "MPO"}

#: Tesseract language packs to read a card printed in a region's usual language.
REGION_LANGUAGES = {
    "BR": "por",
    "PT": "por",
    "AO": "por",
    "MZ": "por",
    "CN": "chi_sim",
    "SG": "chi_sim",
    "JP": "jpn",
}
#: Language packs for Latin-script text (read fast, one model per pass).
LATIN_LANGUAGES = {"eng", "por", "spa", "fra", "deu", "ita"}
#: Tesseract OSD script names mapped to the language pack that reads them.
SCRIPT_LANGUAGES = {
    "Han": "chi_sim",
    "Japanese": "jpn",
    "Hiragana": "jpn",
    "Katakana": "jpn",
}


class CardImageError(ValueError):
    """The uploaded bytes cannot be read as a photo of a business card.

    ``str(error)`` is a short message fit to show the person at the kiosk, in the
    request's language (English outside a request, as in the CLI).
    """


@dataclass
class CardReading:
    """What the reader found on one card, with how sure it is and how long it took."""

    name: str | None = None
    title: str | None = None
    company: str | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    website: str | None = None
    address: str | None = None
    #: Confidence in [0, 1] per field name; 0 for fields not found.
    confidence: dict[str, float] = field(default_factory=dict)
    raw_text: str = ""
    #: Seconds spent per stage ("decode", "locate", "ocr", "parse", "total").
    timings: dict[str, float] = field(default_factory=dict)
    #: Degrees the card was rotated clockwise to read it upright.
    rotation: int = 0
    languages: str = ""

    def fields_json(self) -> dict[str, object]:
        """Return the fields in the `expo-crm cards read --json` shape."""
        data = {name: getattr(self, name) for name in FIELDS}
        data["confidence"] = {name: round(self.confidence.get(name, 0.0), 3) for name in FIELDS}
        return data


# --------------------------------------------------------------------------- decoding


def decode_image(data: bytes, *, max_side: int = WORK_SIDE) -> np.ndarray:
    """Decode uploaded bytes into a BGR array whose longer side is at most `max_side`.

    The header is checked before any pixel is decoded, so huge or hostile files are
    refused in milliseconds. EXIF orientation is applied (and later verified).

    Raises CardImageError for empty, non-image, oversized, truncated or blank input.
    """
    if not data:
        raise CardImageError(_l("The photo is empty. Please take the picture again."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise CardImageError(_l("The photo file is too large (over 40 MB)."))
    try:
        with warnings.catch_warnings():
            # We check the pixel count ourselves, just below, with a lower limit.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise CardImageError(_l("The photo has too many pixels (over 40 megapixels).")) from exc
    except (UnidentifiedImageError, OSError) as exc:
        raise CardImageError(_l("This file is not a photo we can read (JPEG or PNG).")) from exc
    if image.format not in ACCEPTED_FORMATS:
        raise CardImageError(_l("This file is not a photo we can read (JPEG or PNG)."))
    width, height = image.size
    if width < 64 or height < 64:
        raise CardImageError(_l("The photo is too small to read a card from."))
    if width * height > MAX_PIXELS:
        raise CardImageError(_l("The photo has too many pixels (over 40 megapixels)."))
    if not _is_complete(data, image.format):
        raise CardImageError(_l("The photo is damaged or incomplete. Please try again."))
    shrink = max_side / max(width, height)
    if image.format in {"JPEG", "MPO"} and shrink < 1:
        # Let libjpeg scale by 1/2, 1/4 or 1/8 while decoding: 12 MP decodes like 720p.
        # Pillow keeps both sides at least the requested size, so ask for the photo's
        # own shape (a square request would keep a 16:9 photo at full size).
        image.draft("RGB", (math.ceil(width * shrink), math.ceil(height * shrink)))
    try:
        image.load()
        rgb = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise CardImageError(_l("The photo is damaged or incomplete. Please try again.")) from exc
    if max(rgb.size) > max_side:
        rgb.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
    bgr = cv2.cvtColor(np.asarray(rgb), cv2.COLOR_RGB2BGR)
    _reject_blank(bgr)
    return bgr


def _is_complete(data: bytes, image_format: str | None) -> bool:
    """Tell whether a JPEG or PNG file is whole.

    Pillow's own check cannot be relied on: WeasyPrint (imported for badges) switches on
    ``ImageFile.LOAD_TRUNCATED_IMAGES`` for the whole process. A JPEG is whole when an
    end-of-image marker follows its last start-of-scan (0xFF bytes inside scan data are
    stuffed, so the markers cannot appear by chance; an EXIF thumbnail's own markers
    come earlier); a PNG when it has its IEND chunk.
    """
    if image_format in {"JPEG", "MPO"}:
        return data.rfind(b"\xff\xd9") > data.rfind(b"\xff\xda") >= 0
    if image_format == "PNG":
        return b"IEND" in data[-64:]
    return True


def _reject_blank(bgr: np.ndarray) -> None:
    """Raise CardImageError when the photo is (nearly) uniform: no card, lens covered."""
    gray = cv2.cvtColor(
        cv2.resize(bgr, (320, 320), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY
    )
    edges = cv2.Canny(gray, 40, 120)
    if float(gray.std()) < 6.0 or np.count_nonzero(edges) < 0.002 * edges.size:
        raise CardImageError(_l("No card is visible in the photo. Hold the card in the frame."))


# --------------------------------------------------------------------------- locating


def _order_corners(points: np.ndarray) -> np.ndarray:
    """Order four points as top-left, top-right, bottom-right, bottom-left."""
    pts = points.reshape(4, 2).astype(np.float32)
    total = pts.sum(axis=1)
    diff = np.diff(pts, axis=1).ravel()
    return np.array(
        [pts[np.argmin(total)], pts[np.argmin(diff)], pts[np.argmax(total)], pts[np.argmax(diff)]],
        dtype=np.float32,
    )


def find_card_quad(bgr: np.ndarray) -> np.ndarray | None:
    """Return the card's four corners in `bgr` coordinates, or None if no card edge is seen.

    The card is the largest convex four-sided contour covering 12-97 % of the photo in
    an edge map; photos where the card fills the frame return None (use the whole photo).
    """
    scale = 640 / max(bgr.shape[:2])
    small = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    gray = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0)
    sat = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2HSV)[:, :, 1], (5, 5), 0)
    edges = cv2.bitwise_or(cv2.Canny(gray, 30, 90), cv2.Canny(sat, 30, 90))
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    area = small.shape[0] * small.shape[1]
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        hull = cv2.convexHull(contour)
        hull_area = cv2.contourArea(hull)
        if not 0.12 * area <= hull_area <= 0.97 * area:
            continue
        approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        if len(approx) == 4:
            quad = approx
        else:
            rect = cv2.minAreaRect(hull)
            if hull_area < 0.85 * rect[1][0] * rect[1][1]:
                continue  # not card-shaped: clutter, a hand, several objects
            quad = cv2.boxPoints(rect)
        corners = _order_corners(np.asarray(quad) / scale)
        if _is_card_shaped(corners):
            return corners
    return None


def _is_card_shaped(corners: np.ndarray) -> bool:
    """Tell whether four ordered corners can be a rectangle seen in perspective.

    Opposite sides of similar length and corners near right angles; a contour that ran
    into the photo's border or merged with the table gives a skewed quadrilateral.
    """
    sides = [np.linalg.norm(corners[(i + 1) % 4] - corners[i]) for i in range(4)]
    if min(sides) < 1 or not all(0.6 < sides[i] / sides[i + 2] < 1 / 0.6 for i in range(2)):
        return False
    for i in range(4):
        a = corners[i - 1] - corners[i]
        b = corners[(i + 1) % 4] - corners[i]
        cosine = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
        if abs(cosine) > 0.5:  # outside 60-120 degrees
            return False
    return True


def text_bounds(bgr: np.ndarray) -> tuple[int, int, int, int] | None:
    """Return (x, y, width, height) around the photo's text-like marks, or None.

    Used when no card edge is found: strong local contrast closed along lines marks
    printed text; the box around those marks (with a margin) holds the card's text.
    """
    scale = 640 / max(bgr.shape[:2])
    small = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    gradient = cv2.morphologyEx(
        gray, cv2.MORPH_GRADIENT, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    )
    _, marks = cv2.threshold(gradient, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    marks = cv2.morphologyEx(
        marks, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1))
    )
    contours, _ = cv2.findContours(marks, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    height, width = gray.shape
    boxes = [
        box
        for box in map(cv2.boundingRect, contours)
        if 3 <= box[3] <= 0.08 * max(height, width)
        and box[2] >= 1.5 * box[3]
        and box[2] < 0.9 * width
    ]
    if len(boxes) < 3:
        return None
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    margin = int(0.03 * max(height, width))
    x0, y0 = max(x0 - margin, 0), max(y0 - margin, 0)
    x1, y1 = min(x1 + margin, width), min(y1 + margin, height)
    if (x1 - x0) * (y1 - y0) > 0.8 * width * height:
        return None
    return (
        int(x0 / scale),
        int(y0 / scale),
        int((x1 - x0) / scale),
        int((y1 - y0) / scale),
    )


def crop_card(bgr: np.ndarray) -> np.ndarray:
    """Return the card flattened by a perspective warp, or the whole photo if none is found."""
    quad = find_card_quad(bgr)
    if quad is None:
        bounds = text_bounds(bgr)
        if bounds is None:
            return bgr
        x, y, w, h = bounds
        return bgr[y : y + h, x : x + w]
    tl, tr, br, bl = quad
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    if width < 64 or height < 64:
        return bgr
    target = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32
    )
    matrix = cv2.getPerspectiveTransform(quad, target)
    return cv2.warpPerspective(bgr, matrix, (width, height), flags=cv2.INTER_LINEAR)


@dataclass(frozen=True)
class PreparedCard:
    """The card at OCR resolution in the two renderings Tesseract reads.

    `gray` keeps the printed contrast (best for dark text on light paper); `ink` marks
    each pixel by its distance from the local background, so white-on-dark panels and
    coloured stripes read like black on white. Each catches text the other misses.
    """

    gray: np.ndarray
    ink: np.ndarray

    def rotated(self, degrees: int) -> PreparedCard:
        """Return both renderings rotated clockwise by a multiple of 90 degrees."""
        return PreparedCard(rotate(self.gray, degrees), rotate(self.ink, degrees))

    @property
    def is_portrait(self) -> bool:
        """Tell whether the card is clearly taller than wide."""
        return self.gray.shape[0] > 1.15 * self.gray.shape[1]


def prepare_for_ocr(card: np.ndarray, *, side: int = OCR_SIDE) -> PreparedCard:
    """Scale the card for OCR and render it in grayscale and as background-free ink."""
    scale = side / max(card.shape[:2])
    interpolation = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
    card = cv2.resize(card, None, fx=scale, fy=scale, interpolation=interpolation)
    gray = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    background = cv2.resize(
        cv2.medianBlur(small, 15), (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR
    )
    distance = np.maximum(cv2.absdiff(gray, background).astype(np.float32) - 4, 0)  # -4: paper
    # Local contrast normalization: faint text (light print on a coloured panel) is
    # scaled by the strongest contrast around it, so it comes out as dark as bold ink.
    window = max(15, side // 40) | 1
    strongest = cv2.blur(
        cv2.dilate(distance, np.ones((window, window), np.uint8)), (window, window)
    )
    strength = distance / np.maximum(strongest, INK_FLOOR)
    ink = np.clip(255 - 1.4 * 255 * strength, 0, 255).astype(np.uint8)
    return PreparedCard(gray=gray, ink=ink)


def rotate(image: np.ndarray, degrees: int) -> np.ndarray:
    """Rotate by a multiple of 90 degrees clockwise."""
    codes = {
        90: cv2.ROTATE_90_CLOCKWISE,
        180: cv2.ROTATE_180,
        270: cv2.ROTATE_90_COUNTERCLOCKWISE,
    }
    return cv2.rotate(image, codes[degrees % 360]) if degrees % 360 else image


# --------------------------------------------------------------------------- reading


def default_languages(region: str | None) -> str:
    """Return the Tesseract languages to read cards from `region` with (one pass, fast)."""
    lang = REGION_LANGUAGES.get((region or "").upper(), "eng")
    # Latin-script packs read English too; CJK packs need English for emails and URLs.
    return lang if lang in {"eng", "por"} else f"{lang}+eng"


def detect_orientation(gray: np.ndarray) -> tuple[int, str | None]:
    """Ask Tesseract OSD how far to rotate the card clockwise, and which script it holds.

    Returns (0, None) when OSD cannot decide (too little text); the script is None when
    OSD is unsure of it. Cards mixing CJK with Latin emails often come out as "Latin",
    so a region or language hint remains the reliable way to read CJK cards.
    """
    scale = 1000 / max(gray.shape[:2])
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    try:
        text = pytesseract.image_to_osd(small, config="--psm 0")
    except pytesseract.TesseractError:
        return 0, None
    rotate_match = re.search(r"Rotate: (\d+)", text)
    conf_match = re.search(r"Orientation confidence: ([\d.]+)", text)
    script_match = re.search(r"Script: (\w+)", text)
    script_conf = re.search(r"Script confidence: ([\d.]+)", text)
    degrees = int(rotate_match.group(1)) if rotate_match else 0
    if conf_match and float(conf_match.group(1)) < 1.0:
        degrees = 0
    if not (script_match and script_conf and float(script_conf.group(1)) >= 1.0):
        return degrees, None
    return degrees, script_match.group(1)


def ocr_lines(gray: np.ndarray, languages: str) -> list[OcrLine]:
    """Run Tesseract (sparse-text mode) and group its words into lines with boxes."""
    data = pytesseract.image_to_data(
        gray,
        lang=languages,
        config=TESSERACT_CONFIG,
        output_type=pytesseract.Output.DICT,
    )
    lines: dict[tuple[int, int, int], list[OcrWord]] = {}
    for i, text in enumerate(data["text"]):
        text = text.strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        lines.setdefault(key, []).append(
            OcrWord(
                text=text,
                conf=conf / 100,
                left=data["left"][i],
                top=data["top"][i],
                width=data["width"][i],
                height=data["height"][i],
            )
        )
    return merge_into_rows([OcrLine.from_words(words) for words in lines.values()])


def ocr_card(card: PreparedCard, languages: str) -> list[OcrLine]:
    """Read both renderings of the card at once (two Tesseract processes) and merge them.

    For Latin-script cards the ink rendering is read with the English model alone: it
    reads "@" and URLs more reliably than the Portuguese one, two different models make
    fewer shared mistakes, and one model per pass keeps each pass fast.
    """
    latin = set(languages.split("+")) <= LATIN_LANGUAGES
    ink_languages = "eng" if latin else languages
    with ThreadPoolExecutor(max_workers=2) as pool:
        gray_job = pool.submit(ocr_lines, card.gray, languages)
        ink_job = pool.submit(ocr_lines, card.ink, ink_languages)
        return merge_passes(gray_job.result(), ink_job.result())


def merge_passes(first: Sequence[OcrLine], second: Sequence[OcrLine]) -> list[OcrLine]:
    """Union two readings of the same image: where lines overlap keep the better one."""
    merged = list(first)
    for line in second:
        overlapping = [i for i, other in enumerate(merged) if _overlap(line, other) > 0.4]
        if not overlapping:
            merged.append(line)
            continue
        if all(_line_value(line) > _line_value(merged[i]) for i in overlapping):
            for i in sorted(overlapping, reverse=True):
                del merged[i]
            merged.append(line)
    return sorted(merged, key=lambda line: (line.top, line.left))


def _overlap(a: OcrLine, b: OcrLine) -> float:
    """Intersection over the smaller box, 0 when the lines do not touch."""
    x = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    a_bottom = max(w.top + w.height for w in a.words)
    b_bottom = max(w.top + w.height for w in b.words)
    y = min(a_bottom, b_bottom) - max(a.top, b.top)
    if x <= 0 or y <= 0:
        return 0.0
    smaller = min(a.width * (a_bottom - a.top), b.width * (b_bottom - b.top))
    return x * y / max(smaller, 1)


def _line_value(line: OcrLine) -> float:
    """How much trustworthy text a line carries: confident letters and digits."""
    return sum(w.conf * sum(c.isalnum() for c in w.text) for w in line.words)


def merge_into_rows(lines: list[OcrLine]) -> list[OcrLine]:
    """Join line fragments that sit side by side on the same baseline into one line.

    Sparse-text mode splits a printed line wherever the gap is wide; the parser works
    better on whole printed lines (an address, "Tel 11 2785-4545 / 2783-6958").
    """
    rows: list[OcrLine] = []
    for line in sorted(lines, key=lambda item: (item.top, item.left)):
        for i, row in enumerate(rows):
            if _same_row(row, line):
                rows[i] = OcrLine.from_words(row.words + line.words)
                break
        else:
            rows.append(line)
    return sorted(rows, key=lambda line: (line.top, line.left))


def _same_row(a: OcrLine, b: OcrLine) -> bool:
    """Tell whether two fragments are neighbours on one printed line."""
    height = max(a.height, b.height)
    if abs(a.center_y - b.center_y) >= 0.5 * min(a.height, b.height):
        return False
    if not 0.6 < b.height / max(a.height, 1) < 1.6:
        return False
    gap = max(b.left - (a.left + a.width), a.left - (b.left + b.width))
    return -5 < gap < 3.0 * height


def reading_quality(lines: Sequence[OcrLine]) -> float:
    """Count characters in confidently read words: high upright, near zero when rotated.

    Words need two or more letters or digits and confidence >= 0.85; CJK characters
    count double since each carries a word's worth of text.
    """
    total = 0.0
    for word in (w for line in lines for w in line.words):
        cjk = sum(1 for c in word.text if _is_cjk(c))
        alnum = sum(1 for c in word.text if c.isalnum())
        if word.conf >= 0.85 and (alnum >= 2 or cjk):
            total += alnum + cjk
    return total


def _is_cjk(char: str) -> bool:
    """Tell whether a character is a CJK ideograph or Japanese kana."""
    return "\u3040" <= char <= "\u30ff" or "\u3400" <= char <= "\u9fff"


# --------------------------------------------------------------------------- text lines
#
# The default reader finds each printed line with a neural text detector, cuts it out
# level, scales it to one height and has Tesseract read that single line. Tesseract's
# own page layout analysis loses lines printed over photos, gradients and logos; a
# detector trained on scene text does not, and a line read on its own is binarized by
# its own contrast rather than the whole card's.

_local = threading.local()
#: The threads that read lines, one pool per process (a pool inherited through fork has
#: no threads behind it). Kept for the process's life so their Tesseract engines, loaded
#: per thread, stay loaded: a new engine costs about 0.1 s.
_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _line_pool() -> ThreadPoolExecutor:
    """Return this process's two line-reading threads."""
    with _POOLS_LOCK:
        pool = _POOLS.get(os.getpid())
        if pool is None:
            _POOLS.clear()
            pool = _POOLS[os.getpid()] = ThreadPoolExecutor(
                max_workers=2, thread_name_prefix="card-lines"
            )
        return pool


def text_model_path() -> Path | None:
    """Return the text-line detector's model file, or None when it is not installed."""
    path = Path(os.environ.get("EXPO_CRM_TEXT_MODEL") or TEXT_MODEL)
    return path if path.is_file() else None


def reader_model_path() -> Path | None:
    """Return the line recognizer's model file, or None when it is not installed."""
    path = Path(os.environ.get("EXPO_CRM_READER_MODEL") or READER_MODEL)
    return path if path.is_file() else None


@cache
def tessdata_dir() -> str | None:
    """Return the folder of the system Tesseract's language data (TESSDATA_PREFIX wins).

    The tesserocr wheel carries its own Tesseract library but no language data; it reads
    the traineddata files of the Debian ``tesseract-ocr`` packages.
    """
    if os.environ.get("TESSDATA_PREFIX"):
        return os.environ["TESSDATA_PREFIX"]
    binary = shutil.which("tesseract")
    if binary is None:
        return None
    listing = subprocess.run(  # noqa: S603  (the system's own tesseract, fixed arguments)
        [binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
    )
    found = re.search(r'"([^"]+)"', listing.stdout + listing.stderr)
    return found.group(1) if found else None


@cache
def _detector(path: Path) -> onnxruntime.InferenceSession:
    """Load the detector network once per process (a session serves many threads)."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@cache
def _reader(path: Path) -> tuple[onnxruntime.InferenceSession, tuple[str, ...]]:
    """Load the line recognizer once per process, with its alphabet.

    The alphabet is stored in the model's metadata, one character per line; output
    class 0 is CTC's blank and the class after the alphabet is the space.
    """
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # lines are read two at a time by the line pool
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    alphabet = session.get_modelmeta().custom_metadata_map["character"].splitlines()
    return session, ("", *alphabet, " ")


def _tesseract(languages: str, psm: int) -> tesserocr.PyTessBaseAPI:
    """Return this thread's Tesseract engine for `languages` and page mode (kept loaded)."""
    engines = _local.__dict__.setdefault("engines", {})
    key = (languages, psm)
    if key not in engines:
        engines[key] = tesserocr.PyTessBaseAPI(
            path=tessdata_dir() or "", lang=languages, psm=psm, oem=tesserocr.OEM.LSTM_ONLY
        )
    return engines[key]


@dataclass(frozen=True)
class TextBox:
    """A detected text line: centre, size along its own axes, and skew in degrees.

    The box's axes are the image's turned by `skew` (within +-45 degrees), so `size` is
    (width, height) as the line sits on the card: a tall box is vertical text.
    """

    center: tuple[float, float]
    size: tuple[float, float]
    skew: float

    @classmethod
    def from_rect(
        cls, center: tuple[float, float], size: tuple[float, float], angle: float
    ) -> TextBox:
        """Build from an OpenCV rotated rectangle, whatever its angle convention."""
        width, height = size
        while angle > 45:
            angle, width, height = angle - 90, height, width
        while angle < -45:
            angle, width, height = angle + 90, height, width
        return cls(center, (width, height), angle)

    @property
    def is_vertical(self) -> bool:
        """Tell whether the box runs up and down the image (sideways or vertical text)."""
        return self.size[1] > 1.5 * self.size[0]

    @property
    def area(self) -> float:
        return self.size[0] * self.size[1]


_MEAN = np.array([0.485, 0.456, 0.406], np.float32) * 255
_STD = np.array([0.229, 0.224, 0.225], np.float32) * 255


def detect_text_lines(gray: np.ndarray) -> list[TextBox]:
    """Find the printed lines in a grayscale card image (empty when there are none)."""
    height, width = gray.shape[:2]
    scale = DETECT_SIDE / max(height, width)
    size = (max(32, round(width * scale / 32) * 32), max(32, round(height * scale / 32) * 32))
    small = cv2.cvtColor(cv2.resize(gray, size, interpolation=cv2.INTER_AREA), cv2.COLOR_GRAY2RGB)
    blob = ((small.astype(np.float32) - _MEAN) / _STD).transpose(2, 0, 1)[None]
    path = text_model_path()
    if path is None:
        raise FileNotFoundError("The text-line model is not installed")
    session = _detector(path)
    (probability,) = session.run(None, {session.get_inputs()[0].name: blob.astype(np.float32)})
    probability = probability[0, 0]
    mask = (probability > DETECT_THRESHOLD).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    sx, sy = width / size[0], height / size[1]
    boxes = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if min(w, h) < 2:
            continue
        inside = np.zeros((h, w), np.uint8)
        cv2.drawContours(inside, [contour - (x, y)], -1, 1, -1)
        if float(probability[y : y + h, x : x + w][inside > 0].mean()) < DETECT_MIN_SCORE:
            continue
        (cx, cy), (bw, bh), angle = cv2.minAreaRect(contour)
        grow = DETECT_UNCLIP * bw * bh / (2 * (bw + bh))
        boxes.append(
            TextBox.from_rect(
                (cx * sx, cy * sy), ((bw + 2 * grow) * sx, (bh + 2 * grow) * sy), angle
            )
        )
    return boxes


def _cut_line(gray: np.ndarray, box: TextBox, turn: int = 0) -> np.ndarray:
    """Cut a detected line out of the image, levelled, turned `turn` degrees clockwise."""
    (cx, cy), (width, height) = box.center, box.size
    matrix = cv2.getRotationMatrix2D((cx, cy), box.skew, 1.0)
    matrix[0, 2] += width / 2 - cx
    matrix[1, 2] += height / 2 - cy
    crop = cv2.warpAffine(
        gray,
        matrix,
        (max(int(round(width)), 1), max(int(round(height)), 1)),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return rotate(crop, turn)


def _binarize(line: np.ndarray) -> np.ndarray:
    """Threshold a line by its own contrast (Otsu), dark text on white either way round."""
    _, binary = cv2.threshold(line, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    edge = np.concatenate([binary[0], binary[-1], binary[:, 0], binary[:, -1]])
    return binary if edge.mean() >= 127 else 255 - binary


@dataclass
class _LineReading:
    """One way of reading a line: its words (boxes in the scaled crop) and confidence."""

    words: list[tuple[str, float, tuple[int, int, int, int]]]

    @property
    def conf(self) -> float:
        weight = sum(len(text) for text, _, _ in self.words)
        return sum(conf * len(text) for text, conf, _ in self.words) / max(weight, 1)

    @property
    def sees_at(self) -> bool:
        return any("@" in text for text, _, _ in self.words)


_PAD_X, _PAD_Y = 12, 8


def _recognize(image: np.ndarray, languages: str, psm: int) -> _LineReading:
    """Read one prepared line image with Tesseract."""
    engine = _tesseract(languages, psm)
    engine.SetImage(Image.fromarray(image))
    engine.Recognize()
    words = []
    level = tesserocr.RIL.WORD
    iterator = engine.GetIterator()
    for word in tesserocr.iterate_level(iterator, level):
        try:
            text = word.GetUTF8Text(level).strip()
        except RuntimeError:  # an empty result in an empty image
            continue
        box = word.BoundingBox(level)
        if text and box:
            words.append((text, word.Confidence(level) / 100, box))
    return _LineReading(words)


#: Margin of background added either side of a line before the recognizer reads it.
_READER_MARGIN = 8


def _network_reading(line: np.ndarray, shade: int) -> _LineReading:
    """Read one grey line image, `LINE_HEIGHT` pixels high, with the line recognizer.

    The network's output is a distribution over its alphabet for each slice of the
    line; the best class per slice, with repeats collapsed and blanks dropped, is the
    text (greedy CTC decoding), and a character's confidence is its class probability.
    Word boxes are given in the coordinates of a `_pad`ded line, as Tesseract's are.
    """
    path = reader_model_path()
    if path is None:
        raise FileNotFoundError("The line recognizer's model is not installed")
    session, alphabet = _reader(path)
    image = cv2.copyMakeBorder(
        line, 0, 0, _READER_MARGIN, _READER_MARGIN, cv2.BORDER_CONSTANT, value=shade
    )
    blob = np.repeat((image.astype(np.float32) / 127.5 - 1.0)[None, None], 3, axis=1)
    (scores,) = session.run(None, {session.get_inputs()[0].name: blob})
    classes, probabilities = scores[0].argmax(axis=1), scores[0].max(axis=1)
    step = image.shape[1] / len(classes)
    words: list[tuple[str, float, tuple[int, int, int, int]]] = []
    current: list[tuple[str, float, int]] = []
    previous = 0
    for moment, (klass, probability) in enumerate(zip(classes, probabilities, strict=True)):
        char = alphabet[klass] if klass != previous else ""
        previous = klass
        if char and char != " ":
            current.append((char, float(probability), moment))
        if current and (char == " " or moment == len(classes) - 1):
            left = int(current[0][2] * step) - _READER_MARGIN + _PAD_X
            right = int((current[-1][2] + 1) * step) - _READER_MARGIN + _PAD_X
            text = "".join(c for c, _, _ in current)
            conf = sum(p for _, p, _ in current) / len(current)
            words.append((text, conf, (left, _PAD_Y, right, _PAD_Y + line.shape[0])))
            current = []
    return _LineReading(words)


#: Words that are addresses on the web: they never carry accents.
_WEB_WORD = re.compile(r"@|www\.|https?:|\.[a-z]{2,6}\b")
#: Tesseract's confidence in a word below which its accents are not taken (a spurious
#: tilde on a stylized last letter scores about 0.6; real accents 0.75 and more).
ACCENT_CONFIDENCE = 0.7


def restore_accents(reading: _LineReading, reference: _LineReading) -> _LineReading:
    """Take accents and cedillas from `reference` where it reads the same letters.

    The line recognizer's alphabet lacks "ã", "ç", "ô" and others; the edition's
    Tesseract model reads them. A character is replaced only by an accented form of
    itself (same letter once accents and case are set aside), in the reading's case,
    only from a confidently read word, and never inside an email or web address.
    """
    text = " ".join(word for word, _, _ in reading.words)
    other = " ".join(word for word, _, _ in reference.words)
    sure = [
        conf >= ACCENT_CONFIDENCE
        for word, conf, _ in reference.words
        for _ in range(len(word) + 1)  # the word and the space after it
    ]
    webby = [
        bool(_WEB_WORD.search(word)) for word, _, _ in reading.words for _ in range(len(word) + 1)
    ]
    chars = list(text)
    for op in Levenshtein.opcodes(text, other):
        if op.tag != "replace" or op.src_end - op.src_start != op.dest_end - op.dest_start:
            continue
        for k in range(op.src_end - op.src_start):
            i, j = op.src_start + k, op.dest_start + k
            mine, theirs = text[i], other[j]
            if (
                not theirs.isascii()
                and sure[j]
                and not webby[i]
                and len(fold(mine)) == 1
                and fold(theirs) == fold(mine)
            ):
                chars[i] = theirs.upper() if mine.isupper() else theirs.lower()
    restored, position, words = "".join(chars), 0, []
    for word, conf, box in reading.words:
        words.append((restored[position : position + len(word)], conf, box))
        position += len(word) + 1
    return _LineReading(words)


def _pad(image: np.ndarray, shade: int) -> np.ndarray:
    """Give a line image a margin of `shade`, as Tesseract likes text not to touch the edge.

    Replicating the edge instead would smear a letter that touches it into a bar ("d"
    read as "l").
    """
    return cv2.copyMakeBorder(
        image, _PAD_Y, _PAD_Y, _PAD_X, _PAD_X, cv2.BORDER_CONSTANT, value=shade
    )


#: Tesseract models for CJK printed top to bottom, by the horizontal model they go with.
VERTICAL_MODELS = {"jpn": "jpn_vert", "chi_sim": "chi_sim_vert"}
#: The turn reported for a vertical line read upright (vertical CJK), not turned.
UPRIGHT = -1


def vertical_languages(languages: str) -> str | None:
    """Return the installed vertical-text models for `languages`, or None."""
    folder = Path(tessdata_dir() or "")
    wanted = [VERTICAL_MODELS[lang] for lang in languages.split("+") if lang in VERTICAL_MODELS]
    found = [name for name in wanted if (folder / f"{name}.traineddata").is_file()]
    return "+".join(found) or None


def _read_line(
    card: PreparedCard, box: TextBox, languages: str, alternate: str
) -> tuple[_LineReading, float, int, float, float] | None:
    """Read one detected line several ways and return the consensus.

    The line is read as photographed (grayscale) with the card's languages, and as ink
    thresholded by its own contrast with `alternate` (English for Latin cards: it reads
    "@" and web addresses that the Portuguese model misreads as "(D" or "Q"). Where the
    line recognizer knows the script, its reading joins these two and the three vote
    character by character (see `consensus`), the recognizer weighted above either
    Tesseract reading; accents it cannot write are then taken from the reading in the
    card's language. Without the recognizer, when the two Tesseract readings disagree
    the other two pairings are read as well and the four vote: two models on two
    renderings rarely make the same mistake. Vertical boxes are read turned both ways
    (a sideways card, a phone number printed up the edge) and, on Chinese and Japanese
    cards, upright as vertical text; the most confident way is kept.

    Returns the reading, the scale of the crop, the clockwise turn (`UPRIGHT` for
    vertical text) and the crop's origin.
    """
    ways = [(turn, languages, alternate) for turn in ((90, 270) if box.is_vertical else (0,))]
    vertical = vertical_languages(languages) if box.is_vertical else None
    if vertical:
        ways.append((UPRIGHT, vertical, vertical))
    network = _network_reads(languages)
    best: tuple[list[_LineReading], float, int] | None = None
    for turn, first, second in ways:
        upright = turn == UPRIGHT
        gray = _cut_line(card.gray, box, 0 if upright else turn)
        if min(gray.shape) < 6:
            return None
        scale = LINE_HEIGHT / (gray.shape[1] if upright else gray.shape[0])
        interpolation = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=interpolation)
        ink = cv2.resize(
            _cut_line(card.ink, box, 0 if upright else turn),
            (gray.shape[1], gray.shape[0]),
            interpolation=interpolation,
        )
        edge = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
        plain, binary = _pad(gray, int(np.median(edge))), _pad(_binarize(ink), 255)
        mode = tesserocr.PSM.SINGLE_BLOCK_VERT_TEXT if upright else tesserocr.PSM.SINGLE_LINE
        readings = [_recognize(plain, first, mode), _recognize(binary, second, mode)]
        if network and not upright:
            readings = _with_network_reading(gray, int(np.median(edge)), readings)
        elif second != first and _squeezed(readings[0]) != _squeezed(readings[1]):
            readings.append(_recognize(plain, second, mode))
            readings.append(_recognize(binary, first, mode))
        readings = [r for r in readings if r.words]
        if readings and (
            best is None or max(r.conf for r in readings) > max(r.conf for r in best[0])
        ):
            best = (readings, scale, turn)
    if best is None:
        return None
    readings, scale, turn = best
    (cx, cy), (width, height) = box.center, box.size
    return consensus(readings), scale, turn, cx - width / 2, cy - height / 2


def _network_reads(languages: str) -> bool:
    """Tell whether the line recognizer is installed and knows these languages' script."""
    return reader_model_path() is not None and set(languages.split("+")) <= READER_LANGUAGES


def _with_network_reading(
    gray: np.ndarray, shade: int, tesseract: list[_LineReading]
) -> list[_LineReading]:
    """Return the readings to vote on with the line recognizer's among them.

    The recognizer's reading, its confidence raised by `READER_WEIGHT`, leads, and is
    counted twice when only one Tesseract reading found text (a vote needs three); when
    none did, it stands alone with its own confidence. Accents are restored from the
    first Tesseract reading (the card's language) so that the vote does not drop them.
    """
    found = [reading for reading in tesseract if reading.words]
    ours = _network_reading(gray, shade)
    if not ours.words or not found:
        return found or [ours]
    if tesseract[0].words:
        ours = restore_accents(ours, tesseract[0])
    weighted = _LineReading(
        [(text, min(1.0, conf + READER_WEIGHT), box) for text, conf, box in ours.words]
    )
    voters = [weighted, *found]
    return voters + [weighted] * (3 - len(voters))


def _squeezed(reading: _LineReading) -> str:
    """The reading's letters without spaces, case or accents, to tell readings agree."""
    return fold("".join(text for text, _, _ in reading.words))


def consensus(readings: Sequence[_LineReading]) -> _LineReading:
    """Merge readings of one line by a weighted vote per character.

    The backbone is the reading that sees an "@" (only the English model reads one
    reliably), else the most confident; every other reading is aligned to it by edit
    operations and votes, weighted by its confidence, for each character, for dropping
    it, or for text inserted before it. A word's confidence becomes the share of the
    vote its characters won, so agreement, not any one model's opinion, is what counts.
    Words keep the backbone's vertical extent and share its horizontal one by length.
    """
    ordered = sorted(readings, key=lambda r: (r.sees_at, r.conf), reverse=True)
    if len(ordered) < 3:
        return ordered[0]
    texts = [(" ".join(text for text, _, _ in r.words), r.conf + 0.05) for r in ordered]
    base = texts[0][0]
    total = sum(weight for _, weight in texts)
    chars: list[dict[str, float]] = [{} for _ in base]
    inserts: list[dict[str, float]] = [{} for _ in range(len(base) + 1)]

    def add(votes: dict[str, float], key: str, weight: float) -> None:
        votes[key] = votes.get(key, 0.0) + weight

    for text, weight in texts:
        for op in Levenshtein.opcodes(base, text):
            i1, i2, j1, j2 = op.src_start, op.src_end, op.dest_start, op.dest_end
            if op.tag == "equal" or (op.tag == "replace" and i2 - i1 == j2 - j1):
                for k in range(i2 - i1):
                    add(chars[i1 + k], text[j1 + k], weight)
                continue
            for k in range(i1, i2):
                add(chars[k], "", weight)
            if j2 > j1:
                add(inserts[i1], text[j1:j2], weight)
    out: list[tuple[str, float]] = []
    for i in range(len(base) + 1):
        if inserts[i]:
            inserted, votes = max(inserts[i].items(), key=lambda kv: kv[1])
            if votes > total / 2:
                out.extend((c, votes / total) for c in inserted)
        if i < len(base):
            char, votes = max(chars[i].items(), key=lambda kv: kv[1])
            if char:
                out.append((char, votes / total))
    boxes = [box for _, _, box in ordered[0].words]
    left, right = min(b[0] for b in boxes), max(b[2] for b in boxes)
    top, bottom = min(b[1] for b in boxes), max(b[3] for b in boxes)
    words = []
    position, length = 0, max(len(out), 1)
    for chunk in "".join(c for c, _ in out).split(" "):
        if chunk:
            support = [v for _, v in out[position : position + len(chunk)]]
            x0 = left + (right - left) * position // length
            x1 = left + (right - left) * (position + len(chunk)) // length
            words.append((chunk, sum(support) / len(support), (x0, top, x1, bottom)))
        position += len(chunk) + 1
    return _LineReading(words) if words else ordered[0]


def _as_line(read: tuple[_LineReading, float, int, float, float]) -> OcrLine:
    """Map a line reading's word boxes back to card pixels (horizontal lines exactly)."""
    reading, scale, turn, x0, y0 = read
    words = []
    for text, conf, (left, top, right, bottom) in reading.words:
        if turn:  # a vertical line: keep its place on the card, not the words' own
            words.append(OcrWord(text, conf, int(x0), int(y0), 1, int((bottom - top) / scale)))
            continue
        words.append(
            OcrWord(
                text,
                conf,
                int(x0 + (left - _PAD_X) / scale),
                int(y0 + (top - _PAD_Y) / scale),
                max(int((right - left) / scale), 1),
                max(int((bottom - top) / scale), 1),
            )
        )
    return OcrLine.from_words(words)


def read_text_lines(
    card: PreparedCard, languages: str, *, may_turn: bool = True
) -> tuple[list[OcrLine], int]:
    """Detect and read the card's lines; return them and how far the card was turned.

    When most of the text runs up and down, the card lies sideways: the side its
    largest vertical lines read best from is taken, the card turned that way and read
    again, so that lines come out in reading order.
    """
    boxes = detect_text_lines(card.gray)
    latin = set(languages.split("+")) <= LATIN_LANGUAGES
    alternate = "eng" if latin else languages
    vertical = sum(b.area for b in boxes if b.is_vertical)
    if may_turn and boxes and vertical > 0.5 * sum(b.area for b in boxes):
        largest = sorted((b for b in boxes if b.is_vertical), key=lambda b: -b.area)[:3]
        turns = (_read_line(card, box, languages, alternate) for box in largest)
        votes = [read[2] for read in turns if read and read[2] != UPRIGHT]
        if votes:
            turn = max(set(votes), key=votes.count)
            lines, _ = read_text_lines(card.rotated(turn), languages, may_turn=False)
            return lines, turn
    reads = list(_line_pool().map(lambda box: _read_line(card, box, languages, alternate), boxes))
    return merge_into_rows([_as_line(read) for read in reads if read]), 0


def read_card(
    image_bytes: bytes,
    *,
    region: str | None = None,
    languages: str | Sequence[str] | None = None,
) -> CardReading:
    """Read a business card photo into contact fields with confidences.

    `region` is the ISO country code used to normalize phone numbers printed without a
    country code and to choose the card's likely language; `languages` (Tesseract codes,
    e.g. "por+eng" or ["jpn", "eng"]) overrides that choice.

    Raises CardImageError when the bytes are not a usable photo.
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    bgr = decode_image(image_bytes)
    timings["decode"] = time.perf_counter() - started

    mark = time.perf_counter()
    prepared = prepare_for_ocr(crop_card(bgr))
    timings["locate"] = time.perf_counter() - mark

    mark = time.perf_counter()
    if isinstance(languages, str):
        lang = languages
    elif languages:
        lang = "+".join(languages)
    else:
        lang = default_languages(region)
    lines, rotation, lang = _read_oriented(prepared, lang, fixed_languages=languages is not None)
    timings["ocr"] = time.perf_counter() - mark

    mark = time.perf_counter()
    fields = parse_card(lines, region=region)
    timings["parse"] = time.perf_counter() - mark

    native = default_languages(fields.region) if fields.region else lang
    if not region and languages is None and _read_again_in(native, lang, lines):
        mark = time.perf_counter()
        lines, rotation, lang = _read_oriented(prepared, native, fixed_languages=True)
        fields = parse_card(lines, region=region)
        timings["ocr"] += time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    log.debug("Card read in %.2f s (rotation %s, %s)", timings["total"], rotation, lang)
    return _reading_from(fields, lines, timings, rotation, lang)


def _read_again_in(native: str, lang: str, lines: Sequence[OcrLine]) -> bool:
    """Tell whether a card read without a hint should be read again in its own languages.

    Its country, once the card told it (see `parse_card`), names them. Accented Latin
    (Portuguese: "ã", "ç") is worth a second reading, since only Tesseract's own pack
    writes those letters; so is Japanese text, whose kana the line recognizer lacks.
    Chinese is not: the recognizer reads it already.
    """
    if native == lang:
        return False
    if set(native.split("+")) <= LATIN_LANGUAGES:
        return True
    has_cjk = any(_is_cjk(c) for line in lines for c in line.text)
    return has_cjk and not _network_reads(native)


def _read_pass(card: PreparedCard, degrees: int, lang: str) -> tuple[list[OcrLine], int]:
    """Read the card turned `degrees` clockwise; return its lines and the final rotation.

    Line by line when the text-line detector is installed (which may turn a sideways
    card further), else with Tesseract's own page layout on both renderings.
    """
    if text_model_path() is not None:
        lines, turned = read_text_lines(card.rotated(degrees), lang)
        return lines, (degrees + turned) % 360
    return ocr_card(card.rotated(degrees), lang), degrees


def _read_oriented(
    card: PreparedCard, lang: str, *, fixed_languages: bool
) -> tuple[list[OcrLine], int, str]:
    """Read the card upright; if that reads poorly, let OSD pick rotation and script.

    Returns the lines, the clockwise rotation applied and the languages used.
    """
    by_lines = text_model_path() is not None
    degrees, script = 0, None
    if card.is_portrait and not by_lines:
        # A portrait crop is often a landscape card turned sideways: ask OSD first. (The
        # line reader sees sideways text for itself.)
        degrees, script = detect_orientation(card.ink)
    lines, degrees = _read_pass(card, degrees, lang)
    quality = reading_quality(lines)
    if quality >= GOOD_READING:
        return lines, degrees, lang
    if by_lines or not card.is_portrait:
        degrees_osd, script = detect_orientation(card.ink)
    else:
        degrees_osd = degrees
    retry_lang = lang
    if not fixed_languages and script in SCRIPT_LANGUAGES:
        retry_lang = f"{SCRIPT_LANGUAGES[script]}+eng"
    if (degrees_osd, retry_lang) == (degrees, lang):
        return lines, degrees, lang
    retry, retry_degrees = _read_pass(card, degrees_osd, retry_lang)
    if reading_quality(retry) > quality:
        return retry, retry_degrees, retry_lang
    return lines, degrees, lang


def _reading_from(
    fields: CardFields,
    lines: Sequence[OcrLine],
    timings: dict[str, float],
    rotation: int,
    languages: str,
) -> CardReading:
    """Assemble the CardReading the kiosk and CLI consume."""
    return CardReading(
        name=fields.name,
        title=fields.title,
        company=fields.company,
        emails=list(fields.emails),
        phones=list(fields.phones),
        website=fields.website,
        address=fields.address,
        confidence=dict(fields.confidence),
        raw_text="\n".join(line.text for line in lines),
        timings={k: round(v, 4) for k, v in timings.items()},
        rotation=rotation,
        languages=languages,
    )


# --------------------------------------------------------------------------- batches


def _read_path(args: tuple[str, str | None, str | None]) -> tuple[str, dict[str, object]]:
    """Read one file for the pool; errors become an `error` entry, never an exception."""
    path, region, languages = args
    try:
        reading = read_card(Path(path).read_bytes(), region=region, languages=languages)
    except (CardImageError, OSError) as exc:
        empty = CardReading().fields_json()
        empty["error"] = str(exc)
        return path, empty
    result = reading.fields_json()
    result["seconds"] = reading.timings.get("total")
    return path, result


def readings_as_json(
    paths: Iterable[str | os.PathLike[str]],
    *,
    region: str | None = None,
    languages: str | None = None,
    workers: int | None = None,
) -> dict[str, dict[str, object]]:
    """Read many card photos (in a process pool) into {path as given: fields}.

    This is the payload of `expo-crm cards read IMAGE... --json`. Unreadable files get
    empty fields and an `error` message rather than stopping the batch.
    """
    jobs = [(os.fspath(p), region, languages) for p in paths]
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    if workers <= 1 or len(jobs) <= 1:
        return dict(map(_read_path, jobs))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return dict(pool.map(_read_path, jobs))


__all__ = [
    "CardImageError",
    "CardReading",
    "decode_image",
    "read_card",
    "readings_as_json",
]

"""The card reader on synthetic photos: rendered cards, warped, rotated, noisy, and bad input."""

from __future__ import annotations

import io
import re
import shutil
import struct
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps

from expo_crm.visitors.ocr import (
    CardImageError,
    CardReading,
    TextBox,
    _LineReading,
    _network_reading,
    consensus,
    crop_card,
    decode_image,
    detect_text_lines,
    find_card_quad,
    prepare_for_ocr,
    read_card,
    reader_model_path,
    readings_as_json,
    restore_accents,
    text_bounds,
    text_model_path,
)

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs tesseract")

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEJAVU_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

LATIN_CARD = [
    ("Mariana Conceição", 58, True),
    ("Diretora Comercial", 36, False),
    ("Vidraçaria Horizonte Ltda.", 36, True),
    ("Tel: (11) 3456-7890", 34, False),
    ("mariana@horizonte.com.br", 34, False),
    ("Rua Augusta, 1500 - São Paulo - SP", 30, False),
]


def _font(path: Path, size: int, index: int = 0) -> ImageFont.FreeTypeFont:
    if not path.exists():
        pytest.skip(f"font {path.name} is not installed")
    return ImageFont.truetype(str(path), size, index=index)


def render_card(lines: list[tuple[str, int, bool]], *, cjk: bool = False) -> Image.Image:
    """Draw a white 1050 x 600 card with the given (text, size, bold) lines."""
    card = Image.new("RGB", (1050, 600), "white")
    draw = ImageDraw.Draw(card)
    y = 50
    for text, size, bold in lines:
        if cjk:
            font = _font(NOTO_CJK, size, index=2)  # the Simplified Chinese face
        else:
            font = _font(DEJAVU_BOLD if bold else DEJAVU, size)
        draw.text((60, y), text, fill=(20, 20, 30), font=font)
        y += int(size * 1.55)
    return card


def photo_of(card: Image.Image, *, rotate: int = 0, noise: float = 0.0, seed: int = 1) -> bytes:
    """Place the card on a grey desk in perspective, rotate the photo, add noise; as JPEG."""
    rng = np.random.default_rng(seed)
    desk = np.full((1200, 1600, 3), (105, 110, 118), np.uint8)
    desk = cv2.add(desk, rng.integers(0, 12, desk.shape, dtype=np.uint8))
    src = np.array([[0, 0], [1049, 0], [1049, 599], [0, 599]], np.float32)
    dst = np.array([[260, 240], [1330, 300], [1300, 930], [230, 880]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    card_bgr = cv2.cvtColor(np.asarray(card), cv2.COLOR_RGB2BGR)
    warped = cv2.warpPerspective(card_bgr, matrix, (1600, 1200))
    mask = cv2.warpPerspective(np.full((600, 1050), 255, np.uint8), matrix, (1600, 1200))
    photo = np.where(mask[..., None] > 0, warped, desk)
    if noise:
        photo = np.clip(photo + rng.normal(0, noise, photo.shape), 0, 255).astype(np.uint8)
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    if rotate:
        photo = cv2.rotate(photo, codes[rotate])
    ok, buffer = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return buffer.tobytes()


def digits(values: list[str]) -> list[str]:
    return [re.sub(r"\D", "", v) for v in values]


@pytest.fixture(scope="module")
def latin_card() -> Image.Image:
    return render_card(LATIN_CARD)


def assert_latin_fields(reading: CardReading) -> None:
    assert reading.emails == ["mariana@horizonte.com.br"]
    assert any(d.endswith("1134567890") for d in digits(reading.phones))
    assert reading.name == "Mariana Conceição"
    assert reading.title == "Diretora Comercial"
    assert reading.company == "Vidraçaria Horizonte Ltda."
    assert reading.address is not None
    assert reading.address.startswith("Rua Augusta, 1500")


def test_reads_a_card_photographed_in_perspective(latin_card: Image.Image) -> None:
    reading = read_card(photo_of(latin_card), region="BR")

    assert_latin_fields(reading)
    assert reading.rotation == 0
    assert reading.confidence["emails"] > 0.5
    assert set(reading.timings) >= {"decode", "locate", "ocr", "parse", "total"}
    assert "Mariana Conceição" in reading.raw_text


@pytest.mark.parametrize("degrees", [90, 180])
def test_reads_a_rotated_card(latin_card: Image.Image, degrees: int) -> None:
    reading = read_card(photo_of(latin_card, rotate=degrees), region="BR")

    assert_latin_fields(reading)
    assert reading.rotation in {90, 180, 270}


needs_detector = pytest.mark.skipif(
    text_model_path() is None, reason="the text-line model is fetched by scripts/setup.sh"
)


@needs_detector
def test_the_detector_finds_each_printed_line(latin_card: Image.Image) -> None:
    card = prepare_for_ocr(crop_card(decode_image(photo_of(latin_card))))

    boxes = sorted(detect_text_lines(card.gray), key=lambda box: box.center[1])

    assert len(boxes) == len(LATIN_CARD)
    assert not any(box.is_vertical for box in boxes)
    # The name is printed largest, and every box starts at the printed left margin.
    assert max(boxes, key=lambda box: box.size[1]) is boxes[0]
    scale = card.gray.shape[1] / 1050
    assert all(abs(box.center[0] - box.size[0] / 2 - 60 * scale) < 25 for box in boxes)


@needs_detector
def test_reads_a_phone_number_printed_up_the_edge() -> None:
    card = render_card(LATIN_CARD[:3] + LATIN_CARD[4:5])
    strip = Image.new("RGB", (420, 60), "white")
    ImageDraw.Draw(strip).text((6, 8), "(11) 3392-3817", fill=(20, 20, 30), font=_font(DEJAVU, 38))
    card.paste(strip.rotate(90, expand=True), (960, 120))  # reads bottom to top

    reading = read_card(photo_of(card), region="BR")

    assert any(d.endswith("1133923817") for d in digits(reading.phones))
    assert reading.rotation == 0
    assert reading.name == "Mariana Conceição"


def test_without_the_detector_the_page_reader_still_reads_the_card(
    latin_card: Image.Image, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EXPO_CRM_TEXT_MODEL", str(tmp_path / "missing.onnx"))
    assert text_model_path() is None

    reading = read_card(photo_of(latin_card), region="BR")

    assert reading.emails == ["mariana@horizonte.com.br"]
    assert reading.name == "Mariana Conceição"


def test_without_the_line_recognizer_tesseract_reads_the_lines(
    latin_card: Image.Image, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EXPO_CRM_READER_MODEL", str(tmp_path / "missing.onnx"))
    assert reader_model_path() is None

    reading = read_card(photo_of(latin_card), region="BR")

    assert_latin_fields(reading)


@pytest.mark.skipif(
    reader_model_path() is None, reason="the line recognizer is fetched by scripts/setup.sh"
)
def test_the_line_recognizer_reads_a_line_into_words_left_to_right() -> None:
    strip = Image.new("L", (900, 80), 235)
    ImageDraw.Draw(strip).text((20, 12), "Brunau Buffet 2131-3400", fill=40, font=_font(DEJAVU, 48))
    line = np.asarray(strip)
    line = cv2.resize(line, (round(line.shape[1] * 48 / line.shape[0]), 48))

    reading = _network_reading(line, 235)

    assert [word for word, _, _ in reading.words] == ["Brunau", "Buffet", "2131-3400"]
    lefts = [box[0] for _, _, box in reading.words]
    assert lefts == sorted(lefts)
    assert lefts[0] < 60 < lefts[1]
    assert all(0.8 < conf <= 1.0 for _, conf, _ in reading.words)


def test_accents_are_taken_only_from_sure_words_of_the_same_letters() -> None:
    network = _reading("Rua Sao Joao, 12 - Pecas contato@pecasdominio.com.br", 0.95)
    tesseract = _LineReading(
        [
            ("Rua", 0.96, (0, 0, 1, 1)),
            ("São", 0.96, (0, 0, 1, 1)),
            ("Joãu,", 0.4, (0, 0, 1, 1)),  # unsure: its tilde is not taken
            ("12", 0.9, (0, 0, 1, 1)),
            ("-", 0.9, (0, 0, 1, 1)),
            ("PEÇAS", 0.95, (0, 0, 1, 1)),
            ("contato@peçasdomínio.com.br", 0.9, (0, 0, 1, 1)),
        ]
    )

    restored = restore_accents(network, tesseract)

    assert " ".join(word for word, _, _ in restored.words) == (
        "Rua São Joao, 12 - Peças contato@pecasdominio.com.br"
    )
    assert [conf for _, conf, _ in restored.words] == [conf for _, conf, _ in network.words]


def test_accents_never_change_a_letter() -> None:
    restored = restore_accents(_reading("Eletronica 5ao", 0.9), _reading("Elétrônica São", 0.9))

    assert " ".join(word for word, _, _ in restored.words) == "Elétrônica 5ão"  # not "S"


def test_text_boxes_are_normalized_whatever_the_angle_convention() -> None:
    lying = TextBox.from_rect((100, 50), (20, 300), -90.0)  # OpenCV 5: a wide box at -90
    tilted = TextBox.from_rect((100, 50), (300, 20), 80.0)

    assert (lying.size, lying.skew, lying.is_vertical) == ((300, 20), 0, False)
    assert (tilted.size, tilted.skew, tilted.is_vertical) == ((20, 300), -10, True)


def _reading(text: str, conf: float) -> _LineReading:
    return _LineReading([(word, conf, (0, 0, 10, 10)) for word in text.split()])


def test_readings_of_a_line_vote_per_character() -> None:
    merged = consensus(
        [
            _reading("dimariorestauranteog mail.com", 0.81),  # Portuguese: no "@"
            _reading("dimartorestaurante@gmail.com", 0.91),  # one wrong letter
            _reading("dimariorestaurante@gmail.com", 0.90),
            _reading("dimariorestaurante@g mail.com", 0.76),
        ]
    )

    assert " ".join(word for word, _, _ in merged.words) == "dimariorestaurante@gmail.com"
    assert 0.5 < merged.conf < 1.0  # the letters some readings disputed lower it


def test_two_readings_are_not_voted_the_one_that_sees_an_at_wins() -> None:
    merged = consensus([_reading("anaQhotmail.com", 0.95), _reading("ana@hotmail.com", 0.7)])

    assert merged.words[0][0] == "ana@hotmail.com"


def test_reads_a_noisy_photo(latin_card: Image.Image) -> None:
    reading = read_card(photo_of(latin_card, noise=14.0), region="BR")

    assert reading.emails == ["mariana@horizonte.com.br"]
    assert any(d.endswith("1134567890") for d in digits(reading.phones))
    assert reading.name == "Mariana Conceição"


def test_finds_the_card_corners_in_a_desk_photo(latin_card: Image.Image) -> None:
    bgr = decode_image(photo_of(latin_card), max_side=1600)

    quad = find_card_quad(bgr)

    assert quad is not None
    expected = np.array([[260, 240], [1330, 300], [1300, 930], [230, 880]], np.float32)
    assert np.abs(quad - expected).max() < 25


def test_reads_light_print_on_a_coloured_panel() -> None:
    card = Image.new("RGB", (1050, 600), "white")
    draw = ImageDraw.Draw(card)
    draw.text((60, 60), "Padaria Aurora", fill=(20, 20, 30), font=_font(DEJAVU_BOLD, 56))
    draw.rectangle((0, 330, 1050, 600), fill=(236, 168, 52))  # an orange band
    light = (250, 200, 110)  # pale print on it, as on many shop cards
    draw.text((60, 370), "Tel: (11) 3456-7890", fill=light, font=_font(DEJAVU, 36))
    draw.text((60, 440), "contato@padariaaurora.com.br", fill=light, font=_font(DEJAVU, 36))

    reading = read_card(photo_of(card), region="BR")

    assert reading.emails == ["contato@padariaaurora.com.br"]
    assert any(d.endswith("1134567890") for d in digits(reading.phones))


def test_without_a_card_edge_the_text_is_cropped() -> None:
    # A white card on a white desk: no edge to find, the text is a small part of the photo.
    photo = Image.new("RGB", (1280, 720), (246, 246, 244))
    card = render_card(LATIN_CARD).resize((525, 300))
    photo.paste(card, (600, 300))
    bgr = cv2.cvtColor(np.asarray(photo), cv2.COLOR_RGB2BGR)

    assert find_card_quad(bgr) is None
    bounds = text_bounds(bgr)
    assert bounds is not None
    x, y, width, height = bounds
    assert 560 <= x <= 640
    assert 280 <= y <= 340
    assert width < 600
    assert height < 340


def test_reads_a_chinese_card_with_a_language_hint() -> None:
    card = render_card(
        [
            ("王小明", 60, True),
            ("销售经理", 38, False),
            ("上海星辰科技有限公司", 38, False),
            ("电话 +86 21 5555 1234", 34, False),
            ("wang@xingchen.cn", 34, False),
        ],
        cjk=True,
    )

    reading = read_card(photo_of(card), region="CN", languages="chi_sim+eng")

    assert reading.emails == ["wang@xingchen.cn"]
    assert any(d.endswith("2155551234") for d in digits(reading.phones))
    assert reading.company is not None
    assert reading.company.endswith("有限公司")


def test_without_a_hint_a_brazilian_card_keeps_its_accents(latin_card: Image.Image) -> None:
    reading = read_card(photo_of(latin_card))

    assert reading.languages == "por"
    assert_latin_fields(reading)


def test_without_a_hint_a_japanese_card_is_read_with_its_own_language_pack() -> None:
    card = render_card(
        [
            ("山田 太郎", 60, True),
            ("営業部 部長", 38, False),
            ("株式会社サクラ商事", 38, False),
            ("TEL 03-1234-5678", 34, False),
            ("yamada@sakura-shoji.co.jp", 34, False),
        ],
        cjk=True,
    )

    reading = read_card(photo_of(card))

    assert reading.languages.startswith("jpn")
    assert reading.company == "株式会社サクラ商事"  # katakana: not in the recognizer's alphabet
    assert reading.phones == ["+81 3-1234-5678"]
    assert reading.emails == ["yamada@sakura-shoji.co.jp"]


def test_large_photo_decodes_small_and_fast(latin_card: Image.Image) -> None:
    big = Image.open(io.BytesIO(photo_of(latin_card))).resize((4000, 3000))
    buffer = io.BytesIO()
    big.save(buffer, "JPEG", quality=90)

    # CPU time, not wall time: the assertion must hold on a busy CI machine too.
    started = time.process_time()
    bgr = decode_image(buffer.getvalue())

    assert time.process_time() - started < 0.5  # libjpeg scales while decoding
    assert max(bgr.shape[:2]) <= 1280


@pytest.mark.parametrize("size", [(4608, 2592), (2592, 4608), (4000, 3000)])
def test_wide_and_tall_photos_are_scaled_while_decoding(
    latin_card: Image.Image, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    big = Image.open(io.BytesIO(photo_of(latin_card))).resize(size)
    buffer = io.BytesIO()
    big.save(buffer, "JPEG", quality=85)
    decoded_sizes: list[tuple[int, int]] = []
    transpose = ImageOps.exif_transpose

    def spy(image: Image.Image, **kwargs: object) -> Image.Image:
        decoded_sizes.append(image.size)
        return transpose(image, **kwargs)

    monkeypatch.setattr("expo_crm.visitors.ocr.ImageOps.exif_transpose", spy)

    bgr = decode_image(buffer.getvalue())

    # libjpeg decoded at half size or less (a 12 MP photo never exists at full size).
    assert max(decoded_sizes[0]) <= max(size) // 2
    assert max(bgr.shape[:2]) <= 1280


def test_exif_orientation_is_applied(latin_card: Image.Image) -> None:
    # Pixels stored sideways with an EXIF tag saying "rotate 90 CW to view" (orientation 6).
    upright = Image.open(io.BytesIO(photo_of(latin_card)))
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", exif=exif.tobytes())

    bgr = decode_image(buffer.getvalue())

    assert bgr.shape[1] > bgr.shape[0]  # landscape again, as shot


# --------------------------------------------------------------------------- bad input


def _png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims the size; the pixel data is a tiny valid stream."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def _blank_photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1280, 720), (128, 128, 128)).save(buffer, "JPEG")
    return buffer.getvalue()


def _truncated_jpeg(latin_card: Image.Image) -> bytes:
    data = photo_of(latin_card)
    return data[: len(data) // 3]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda card: b"", "empty"),
        (lambda card: b"%PDF-1.7 this is not a photo", "not a photo"),
        (lambda card: b"\xff\xd8\xff\xe0" + b"\x00" * 100, "not a photo"),
        (_truncated_jpeg, "damaged or incomplete"),
        (lambda card: _png_header_claiming(100_000, 100_000), "too many pixels"),
        (lambda card: _png_header_claiming(9000, 5000), "too many pixels"),
        (lambda card: _blank_photo(), "No card is visible"),
    ],
    ids=["empty", "pdf", "jpeg-magic-only", "truncated", "bomb", "45mp", "blank"],
)
def test_bad_input_is_refused_quickly_with_a_clear_message(
    latin_card: Image.Image, make, message: str
) -> None:
    data = make(latin_card)

    started = time.process_time()  # all in-process: no Tesseract runs for bad input
    with pytest.raises(CardImageError, match=message):
        read_card(data, region="BR")

    assert time.process_time() - started < 1.0


def test_truncated_photos_are_refused_even_when_pillow_tolerates_them(
    latin_card: Image.Image, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WeasyPrint turns on LOAD_TRUNCATED_IMAGES process-wide; the check must not rely on it."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(CardImageError, match="damaged or incomplete"):
        read_card(_truncated_jpeg(latin_card), region="BR")
    buffer = io.BytesIO()
    latin_card.save(buffer, "PNG")
    with pytest.raises(CardImageError, match="damaged or incomplete"):
        read_card(buffer.getvalue()[:-100], region="BR")


def test_readings_as_json_keys_results_by_path_and_reports_errors(
    latin_card: Image.Image, tmp_path: Path
) -> None:
    good = tmp_path / "card.jpg"
    good.write_bytes(photo_of(latin_card))
    bad = tmp_path / "notes.txt"
    bad.write_text("not an image")

    result = readings_as_json([str(good), str(bad)], region="BR", workers=1)

    assert list(result) == [str(good), str(bad)]
    assert result[str(good)]["emails"] == ["mariana@horizonte.com.br"]
    assert set(result[str(good)]["confidence"]) == {
        "name",
        "title",
        "company",
        "emails",
        "phones",
        "website",
        "address",
    }
    assert result[str(bad)]["emails"] == []
    assert "not a photo" in str(result[str(bad)]["error"])


def test_a_batch_in_worker_processes_after_reading_here(
    latin_card: Image.Image, tmp_path: Path
) -> None:
    # This process has started its line-reading threads; forked workers must start their
    # own rather than queue work for threads that did not survive the fork.
    read_card(photo_of(latin_card), region="BR")
    paths = []
    for seed in (1, 2):
        path = tmp_path / f"card{seed}.jpg"
        path.write_bytes(photo_of(latin_card, seed=seed))
        paths.append(str(path))

    result = readings_as_json(paths, region="BR", workers=2)

    assert [result[p]["emails"] for p in paths] == [["mariana@horizonte.com.br"]] * 2


@needs_detector
def test_reads_a_japanese_name_printed_top_to_bottom() -> None:
    card = render_card(
        [("株式会社山田商事", 40, False), ("yamada@yamada-shoji.jp", 34, False)], cjk=True
    )
    draw = ImageDraw.Draw(card)
    font = _font(NOTO_CJK, 64)  # the Japanese face
    for row, char in enumerate("山田太郎"):
        draw.text((900, 150 + 78 * row), char, fill=(20, 20, 30), font=font)

    reading = read_card(photo_of(card), region="JP", languages="jpn+eng")

    assert "山田太郎" in reading.raw_text.replace(" ", "")
    assert reading.company == "株式会社山田商事"  # the horizontal lines still read as such
    assert reading.rotation == 0

"""Fetch the card reader's neural networks into expo_crm/visitors/models/.

Both are PaddleOCR PP-OCRv4 networks (Apache-2.0) in ONNX form, as published on PyPI
inside the rapidocr-onnxruntime wheel: the text-line detector, which finds each printed
line, and the line recognizer (Chinese and Latin script), which reads one. Only those
files are taken from the wheel (the package itself is not installed: it would pull in a
second OpenCV), and each is checked against a pinned SHA-256. Without them the reader
falls back to Tesseract alone, so a failed download is reported, not fatal.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "expo_crm" / "visitors" / "models"
WHEEL = "rapidocr-onnxruntime==1.4.4"
#: target file name -> (member of the wheel, SHA-256 of its bytes)
MODELS = {
    "text_lines.onnx": (
        "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx",
        "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9",
    ),
    "line_reader.onnx": (
        "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx",
        "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b",
    ),
}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    missing = {
        name: spec
        for name, spec in MODELS.items()
        if not (FOLDER / name).is_file() or digest(FOLDER / name) != spec[1]
    }
    if not missing:
        return 0
    with tempfile.TemporaryDirectory() as folder:
        fetched = subprocess.run(  # noqa: S603  (pip of this interpreter, fixed arguments)
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", WHEEL, "-d", folder],
            capture_output=True,
            text=True,
            check=False,
        )
        wheels = list(Path(folder).glob("*.whl"))
        if fetched.returncode != 0 or not wheels:
            print(fetched.stderr[-2000:], file=sys.stderr)
            print(f"Could not download {WHEEL}; cards are read by Tesseract alone.")
            return 1
        with zipfile.ZipFile(wheels[0]) as wheel:
            contents = {name: wheel.read(member) for name, (member, _) in missing.items()}
    status = 0
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name, data in contents.items():
        member, expected = missing[name]
        if hashlib.sha256(data).hexdigest() != expected:
            print(f"{member} in {WHEEL} does not have the expected SHA-256; not installed.")
            status = 1
            continue
        partial = (FOLDER / name).with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(FOLDER / name)
        print(f"Installed {(FOLDER / name).relative_to(ROOT)}")
    return status


if __name__ == "__main__":
    sys.exit(main())

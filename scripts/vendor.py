"""Copy the front-end libraries installed by `npm ci` into expo_crm/static/vendor/.

The app serves them itself (no CDN): the gate and lead scanner pages load the QR reader
and the follow-up dashboard loads Chart.js from /static/vendor/. The target folder is
generated, so it is not kept in git.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "node_modules"
VENDOR = ROOT / "expo_crm" / "static" / "vendor"

#: (package, file inside the package, target inside static/vendor/)
FILES = [
    ("zxing-wasm", "dist/iife/reader/index.js", "zxing-wasm/reader.js"),
    ("zxing-wasm", "dist/reader/zxing_reader.wasm", "zxing-wasm/zxing_reader.wasm"),
    ("zxing-wasm", "LICENSE", "zxing-wasm/LICENSE"),
    ("chart.js", "dist/chart.umd.min.js", "chart.js/chart.umd.min.js"),
    ("chart.js", "LICENSE.md", "chart.js/LICENSE.md"),
]


def main() -> int:
    missing = [f"{pkg}/{path}" for pkg, path, _ in FILES if not (MODULES / pkg / path).exists()]
    if missing:
        print("Run `npm ci` first; missing: " + ", ".join(missing), file=sys.stderr)
        return 1
    for package, path, target in FILES:
        destination = VENDOR / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(MODULES / package / path, destination)
    print(f"Copied {len(FILES)} front-end files into {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

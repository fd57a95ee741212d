"""Benchmark the business-card reader on the shared development set.

Reads every photo in ../shared/cards/dev (beside the repository) as shot (720p), and
the same photos upscaled to 12 megapixels, scores each run with the set's own scorer
(../shared/cards/score.py) and prints the overall score, the per-field scores and the
median / p90 seconds per card.

    python bench/ocr.py [--workers N] [--region BR] [--out DIR] [--sizes 720p,12mp]

With --workers 1 (the default) cards are read one after another, which is what one
kiosk sees; more workers measure batch throughput instead.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from expo_crm.visitors.ocr import CardImageError, read_card, readings_as_json  # noqa: E402

SHARED = REPO.parent / "shared" / "cards"
DEV = SHARED / "dev"
SCORER = SHARED / "score.py"


def fit_720p(image: Image.Image) -> Image.Image:
    """Scale the photo to fit 1280 x 720 (either orientation)."""
    long_side, short_side = (1280, 720)
    scale = min(long_side / max(image.size), short_side / min(image.size))
    size = (round(image.width * scale), round(image.height * scale))
    return image.resize(size, Image.Resampling.LANCZOS) if scale != 1 else image.copy()


def to_12mp(image: Image.Image) -> Image.Image:
    """Upscale the photo to about 12 megapixels, keeping its aspect ratio."""
    scale = math.sqrt(12_000_000 / (image.width * image.height))
    size = (round(image.width * scale), round(image.height * scale))
    return image.resize(size, Image.Resampling.BICUBIC)


SIZES: dict[str, Callable[[Image.Image], Image.Image]] = {"720p": fit_720p, "12mp": to_12mp}


def make_variant(photos: list[Path], size: str, folder: Path) -> list[Path]:
    """Write each photo resized for `size` into `folder` under its own file name."""
    out = []
    for photo in photos:
        target = folder / photo.name
        with Image.open(photo) as image:
            resized = SIZES[size](image.convert("RGB"))
            if resized.size == image.size:
                shutil.copyfile(photo, target)  # already that size: keep the photo's own bytes
            else:
                resized.save(target, quality=92)
        out.append(target)
    return out


def score(pred_path: Path) -> tuple[dict[str, str], str]:
    """Run the shared scorer; return its per-field lines and the overall figure."""
    result = subprocess.run(  # noqa: S603 - our own interpreter on the shared scorer
        [sys.executable, str(SCORER), str(DEV / "labels.json"), "--pred", str(pred_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    fields: dict[str, str] = {}
    overall = "?"
    for line in result.stdout.splitlines():
        parts = line.split(maxsplit=1)
        if len(parts) == 2 and parts[0] == "overall":
            overall = parts[1]
        elif len(parts) == 2:
            fields[parts[0]] = parts[1]
    return fields, overall


def cpu_seconds() -> float:
    """CPU time used so far by this process and its finished children (Tesseract)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def read_one_by_one(paths: list[Path], region: str) -> tuple[dict, list[float], list[float]]:
    """Read cards one after another as a kiosk does; return results, wall and CPU seconds."""
    results: dict[str, dict[str, object]] = {}
    walls, cpus = [], []
    for path in paths:
        data = path.read_bytes()
        cpu, wall = cpu_seconds(), time.perf_counter()
        try:
            results[str(path)] = read_card(data, region=region).fields_json()
        except CardImageError as exc:
            results[str(path)] = {"error": str(exc)}
        walls.append(time.perf_counter() - wall)
        cpus.append(cpu_seconds() - cpu)
    return results, walls, cpus


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]


def run(size: str, photos: list[Path], out_dir: Path, region: str, workers: int) -> None:
    """Read, score and report one size variant."""
    with tempfile.TemporaryDirectory(prefix=f"cards-{size}-") as tmp:
        paths = make_variant(photos, size, Path(tmp))
        started = time.perf_counter()
        if workers == 1:
            readings, seconds, cpus = read_one_by_one(paths, region)
        else:
            readings = readings_as_json([str(p) for p in paths], region=region, workers=workers)
            seconds = [float(r.get("seconds") or 0.0) for r in readings.values()]
            cpus = []
        wall = time.perf_counter() - started
    pred_path = out_dir / f"pred-{size}.json"
    pred_path.write_text(json.dumps(readings, ensure_ascii=False, indent=1), encoding="utf-8")
    fields, overall = score(pred_path)
    print(f"\n== {size}: {len(paths)} cards, {workers} worker(s), {wall:.1f} s wall")
    for name, figure in fields.items():
        print(f"   {name:8s} {figure}")
    print(f"   overall  {overall}")
    print(f"   seconds per card: median {statistics.median(seconds):.2f}  p90 {_p90(seconds):.2f}")
    if cpus:
        print(
            f"   CPU seconds per card: median {statistics.median(cpus):.2f}  p90 {_p90(cpus):.2f}"
        )
    print(f"   machine load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def main() -> None:
    """Parse arguments and run the benchmark for each requested size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--region", default="BR")
    parser.add_argument("--sizes", default="720p,12mp")
    parser.add_argument("--out", type=Path, default=REPO / "var" / "bench")
    args = parser.parse_args()
    photos = sorted(DEV.glob("*.jpg"))
    if not photos:
        sys.exit(f"no photos in {DEV}")
    args.out.mkdir(parents=True, exist_ok=True)
    for size in args.sizes.split(","):
        run(size, photos, args.out, args.region, args.workers)


if __name__ == "__main__":
    main()

"""Peak memory (RSS) of `agecascade predict --annotate` on one 1, 12 and 100 megapixel photo, and
on a folder of 24 photos of 41 megapixels each (with and without --annotate: the copies are drawn
one photo at a time, so memory does not grow with the batch).

Each photo is scikit-image's astronaut scaled up (one face, JPEG). Each run is its own process
(`agecascade predict` as a user runs it, with a VGG16 age model at 224 px, random weights), whose
peak resident memory the kernel reports (`ru_maxrss` of the child). Target: under 1.5 GB for all
three, model included. Also prints the run's wall time and the face it found.

Usage: python benchmarks/predict_memory.py [--megapixels 1 12 100] [--folder 24 --folder-megapixels 41]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUN = """
import resource, sys
from agecascade import cli
code = cli.main(sys.argv[1:])
print("MAXRSS_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def _photo(path: Path, megapixels: float, Image, data) -> Path:
    side = int((megapixels * 1e6) ** 0.5)
    Image.fromarray(data.astronaut()).resize((side, side), Image.Resampling.BILINEAR).save(path, quality=90)
    return path


def _run(photos: Path, model: Path, annotate: Path | None, megapixels: float, batch_size: int) -> dict:
    """One `agecascade predict` process: exit code, faces, peak RSS, wall time."""
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-c", RUN, "predict", str(photos), "--model", str(model), "--no-progress",
                          "--batch-size", str(batch_size),
                          *(["--annotate", str(annotate)] if annotate else [])], capture_output=True, text=True)
    peak_kb = int(next(line.split()[1] for line in run.stderr.splitlines() if line.startswith("MAXRSS_KB")))
    return {"megapixels": megapixels, "batch_size": batch_size, "exit": run.returncode,
            "faces": max(0, len(run.stdout.strip().splitlines()) - 1),
            "peak_rss_mb": round(peak_kb / 1024), "under_1_5_gb": peak_kb / 1024 < 1536,
            "seconds": round(time.perf_counter() - start, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megapixels", type=float, nargs="+", default=[1, 12, 100])
    parser.add_argument("--folder", type=int, default=24, help="photos in the folder run (0: none)")
    parser.add_argument("--folder-megapixels", type=float, default=41)
    parser.add_argument("--batch-size", type=int, default=4, help="predict's --batch-size (faces per model call)")
    args = parser.parse_args()

    from PIL import Image
    from skimage import data

    from agecascade.models.head import build_age_model

    tmp = Path(tempfile.mkdtemp())
    model = tmp / "vgg16-224.keras"
    build_age_model("vgg16", list(range(0, 70)), input_shape=(224, 224, 3), seed=0).save(model)
    results = []
    for megapixels in args.megapixels:
        photo = _photo(tmp / f"photo-{megapixels:g}mp.jpg", megapixels, Image, data)
        results.append({"photos": 1, **_run(photo, model, tmp / f"annotated-{megapixels:g}", megapixels,
                                            args.batch_size)})
    if args.folder:
        folder = tmp / "folder"
        folder.mkdir()
        first = _photo(folder / "photo-00.jpg", args.folder_megapixels, Image, data)
        for k in range(1, args.folder):
            (folder / f"photo-{k:02d}.jpg").write_bytes(first.read_bytes())
        for annotate in (tmp / "annotated-folder", None):
            results.append({"photos": args.folder, "annotate": annotate is not None,
                            **_run(folder, model, annotate, args.folder_megapixels, args.batch_size)})
    print(json.dumps(results, indent=2))
    print(f"children's peak RSS (all runs): {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()

"""What checking an uploaded file costs: time and peak memory of ``checked_file`` for the
pictures and PDFs a citizen may send, each measured in a process of its own.

    .venv/bin/python bench/uploads.py            # or: make bench (the last step)
    .venv/bin/python bench/uploads.py --copies 5

Scenarios: five PNGs of 6300 x 6300 pixels and about 130 KB each (what the outside probe
sent: a few kilobytes that claim 40 megapixels), a 48-megapixel JPEG (a phone's largest
photo), and a 200-page PDF. The inputs are built once in a temporary folder; each child
process reads them, notes its peak memory, checks them, and reports how much higher its
peak went (``ru_maxrss``: Pillow's pixel buffers are not seen by tracemalloc).
"""

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    sys.path[0] = str(BASE_DIR)  # as in staff_pages.py: import from the repository


def build(folder: Path, copies: int) -> dict[str, list[Path]]:
    from PIL import Image
    from pypdf import PdfWriter

    png = io.BytesIO()
    Image.new("RGB", (6300, 6300), (255, 255, 255)).save(png, "PNG", optimize=True)
    jpeg = io.BytesIO()
    gradient = Image.linear_gradient("L").resize((8000, 6000)).convert("RGB")
    gradient.save(jpeg, "JPEG", quality=85, comment=b"written by the phone")
    pdf = io.BytesIO()
    writer = PdfWriter()
    for _ in range(200):
        writer.add_blank_page(width=595, height=842)
    writer.write(pdf)
    files = {}
    for name, data, suffix in (("png", png, "png"), ("jpeg", jpeg, "jpg"), ("pdf", pdf, "pdf")):
        path = folder / f"input.{suffix}"
        path.write_bytes(data.getvalue())
        files[name] = [path] * (copies if name == "png" else 1)
    return files


def child(paths: list[str]) -> dict:
    """Run in its own process: check the files, as the request form does."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from referrals.uploads import checked_file

    uploads = [SimpleUploadedFile(Path(p).name, Path(p).read_bytes()) for p in paths]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    outcomes = []
    for upload in uploads:
        try:
            content, _kind, _digest = checked_file(upload)
            outcomes.append(f"stored ({content.size // 1024} KB)")
        except ValidationError as error:
            outcomes.append(f"refused ({error.code})")
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "peak_mb_above_setup": round(
            (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024, 1
        ),
        "outcomes": outcomes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=5, help="PNGs sent at once (5)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    environment = {**os.environ, "VAR_DIR": tempfile.mkdtemp(prefix="bench-uploads-")}
    with tempfile.TemporaryDirectory() as folder:
        for name, paths in build(Path(folder), args.copies).items():
            result = subprocess.run(
                [sys.executable, __file__, "--child", *map(str, paths)],
                capture_output=True,
                text=True,
                check=True,
                env=environment,
            )
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            print(
                f"{name:5} x{len(paths)}: {figures['seconds']:7.3f} s, peak "
                f"+{figures['peak_mb_above_setup']:6.1f} MB, {', '.join(figures['outcomes'])}"
            )


if __name__ == "__main__":
    main()

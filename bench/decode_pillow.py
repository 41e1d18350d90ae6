"""Decode + preprocess peer of `bin/medvec bench decode`.

Reads each listed file, decodes it and resizes it as medvec's preprocessing does (largest centred
square, bilinear, antialiased), and converts it to float32 in [0, 1]. JPEG/PNG through Pillow;
DICOM through pydicom (stored values, Rescale Slope/Intercept, the file's window or min-max, as
docs/dicom.md describes), then Pillow's float resize. Prints one JSON line:
{"runs": [images/s, ...], "images": N, "pillow": version, "pydicom": version or null}.
"""
import argparse
import json
import sys
import time

import numpy as np
from PIL import Image


def square_box(w, h):
    side = min(w, h)
    x0, y0 = (w - side) // 2, (h - side) // 2
    return (x0, y0, x0 + side, y0 + side)


def pillow_image(path, size, mode):
    with Image.open(path) as im:
        im = im.convert(mode)
        out = im.resize((size, size), Image.BILINEAR, box=square_box(*im.size))
    return np.asarray(out, dtype=np.float32) / 255.0


def dicom_image(path, size):
    import pydicom

    ds = pydicom.dcmread(path)
    v = ds.pixel_array.astype(np.float64)
    v = v * float(getattr(ds, "RescaleSlope", 1) or 1) + float(getattr(ds, "RescaleIntercept", 0) or 0)
    c, w = getattr(ds, "WindowCenter", None), getattr(ds, "WindowWidth", None)
    if c is not None and w is not None:
        c = float(c[0] if isinstance(c, pydicom.multival.MultiValue) else c)
        w = float(w[0] if isinstance(w, pydicom.multival.MultiValue) else w)
        v = np.clip((v - (c - 0.5)) / (w - 1) + 0.5, 0, 1)
    else:
        lo, hi = v.min(), v.max()
        v = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
    if ds.PhotometricInterpretation == "MONOCHROME1":
        v = 1 - v
    im = Image.fromarray(v.astype(np.float32), mode="F")
    out = im.resize((size, size), Image.BILINEAR, box=square_box(*im.size))
    return np.asarray(out, dtype=np.float32)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--files", required=True, help="a text file, one image path a line")
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--kind", choices=["rgb", "grey", "dicom"], required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    a = p.parse_args()
    files = [line.strip() for line in open(a.files) if line.strip()]
    decode = (
        (lambda f: dicom_image(f, a.size))
        if a.kind == "dicom"
        else (lambda f: pillow_image(f, a.size, "RGB" if a.kind == "rgb" else "L"))
    )
    runs = []
    checksum = 0.0
    for r in range(a.warmup + a.runs):
        start = time.perf_counter()
        for f in files:
            checksum += float(decode(f).sum())
        seconds = time.perf_counter() - start
        if r >= a.warmup:
            runs.append(len(files) / seconds)
    try:
        import pydicom

        dicom_version = pydicom.__version__
    except ImportError:
        dicom_version = None
    print(
        json.dumps(
            {
                "runs": runs,
                "images": len(files),
                "checksum": checksum,
                "pillow": Image.__version__,
                "pydicom": dicom_version,
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())

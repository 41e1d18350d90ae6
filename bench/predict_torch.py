"""End-to-end scoring peer of `bin/medvec bench predict`.

Loads a merged model's ``model.safetensors`` with ``python/medvec_torch.py`` (``MedvecNet``), then
for each listed file: reads it, decodes it with Pillow (RGB), preprocesses it as medvec's
``Preprocessing.unit(size, RGB)`` does (largest centred square, bilinear with antialiasing, values
/ 255) and scores batches of ``--batch`` images in torch (``eval()``, ``no_grad``) on ``--threads``
threads. ``--resize float`` (default) resizes each band in Pillow's 32-bit float mode, as medvec
resizes in float throughout, so the probabilities equal medvec's; ``--resize u8`` resizes the 8-bit
RGB image (Pillow rounds between its passes), the usual Python route. Prints one JSON line:
{"runs": [images/s, ...], "images": N, "inference_share": median share of the wall time in the
forward pass, "torch": version, "pillow": version}; ``--probs FILE``
also writes the last run's probabilities, N x classes little-endian float32 in file order.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import medvec_torch  # noqa: E402


def square_box(w, h):
    side = min(w, h)
    x0, y0 = (w - side) // 2, (h - side) // 2
    return (x0, y0, x0 + side, y0 + side)


def preprocess_float(path, size):
    with Image.open(path) as im:
        im = im.convert("RGB")
        box = square_box(*im.size)
        bands = [b.convert("F").resize((size, size), Image.BILINEAR, box=box) for b in im.split()]
    return np.stack([np.asarray(b, dtype=np.float32) for b in bands]) / np.float32(255.0)


def preprocess_u8(path, size):
    with Image.open(path) as im:
        im = im.convert("RGB")
        out = im.resize((size, size), Image.BILINEAR, box=square_box(*im.size))
    return np.asarray(out, dtype=np.float32).transpose(2, 0, 1) / np.float32(255.0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True, help="the merged model's model.safetensors")
    p.add_argument("--files", required=True, help="a text file, one image path a line")
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--resize", choices=["float", "u8"], default="float")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--probs", help="write the last run's probabilities here (float32)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    files = [line.strip() for line in open(a.files) if line.strip()]
    model = medvec_torch.load(a.model)
    preprocess = preprocess_float if a.resize == "float" else preprocess_u8

    def score():
        out = []
        inference = 0.0
        with torch.no_grad():
            for start in range(0, len(files), a.batch):
                x = np.stack([preprocess(f, a.size) for f in files[start : start + a.batch]])
                before = time.perf_counter()
                out.append(model(torch.from_numpy(x)).numpy())
                inference += time.perf_counter() - before
        return np.concatenate(out), inference

    runs = []
    shares = []
    probs = None
    for r in range(a.warmup + a.runs):
        start = time.perf_counter()
        probs, inference = score()
        seconds = time.perf_counter() - start
        if r >= a.warmup:
            runs.append(len(files) / seconds)
            shares.append(inference / seconds)
    if a.probs:
        with open(a.probs, "wb") as f:
            f.write(np.ascontiguousarray(probs, dtype="<f4").tobytes())
    print(
        json.dumps(
            {
                "runs": runs,
                "images": len(files),
                "inference_share": float(np.median(shares)),
                "threads": torch.get_num_threads(),
                "resize": a.resize,
                "torch": torch.__version__,
                "pillow": Image.__version__,
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""PyTorch peer of medvec's default CNN, for `bin/medvec bench` (not part of the pipeline).

Same layers as NetworkFactory with the default model.* keys: conv3x3(16, same) -> BN -> ReLU ->
maxpool2, conv3x3(32, same) -> BN -> ReLU -> maxpool2, dense 64 ReLU, softmax output; Adam;
NCHW float32 input in [0, 1]. Each training step copies its minibatch out of the numpy array,
as the Java side does. Prints one JSON object: images/s of every timed run.
"""
import argparse
import json
import sys
import time

import numpy as np
import torch
from torch import nn


def network(channels, classes, filters=(16, 32), dense=64, size=28):
    layers, c = [], channels
    for f in filters:
        layers += [nn.Conv2d(c, f, 3, padding=1), nn.BatchNorm2d(f), nn.ReLU(), nn.MaxPool2d(2)]
        c, size = f, size // 2
    layers += [nn.Flatten(), nn.Linear(c * size * size, dense), nn.ReLU(), nn.Linear(dense, classes)]
    return nn.Sequential(*layers)


def load(path, split):
    with np.load(path) as npz:
        x = npz[split + "_images"].astype(np.float32) / 255.0
        y = npz[split + "_labels"].reshape(-1).astype(np.int64)
    if x.ndim == 3:
        x = x[:, None, :, :]
    else:  # N, H, W, C -> N, C, H, W
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    return x, y


def train_run(model, opt, loss_fn, x, y, batch, images, rng):
    model.train()
    order = rng.permutation(len(y))
    done, start = 0, time.perf_counter()
    while done < images:
        idx = order[(done % len(y)):(done % len(y)) + batch]
        if len(idx) < batch:
            idx = order[:batch]
        xb, yb = torch.from_numpy(x[idx]), torch.from_numpy(y[idx])
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        done += len(idx)
    return done / (time.perf_counter() - start)


def infer_run(model, x, batch):
    model.eval()
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(x), batch):
            torch.softmax(model(torch.from_numpy(x[i:i + batch])), dim=1)
    return len(x) / (time.perf_counter() - start)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--train-images", type=int, default=1280)
    p.add_argument("--infer-batch", type=int, default=256)
    p.add_argument("--infer-repeat", type=int, default=4)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--what", default="train,infer")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    x, y = load(a.data, "train")
    xt, _ = load(a.data, "test")
    xt = np.concatenate([xt] * a.infer_repeat)
    model = network(x.shape[1], int(y.max()) + 1, size=x.shape[2])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(11)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    if "train" in a.what:
        runs = [train_run(model, opt, loss_fn, x, y, a.batch, a.train_images, rng)
                for _ in range(a.warmup + a.runs)]
        out["train"] = runs[a.warmup:]
        out["train_cold"] = runs[:1]
    if "infer" in a.what:
        runs = [infer_run(model, xt, a.infer_batch) for _ in range(a.warmup + a.runs)]
        out["infer"] = runs[a.warmup:]
        out["infer_cold"] = runs[:1]
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""PyTorch peer of medvec's built-in graphs, for `bin/medvec bench train infer --arch ...`
(not part of the pipeline).

Builds the network BackboneFactory builds, layer for layer: bias-free convolutions with symmetric
padding k // 2 (DL4J's Truncate mode), BatchNorm2d, ReLU, residual additions, global average
pooling and a linear output trained with cross-entropy (DL4J: softmax + MCXENT); Adam at 1e-3;
NCHW float32 in [0, 1], upscaled from the .npz images by nearest neighbour (source row
y * h // size), as ModelBench does.

  resnet:    stem conv3x3/1 (conv7x7/2 + maxpool3x3/2 from 112 px), ResNet-18's [2, 2, 2, 2] basic
             blocks with round(64 * width * 2^i) filters, 1x1-conv+BN projection shortcuts
  mobilenet: stem conv3x3 (stride 2 from 64 px) with 32*alpha filters, MobileNetV1's 13
             depthwise 3x3 + pointwise 1x1 blocks
  cnn:       torch_cnn.network at --image-size

The timing loops are torch_cnn's. Prints one JSON object: images/s of every timed run.
"""
import argparse
import json
import sys

import numpy as np
import torch
from torch import nn

import torch_cnn

MOBILENET_WIDTHS = [64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024]
MOBILENET_STRIDES = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1]


def conv_bn(cin, cout, k, stride, groups=1):
    return [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout)]


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(*conv_bn(cin, cout, 3, stride), nn.ReLU(), *conv_bn(cout, cout, 3, 1))
        self.shortcut = (nn.Sequential(*conv_bn(cin, cout, 1, stride))
                         if stride != 1 or cin != cout else nn.Identity())

    def forward(self, x):
        return torch.relu(self.body(x) + self.shortcut(x))


class GlobalAvgPool(nn.Module):
    def forward(self, x):
        return x.mean(dim=(2, 3))


def resnet(channels, classes, size, width, blocks=(2, 2, 2, 2)):
    widths = [max(1, round(64 * width * (1 << i))) for i in range(len(blocks))]
    if size >= 112:
        layers = [*conv_bn(channels, widths[0], 7, 2), nn.ReLU(), nn.MaxPool2d(3, 2, padding=1)]
    else:
        layers = [*conv_bn(channels, widths[0], 3, 1), nn.ReLU()]
    cin = widths[0]
    for stage, n in enumerate(blocks):
        for b in range(n):
            layers.append(BasicBlock(cin, widths[stage], 2 if stage > 0 and b == 0 else 1))
            cin = widths[stage]
    return nn.Sequential(*layers, GlobalAvgPool(), nn.Linear(cin, classes))


def mobilenet(channels, classes, size, alpha, blocks=13):
    def scaled(w):
        return max(1, int(w * alpha))
    cin = scaled(32)
    layers = [*conv_bn(channels, cin, 3, 2 if size >= 64 else 1), nn.ReLU()]
    for i in range(blocks):
        cout = scaled(MOBILENET_WIDTHS[i])
        layers += [*conv_bn(cin, cin, 3, MOBILENET_STRIDES[i], groups=cin), nn.ReLU(),
                   *conv_bn(cin, cout, 1, 1), nn.ReLU()]
        cin = cout
    return nn.Sequential(*layers, GlobalAvgPool(), nn.Linear(cin, classes))


def upscaled(x, size):
    if x.shape[2] == size and x.shape[3] == size:
        return x
    rows = (np.arange(size) * x.shape[2]) // size
    cols = (np.arange(size) * x.shape[3]) // size
    return np.ascontiguousarray(x[:, :, rows][:, :, :, cols])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--train-images", type=int, default=1280)
    p.add_argument("--infer-batch", type=int, default=256)
    p.add_argument("--infer-repeat", type=int, default=4)
    p.add_argument("--infer-images", type=int, default=0, help="first N test images (0: all)")
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--what", default="train,infer")
    p.add_argument("--arch", default="resnet", choices=["cnn", "resnet", "mobilenet"])
    p.add_argument("--image-size", type=int, default=0, help="0: the data's")
    p.add_argument("--width", type=float, default=0.25)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    x, y = torch_cnn.load(a.data, "train")
    xt, _ = torch_cnn.load(a.data, "test")
    size = a.image_size or x.shape[2]
    classes = int(y.max()) + 1
    # the timed training runs only ever read the first train-images images (as ModelBench)
    x, y = upscaled(x[:a.train_images], size), y[:a.train_images]
    if a.arch != "cnn" and a.infer_images:
        xt = xt[:a.infer_images]
    xt = np.concatenate([upscaled(xt, size)] * a.infer_repeat)
    if a.arch == "resnet":
        model = resnet(x.shape[1], classes, size, a.width)
    elif a.arch == "mobilenet":
        model = mobilenet(x.shape[1], classes, size, a.width)
    else:
        model = torch_cnn.network(x.shape[1], classes, size=size)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(11)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "arch": a.arch,
           "image_size": size, "params": sum(t.numel() for t in model.parameters())}
    if "train" in a.what:
        runs = [torch_cnn.train_run(model, opt, loss_fn, x, y, a.batch, a.train_images, rng)
                for _ in range(a.warmup + a.runs)]
        out["train"] = runs[a.warmup:]
        out["train_cold"] = runs[:1]
    if "infer" in a.what:
        runs = [torch_cnn.infer_run(model, xt, a.infer_batch) for _ in range(a.warmup + a.runs)]
        out["infer"] = runs[a.warmup:]
        out["infer_cold"] = runs[:1]
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()

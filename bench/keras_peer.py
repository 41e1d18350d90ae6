#!/usr/bin/python3
"""Independent forward pass of a Keras functional image classifier (HDF5), in PyTorch.

Reads the network's layer graph (the ``model_config`` attribute) and its weights with h5py, builds
each layer with torch.nn.functional (no Keras, no DL4J), runs the given inputs and writes the
outputs. medvec's KerasImportPeerTest compares DL4J's imported graph to these outputs.

    keras_peer.py MODEL.h5 INPUT.f32 N OUTPUT.f32

INPUT.f32: N images as float32 little-endian, NHWC (the model's own height, width, channels, in the
pixel range it was trained on). OUTPUT.f32: N rows of the model's outputs, float32 little-endian.
Computation is in float64, so the reference carries no float32 rounding of its own.

Supported Keras layers: InputLayer, Conv2D, DepthwiseConv2D, BatchNormalization, Activation, ReLU,
Add, AveragePooling2D, MaxPooling2D, GlobalAveragePooling2D, Flatten, Dense, Dropout, ZeroPadding2D;
channels-last only. Anything else is refused.
"""
import json
import math
import sys

import h5py
import numpy as np
import torch
import torch.nn.functional as F


def same_padding(size, kernel, stride, dilation=1):
    """TensorFlow's 'same': output ceil(size/stride), the odd pixel of padding at the end."""
    effective = (kernel - 1) * dilation + 1
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def pad_same(x, kernel, stride, dilation):
    top, bottom = same_padding(x.shape[2], kernel[0], stride[0], dilation[0])
    left, right = same_padding(x.shape[3], kernel[1], stride[1], dilation[1])
    return F.pad(x, (left, right, top, bottom))


def activation(x, name):
    if name in ("linear", None):
        return x
    if name == "relu":
        return F.relu(x)
    if name == "softmax":
        return F.softmax(x, dim=1)
    if name == "sigmoid":
        return torch.sigmoid(x)
    raise ValueError("unsupported activation " + name)


def weights(h5, name):
    group = h5["model_weights"][name]
    names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
    out = {}
    for n in names:
        out[n.split("/")[-1].split(":")[0]] = torch.tensor(np.array(group[n]), dtype=torch.float64)
    return out


def conv(x, cfg, w, depthwise):
    kernel, stride = cfg["kernel_size"], cfg["strides"]
    dilation = cfg.get("dilation_rate", [1, 1])
    if cfg["padding"] == "same":
        x = pad_same(x, kernel, stride, dilation)
    if depthwise:
        k = w["depthwise_kernel"]  # [kh, kw, in, multiplier]
        channels, mult = k.shape[2], k.shape[3]
        k = k.permute(2, 3, 0, 1).reshape(channels * mult, 1, k.shape[0], k.shape[1])
        groups = channels
    else:
        k = w["kernel"].permute(3, 2, 0, 1)  # [kh, kw, in, out] -> [out, in, kh, kw]
        groups = 1
    y = F.conv2d(x, k, w.get("bias"), stride=tuple(stride), dilation=tuple(dilation), groups=groups)
    return activation(y, cfg.get("activation"))


def batch_norm(x, cfg, w):
    shape = (1, -1, 1, 1) if x.dim() == 4 else (1, -1)
    gamma = w.get("gamma", torch.ones_like(w["moving_mean"]))
    beta = w.get("beta", torch.zeros_like(w["moving_mean"]))
    inv = gamma / torch.sqrt(w["moving_variance"] + cfg["epsilon"])
    return (x - w["moving_mean"].reshape(shape)) * inv.reshape(shape) + beta.reshape(shape)


def pool(x, cfg, kind):
    kernel, stride = cfg["pool_size"], cfg["strides"] or cfg["pool_size"]
    if cfg["padding"] != "valid":
        raise ValueError("only 'valid' pooling is supported")
    return F.avg_pool2d(x, kernel, stride) if kind == "avg" else F.max_pool2d(x, kernel, stride)


def layer_output(h5, layer, inputs):
    kind, cfg, name = layer["class_name"], layer["config"], layer["name"]
    if cfg.get("data_format", "channels_last") != "channels_last":
        raise ValueError("only channels_last models are supported (" + name + ")")
    x = inputs[0]
    if kind in ("Conv2D", "DepthwiseConv2D"):
        return conv(x, cfg, weights(h5, name), kind == "DepthwiseConv2D")
    if kind == "BatchNormalization":
        return batch_norm(x, cfg, weights(h5, name))
    if kind == "Activation":
        return activation(x, cfg["activation"])
    if kind == "ReLU":
        return F.relu(x) if cfg.get("max_value") is None else x.clamp(0, cfg["max_value"])
    if kind == "Add":
        return sum(inputs[1:], inputs[0])
    if kind == "AveragePooling2D":
        return pool(x, cfg, "avg")
    if kind == "MaxPooling2D":
        return pool(x, cfg, "max")
    if kind == "GlobalAveragePooling2D":
        return x.mean(dim=(2, 3))
    if kind == "ZeroPadding2D":
        (top, bottom), (left, right) = cfg["padding"]
        return F.pad(x, (left, right, top, bottom))
    if kind == "Flatten":  # Keras flattens channels-last: H, W, C order
        return x.permute(0, 2, 3, 1).reshape(x.shape[0], -1) if x.dim() == 4 else x
    if kind == "Dense":
        w = weights(h5, name)
        y = x @ w["kernel"] + (w["bias"] if "bias" in w else 0)
        return activation(y, cfg.get("activation"))
    if kind == "Dropout":
        return x
    raise ValueError("unsupported Keras layer " + kind + " (" + name + ")")


def forward(h5, images):
    config = json.loads(h5.attrs["model_config"])["config"]
    acts = {}
    for layer in config["layers"]:
        if layer["class_name"] == "InputLayer":
            acts[layer["name"]] = images.permute(0, 3, 1, 2)  # NHWC -> NCHW
            continue
        sources = [node[0] for node in layer["inbound_nodes"][0]]
        acts[layer["name"]] = layer_output(h5, layer, [acts[s] for s in sources])
    outputs = config["output_layers"]
    if len(outputs) != 1 or len(config["input_layers"]) != 1:
        raise ValueError("only single-input, single-output models are supported")
    return acts[outputs[0][0]]


def main(argv):
    if len(argv) != 5:
        sys.exit(__doc__)
    model, input_file, n, output_file = argv[1], argv[2], int(argv[3]), argv[4]
    with h5py.File(model, "r") as h5:
        config = json.loads(h5.attrs["model_config"])["config"]
        shape = next(
            l["config"]["batch_input_shape"]
            for l in config["layers"]
            if l["class_name"] == "InputLayer"
        )
        flat = np.fromfile(input_file, dtype="<f4")
        images = torch.tensor(flat.reshape(n, *shape[1:]), dtype=torch.float64)
        with torch.no_grad():
            out = forward(h5, images)
    out.numpy().astype("<f4").tofile(output_file)


if __name__ == "__main__":
    main(sys.argv)

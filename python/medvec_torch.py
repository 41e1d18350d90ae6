"""PyTorch side of medvec's model export: load a merged model's ``model.safetensors`` into a
``torch.nn.Module`` and score images with it.

    import medvec_torch
    model = medvec_torch.load("OUT/runs/RUN/merged/model.safetensors", apply_input_scale=True)
    probs = model(images)        # images: float tensor [N, C, H, W], pixels in [0, 1]
    model.metadata["medvec.classes"]

The module always takes NCHW input, also for an imported channels-last (Keras) base. The network's
input transform, x' = factor·x + offset per channel (``medvec.input_factor``,
``medvec.input_offset``: an imported base may expect [0, 255] or [-1, 1]), is applied by the module
when loaded with ``apply_input_scale=True``; otherwise the caller feeds transformed pixels
(``model.scale_input(x)`` applies it). A file without those keys has the identity transform.

The file holds the weights under the names of the module's ``state_dict()`` and, in its
``__metadata__``, the architecture as a JSON list (``medvec.architecture``) in one of two formats
(``medvec.format``): ``medvec-torch-sequential/1``, a multi-layer network's layers in order
(``MedvecNet``, ``layers.0.weight``, …), or ``medvec-torch-graph/1``, a computation graph's vertices
in topological order, each naming its inputs, residual additions included (``MedvecGraph``,
``nodes.stem_conv.weight``, …).
``load`` uses the ``safetensors`` package when it is installed and otherwise reads the format
itself (8-byte little-endian header length, JSON header, little-endian tensor bytes).

Command line (used by medvec's tests):
    python3 medvec_torch.py predict MODEL.safetensors IMAGES.f32 N C H W OUT.f32
reads N float32 images (row-major N×C×H×W, pixels in [0, 1]), applies the input transform, writes
N×classes float32 probabilities.
"""

from __future__ import annotations

import json
import math
import struct
import sys

import torch
import torch.nn.functional as F
from torch import nn

FORMAT = "medvec-torch-sequential/1"
GRAPH_FORMAT = "medvec-torch-graph/1"
DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "F16": torch.float16}


def read_safetensors(path: str) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Tensors and metadata of a safetensors file."""
    try:
        from safetensors import safe_open  # the reference reader, when installed
    except ImportError:
        safe_open = None
    if safe_open is not None:
        with safe_open(path, framework="pt") as f:
            return {k: f.get_tensor(k) for k in f.keys()}, dict(f.metadata() or {})
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    metadata = header.pop("__metadata__", {}) or {}
    buffer = data[8 + n :]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        dtype = DTYPES[entry["dtype"]]
        flat = torch.frombuffer(bytearray(buffer[begin:end]), dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"])
    return tensors, metadata


def build_layer(spec: dict) -> nn.Module:
    kind = spec["type"]
    if kind == "conv2d":
        same = spec["padding"] == "same"
        conv = SameConv2d if same else nn.Conv2d
        return conv(spec["in_channels"], spec["out_channels"], tuple(spec["kernel_size"]),
                    stride=tuple(spec["stride"]), padding=0 if same else tuple(spec["padding"]),
                    bias=spec["bias"], groups=spec.get("groups", 1))
    if kind == "zero_pad2d":
        top, bottom, left, right = spec["padding"]
        return nn.ZeroPad2d((left, right, top, bottom))
    if kind == "identity":
        return nn.Identity()
    if kind == "global_avg_pool":
        return GlobalAvgPool()
    if kind == "global_max_pool":
        return GlobalMaxPool()
    if kind == "batchnorm2d":
        return nn.BatchNorm2d(spec["num_features"], eps=spec["eps"])
    if kind == "relu":
        return nn.ReLU()
    if kind == "maxpool2d":
        if spec["padding"] == "same":
            return SameMaxPool2d(tuple(spec["kernel_size"]), tuple(spec["stride"]))
        return nn.MaxPool2d(tuple(spec["kernel_size"]), stride=tuple(spec["stride"]),
                            padding=tuple(spec["padding"]), ceil_mode=spec["ceil_mode"])
    if kind == "avgpool2d":
        return nn.AvgPool2d(tuple(spec["kernel_size"]), stride=tuple(spec["stride"]),
                            padding=tuple(spec["padding"]), ceil_mode=spec["ceil_mode"],
                            count_include_pad=spec["count_include_pad"])
    if kind == "flatten":
        return nn.Flatten(1)
    if kind == "linear":
        return nn.Linear(spec["in_features"], spec["out_features"], bias=spec["bias"])
    if kind == "sigmoid":
        return nn.Sigmoid()
    if kind == "tanh":
        return nn.Tanh()
    if kind == "softmax":
        return nn.Softmax(dim=1)
    raise ValueError(f"unknown layer type {kind!r}")


def same_padding(x: torch.Tensor, kernel: tuple, stride: tuple) -> tuple:
    """TensorFlow's and DL4J's Same padding of NCHW ``x`` as F.pad's (left, right, top, bottom):
    output ceil(size / stride), the odd pixel of padding at the bottom and right."""
    pads = []
    for size, k, s in zip(x.shape[2:], kernel, stride):
        total = max((math.ceil(size / s) - 1) * s + k - size, 0)
        pads.append((total // 2, total - total // 2))
    (top, bottom), (left, right) = pads
    return left, right, top, bottom


class SameConv2d(nn.Conv2d):
    """A convolution in Same mode whose padding depends on the input's size (stride > 1 or an even
    kernel): padded as TensorFlow and DL4J pad, then unpadded ``Conv2d``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(F.pad(x, same_padding(x, self.kernel_size, self.stride)))


class SameMaxPool2d(nn.Module):
    """Max pooling in Same mode: padded with -inf as TensorFlow and DL4J pad, then unpadded."""

    def __init__(self, kernel_size: tuple, stride: tuple):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.pad(x, same_padding(x, self.kernel_size, self.stride), value=float("-inf"))
        return F.max_pool2d(x, self.kernel_size, self.stride)


class InputScale(nn.Module):
    """The export's input transform, x' = factor·x + offset per channel of NCHW ``x`` (identity for
    a file that records none); held outside the ``state_dict``."""

    def __init__(self, metadata: dict[str, str]):
        super().__init__()
        factor = json.loads(metadata.get("medvec.input_factor", "[1.0]"))
        offset = json.loads(metadata.get("medvec.input_offset", "[0.0]"))
        if len(factor) != len(offset):
            raise ValueError(f"input transform has {len(factor)} factors but {len(offset)} offsets")
        self.register_buffer("factor", torch.tensor(factor).reshape(1, -1, 1, 1), persistent=False)
        self.register_buffer("offset", torch.tensor(offset).reshape(1, -1, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.factor + self.offset


class _Scaled(nn.Module):
    """What the two module kinds share: metadata and the optional input transform."""

    def _init_input(self, metadata: dict[str, str] | None, apply_input_scale: bool):
        self.metadata = dict(metadata or {})
        self.input_scale = InputScale(self.metadata)
        self.apply_input_scale = apply_input_scale

    def scale_input(self, x: torch.Tensor) -> torch.Tensor:
        """NCHW pixels in [0, 1] as the network expects them (its recorded input transform)."""
        return self.input_scale(x)

    def _input(self, x: torch.Tensor) -> torch.Tensor:
        return self.scale_input(x) if self.apply_input_scale else x


class MedvecNet(_Scaled):
    """The network a medvec export describes: its layers in order, as recorded."""

    def __init__(self, architecture: list[dict], metadata: dict[str, str] | None = None,
                 apply_input_scale: bool = False):
        super().__init__()
        self.layers = nn.Sequential(*[build_layer(spec) for spec in architecture])
        self._init_input(metadata, apply_input_scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(self._input(x))


class GlobalAvgPool(nn.Module):
    """Mean over the spatial axes: [N, C, H, W] -> [N, C]."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3))


class GlobalMaxPool(nn.Module):
    """Maximum over the spatial axes: [N, C, H, W] -> [N, C]."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.amax(dim=(2, 3))


ACTIVATIONS = {"relu": lambda x, spec: torch.relu(x), "sigmoid": lambda x, spec: torch.sigmoid(x),
               "tanh": lambda x, spec: torch.tanh(x),
               "softmax": lambda x, spec: torch.softmax(x, dim=1),
               "relu_capped": lambda x, spec: torch.clamp(x, 0.0, spec["relu_max"])}


class MedvecGraph(_Scaled):
    """A computation graph a medvec export describes: its vertices in topological order, each
    applied to the outputs of its named inputs (an ``add`` vertex sums them)."""

    def __init__(self, architecture: list[dict], metadata: dict[str, str] | None = None,
                 apply_input_scale: bool = False):
        super().__init__()
        self.architecture = architecture
        self.nodes = nn.ModuleDict({spec["name"]: build_layer(spec) for spec in architecture
                                    if spec["type"] not in ("input", "add")})
        outputs = [spec["name"] for spec in architecture if spec.get("graph_output")]
        if len(outputs) != 1:
            raise ValueError(f"graph export must mark exactly one output vertex, found {outputs}")
        self.output_name = outputs[0]
        self._init_input(metadata, apply_input_scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values: dict[str, torch.Tensor] = {}
        for spec in self.architecture:
            kind, name = spec["type"], spec["name"]
            inputs = [values[i] for i in spec["inputs"]]
            if kind == "input":
                y = self._input(x)
            elif kind == "add":
                y = inputs[0]
                for other in inputs[1:]:
                    y = y + other
            else:
                (y,) = inputs
                if spec.get("flatten"):
                    y = torch.flatten(y, 1)
                y = self.nodes[name](y)
            if "activation" in spec:
                y = ACTIVATIONS[spec["activation"]](y, spec)
            values[name] = y
        return values[self.output_name]


def load(path: str, apply_input_scale: bool = False) -> nn.Module:
    """The model in ``path`` (a medvec ``model.safetensors``), in eval mode; with
    ``apply_input_scale`` it takes NCHW pixels in [0, 1] and applies the recorded input transform
    itself."""
    tensors, metadata = read_safetensors(path)
    fmt = metadata.get("medvec.format")
    architecture = json.loads(metadata["medvec.architecture"]) if fmt in (FORMAT, GRAPH_FORMAT) else None
    if fmt == FORMAT:
        model = MedvecNet(architecture, metadata, apply_input_scale)
    elif fmt == GRAPH_FORMAT:
        model = MedvecGraph(architecture, metadata, apply_input_scale)
    else:
        raise ValueError(f"{path}: not a {FORMAT} or {GRAPH_FORMAT} export (medvec.format={fmt!r})")
    model.load_state_dict(tensors, strict=True)
    return model.eval()


def _predict(model_path, images_path, n, c, h, w, out_path):
    model = load(model_path, apply_input_scale=True)
    with open(images_path, "rb") as f:
        images = torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(int(n), int(c), int(h), int(w))
    torch.set_num_threads(1)
    with torch.no_grad():
        probs = model(images)
    with open(out_path, "wb") as f:
        f.write(probs.contiguous().numpy().astype("<f4").tobytes())


if __name__ == "__main__":
    if len(sys.argv) == 9 and sys.argv[1] == "predict":
        _predict(*sys.argv[2:])
    else:
        sys.exit(__doc__)

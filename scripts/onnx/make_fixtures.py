#!/usr/bin/python3
"""Generate ONNX test fixtures for the visiontune ONNX importer (issue 10).

For each model this writes, into --out:
  <name>.onnx         the exported graph (torch.onnx.export, opset --opset)
  <name>.input.bin    float32 little-endian input, NCHW [2, 3, size, size]
  <name>.output.bin   float32 little-endian PyTorch output for that input
and one manifest.json describing all of them. A JSON summary goes to stdout.

Needs only Debian packages: python3-torch, python3-torchvision.
The `onnx` python package is optional; without it the op types are read
from the exported file with a tiny protobuf reader below.

Usage:
  python3 scripts/onnx/make_fixtures.py --out fixtures/onnx [--size 64] \
      [--models resnet18,mobilenet_v2,mobilenet_v3_large,efficientnet_b0,se_hardswish_net,fcn_tiny] \
      [--opset 13] [--keep-bn]
"""

import argparse
import hashlib
import json
import os
import sys
import time
import warnings

SYSTEM_PYTHON = "/usr/bin/python3"

try:
    import torch
    import torchvision
except ImportError:
    # A pyenv/venv python3 on PATH does not see Debian's dist-packages:
    # re-run once with the system interpreter, which does.
    if (
        os.path.exists(SYSTEM_PYTHON)
        and os.path.realpath(sys.executable) != os.path.realpath(SYSTEM_PYTHON)
        and not os.environ.get("MAKE_FIXTURES_REEXEC")
    ):
        os.environ["MAKE_FIXTURES_REEXEC"] = "1"
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON, *sys.argv])
    sys.stderr.write(
        "make_fixtures: torch/torchvision not importable; "
        "install with: apt-get install -y python3-torch python3-torchvision\n"
    )
    sys.exit(2)

from torch import nn

DEFAULT_MODELS = [
    "resnet18",
    "mobilenet_v2",
    "mobilenet_v3_large",
    "efficientnet_b0",
    "se_hardswish_net",
    "fcn_tiny",
]
BATCH = 2
BN_SEED = 1234
INPUT_SEED = 42


# --------------------------------------------------------------------------
# A small "timm-style" net: conv-BN-HardSwish blocks, squeeze-and-excitation,
# depthwise conv, strided conv, AvgPool and a Linear head.
# --------------------------------------------------------------------------
class SqueezeExcite(nn.Module):
    def __init__(self, channels, reduced):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)  # -> GlobalAveragePool
        self.reduce = nn.Conv2d(channels, reduced, 1)
        self.act = nn.ReLU()
        self.expand = nn.Conv2d(reduced, channels, 1)
        self.gate = nn.Hardsigmoid()

    def forward(self, x):
        s = self.gate(self.expand(self.act(self.reduce(self.pool(x)))))
        return x * s  # -> Mul (broadcast over H, W)


def conv_bn_hs(cin, cout, k, stride=1, padding=0, groups=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride=stride, padding=padding, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
        nn.Hardswish(),
    )


class SEHardSwishNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = conv_bn_hs(3, 16, 3, stride=2, padding=1)  # strided conv, pad 1
        self.dw = conv_bn_hs(16, 16, 3, stride=1, padding=1, groups=16)  # depthwise
        self.se = SqueezeExcite(16, 8)
        self.pw = conv_bn_hs(16, 32, 1)
        self.pool = nn.AvgPool2d(2)  # -> AveragePool
        self.down = conv_bn_hs(32, 48, 3, stride=2, padding=1)
        self.head_pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(48, num_classes)  # -> Gemm

    def forward(self, x):
        x = self.stem(x)
        x = self.dw(x)
        x = self.se(x)
        x = self.pw(x)
        x = self.pool(x)
        x = self.down(x)
        return self.fc(self.flatten(self.head_pool(x)))


# --------------------------------------------------------------------------
# A tiny segmentation net (FCN / DeepLab-style): dilated 3x3 convs (whole and
# depthwise), then ConvTranspose upsampling back to the input size; per-pixel
# class scores [N, classes, H, W].
# --------------------------------------------------------------------------
def conv_bn_relu(cin, cout, k, stride=1, padding=0, dilation=1, groups=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride, padding, dilation, groups, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(),
    )


def up_bn_relu(cin, cout, k, stride, padding, output_padding=0):
    return nn.Sequential(
        nn.ConvTranspose2d(cin, cout, k, stride, padding, output_padding),
        nn.BatchNorm2d(cout),
        nn.ReLU(),
    )


class FcnTiny(nn.Module):
    def __init__(self, num_classes=5):
        super().__init__()
        self.stem = conv_bn_relu(3, 16, 3, stride=2, padding=1)  # 1/2
        self.dilated = conv_bn_relu(16, 16, 3, padding=2, dilation=2)
        self.dw_dilated = conv_bn_relu(16, 16, 3, padding=3, dilation=3, groups=16)
        self.down = conv_bn_relu(16, 24, 3, stride=2, padding=1)  # 1/4
        self.up4 = up_bn_relu(24, 16, 4, stride=2, padding=1)  # 1/2: the common upsampling
        self.up3 = up_bn_relu(16, 8, 3, stride=2, padding=1, output_padding=1)  # full size
        self.classifier = nn.Conv2d(8, num_classes, 1)

    def forward(self, x):
        x = self.dw_dilated(self.dilated(self.stem(x)))
        return self.classifier(self.up3(self.up4(self.down(x))))


def build_model(name, size=64):
    torch.manual_seed(0)
    if name == "se_hardswish_net":
        model = SEHardSwishNet()
    elif name == "fcn_tiny":
        model = FcnTiny()
    else:
        ctor = getattr(torchvision.models, name, None)
        if ctor is None:
            raise SystemExit(f"make_fixtures: unknown model {name!r}")
        model = ctor(weights=None)
    model.eval()
    randomize_batchnorm(model, size)
    return model


def randomize_batchnorm(model, size=64):
    """Random BatchNorm affine terms, and running statistics measured on random images (then
    jittered). Statistics drawn blindly wash the input out of deep nets: mobilenet_v2's output then
    moved by 5e-7 between two random inputs, so a comparison checked only the last layers."""
    g = torch.Generator().manual_seed(BN_SEED)
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    with torch.no_grad():
        for m in norms:
            n = m.num_features
            if m.weight is not None:
                m.weight.copy_(torch.rand(n, generator=g) + 0.5)
            if m.bias is not None:
                m.bias.copy_(torch.randn(n, generator=g) * 0.1)
            m.momentum = None  # a cumulative average over the calibration batches
            m.reset_running_stats()
        if norms:
            # Only the norms in training mode: the rest of the model runs as it will be exported
            # (no dropout, no auxiliary heads such as inception_v3's, which small inputs break).
            model.eval()
            for m in norms:
                m.train()
            for _ in range(3):
                model(torch.randn(8, 3, size, size, generator=g))
            model.eval()
        for m in norms:
            n = m.num_features
            m.running_mean.add_(torch.randn(n, generator=g) * 0.05 * m.running_var.sqrt())
            m.running_var.mul_(torch.rand(n, generator=g) * 0.4 + 0.8)


# --------------------------------------------------------------------------
# Minimal protobuf reader: ModelProto.graph(7) -> GraphProto.node(1)
#   -> NodeProto.op_type(4), NodeProto.attribute(5) -> AttributeProto.g(6)/graphs(11)
# Used only when the `onnx` package is not installed.
# --------------------------------------------------------------------------
def _varint(buf, i):
    result = shift = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def _fields(buf):
    i, n = 0, len(buf)
    while i < n:
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            val, i = _varint(buf, i)
        elif wire == 1:
            val, i = buf[i : i + 8], i + 8
        elif wire == 2:
            ln, i = _varint(buf, i)
            val, i = buf[i : i + ln], i + ln
        elif wire == 5:
            val, i = buf[i : i + 4], i + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield field, wire, val


def _graph_ops(graph_buf, counts):
    for field, wire, val in _fields(graph_buf):
        if field == 1 and wire == 2:  # NodeProto
            for nf, nw, nv in _fields(val):
                if nf == 4 and nw == 2:
                    op = bytes(nv).decode()
                    counts[op] = counts.get(op, 0) + 1
                elif nf == 5 and nw == 2:  # AttributeProto: subgraphs
                    for af, aw, av in _fields(nv):
                        if af in (6, 11) and aw == 2:
                            _graph_ops(av, counts)


def op_types_from_file(path):
    try:
        import onnx  # optional

        counts = {}

        def walk(graph):
            for node in graph.node:
                counts[node.op_type] = counts.get(node.op_type, 0) + 1
                for a in node.attribute:
                    if a.HasField("g"):
                        walk(a.g)
                    for sg in a.graphs:
                        walk(sg)

        walk(onnx.load(path).graph)
        return dict(sorted(counts.items())), "onnx"
    except ImportError:
        pass
    with open(path, "rb") as f:
        buf = memoryview(f.read())
    counts = {}
    for field, wire, val in _fields(buf):
        if field == 7 and wire == 2:  # ModelProto.graph
            _graph_ops(val, counts)
    return dict(sorted(counts.items())), "protobuf-reader"


def write_f32(path, tensor):
    arr = tensor.detach().to(torch.float32).contiguous().numpy()
    arr.astype("<f4").tofile(path)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def export_one(name, out_dir, size, opset, keep_bn):
    t0 = time.time()
    model = build_model(name, size)
    x = torch.randn(BATCH, 3, size, size, generator=torch.Generator().manual_seed(INPUT_SEED))
    with torch.no_grad():
        y = model(x)
    onnx_path = os.path.join(out_dir, f"{name}.onnx")
    kwargs = {}
    if keep_bn:
        # PRESERVE + eval model skips the Conv+BN fusion pass, so BatchNormalization
        # nodes stay in the graph. Constant folding must be off in that mode.
        kwargs["training"] = torch.onnx.TrainingMode.PRESERVE
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.onnx.export(
            model,
            x,
            onnx_path,
            opset_version=opset,
            input_names=["input"],
            output_names=["output"],
            do_constant_folding=not keep_bn,
            **kwargs,
        )
    write_f32(os.path.join(out_dir, f"{name}.input.bin"), x)
    write_f32(os.path.join(out_dir, f"{name}.output.bin"), y)
    ops, ops_source = op_types_from_file(onnx_path)
    n_bn = sum(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())
    entry = {
        "name": name,
        "onnx": f"{name}.onnx",
        "input": f"{name}.input.bin",
        "output": f"{name}.output.bin",
        "inputShape": list(x.shape),
        "outputShape": list(y.shape),
        "dtype": "float32",
        "layout": "NCHW",
        "opset": opset,
        "torchVersion": torch.__version__,
        "torchvisionVersion": torchvision.__version__,
        "opTypes": sorted(ops),
        "opCounts": ops,
        "opTypesSource": ops_source,
        "batchNormLayers": n_bn,
        "bnFolded": not keep_bn,
        "onnxBytes": os.path.getsize(onnx_path),
        "onnxSha256": sha256(onnx_path),
        "outputStats": {
            "min": float(y.min()),
            "max": float(y.max()),
            "absMean": float(y.abs().mean()),
        },
    }
    warn_msgs = sorted({f"{w.category.__name__}: {str(w.message).strip()}" for w in caught})
    return entry, warn_msgs, time.time() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output folder (created if missing)")
    ap.add_argument("--size", type=int, default=64, help="input H = W (default 64)")
    ap.add_argument("--models", default=",".join(DEFAULT_MODELS), help="comma-separated list")
    ap.add_argument("--opset", type=int, default=13, help="ONNX opset (default 13)")
    ap.add_argument(
        "--keep-bn",
        action="store_true",
        help="keep BatchNormalization nodes (TrainingMode.PRESERVE, no constant folding)",
    )
    args = ap.parse_args()

    torch.use_deterministic_algorithms(True)
    os.makedirs(args.out, exist_ok=True)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    t_all = time.time()
    entries, summary = [], []
    for name in models:
        entry, warn_msgs, secs = export_one(name, args.out, args.size, args.opset, args.keep_bn)
        entries.append(entry)
        summary.append(
            {
                "name": name,
                "seconds": round(secs, 2),
                "onnxBytes": entry["onnxBytes"],
                "outputShape": entry["outputShape"],
                "opTypes": entry["opTypes"],
                "warnings": warn_msgs,
            }
        )
    manifest = {
        "generator": "scripts/onnx/make_fixtures.py",
        "size": args.size,
        "opset": args.opset,
        "bnFolded": not args.keep_bn,
        "torchVersion": torch.__version__,
        "torchvisionVersion": torchvision.__version__,
        "models": entries,
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(
        json.dumps(
            {
                "out": args.out,
                "seconds": round(time.time() - t_all, 2),
                "python": sys.executable,
                "models": summary,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

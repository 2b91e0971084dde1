#!/usr/bin/python3
"""Export torchvision 0.14's zoo to ONNX for the importer's coverage sweep (bench/zoo-import.ts)
and its per-family CI fixtures (src/backbones/onnx/test-fixtures.ts).

For each architecture this writes, into --out: <name>.onnx (opset 13, constant folding on),
<name>.input.bin (float32 NCHW [2, 3, s, s], seeded randn), <name>.output.bin (the PyTorch
outputs, each flattened, one after the other) and <name>.output64.bin (the same in float64) —
with --prelogits also <name>.prelogits.bin, the input of the model's final Linear layer (timm's
pre-logits) — with random weights and randomized BatchNorm
statistics (make_fixtures.randomize_batchnorm). manifest.json lists every architecture, with
`error` where PyTorch could not export it. A JSON summary goes to stdout.

Usage:
  /usr/bin/python3 scripts/onnx/zoo_export.py --list                     # the sweep's names
  /usr/bin/python3 scripts/onnx/zoo_export.py --out DIR --models a,b,c
Names: every classification model (torchvision.models.list_models), seg:<segmentation model>,
fpn:<detection model> (its backbone with FPN: one output per level), and tiny_<family>: small
configured instances of the same torchvision classes, for CI.
"""

import argparse
import json
import os
import sys
import time
import traceback
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import (  # noqa: E402  (re-executes under Debian's python3 when needed)
    BATCH,
    BN_SEED,
    INPUT_SEED,
    op_types_from_file,
    randomize_batchnorm,
    sha256,
    write_f32,
)

import torch  # noqa: E402
import torchvision  # noqa: E402
from torch import nn  # noqa: E402
from torchvision import models  # noqa: E402

DEFAULT_SIZE = 64
# Sizes where 64 px cannot work: adaptive pools that export only when the map divides their
# output (alexnet 6×6, vgg 7×7), inception's stem, MaxViT's 7×7 partitions at every stage.
SIZES = {"alexnet": 224, "inception_v3": 128, "maxvit_t": 224}
SIZES.update({n: 224 for n in models.list_models(module=models) if n.startswith("vgg")})
# ViT's image size is a constructor argument: small images keep the weights' shapes except the
# position embedding.
VIT_IMAGE = {"vit_h_14": 56}
FPN_MODELS = [
    "fasterrcnn_mobilenet_v3_large_320_fpn",
    "fasterrcnn_mobilenet_v3_large_fpn",
    "fasterrcnn_resnet50_fpn",
    "fasterrcnn_resnet50_fpn_v2",
    "fcos_resnet50_fpn",
    "retinanet_resnet50_fpn",
    "retinanet_resnet50_fpn_v2",
]


def tiny(name):
    """Small instances of the torchvision classes, one per family (CI fixtures), and their size."""
    from torchvision.models import convnext, densenet, maxvit, shufflenetv2, swin_transformer

    if name == "tiny_shufflenet":
        return shufflenetv2.ShuffleNetV2([2, 2, 2], [8, 16, 32, 64, 64], num_classes=10), 32
    if name == "tiny_densenet":
        return densenet.DenseNet(8, (2, 2), 16, num_classes=10), 32
    if name == "tiny_convnext":
        cfg = [convnext.CNBlockConfig(16, 32, 2), convnext.CNBlockConfig(32, None, 1)]
        return convnext.ConvNeXt(cfg, stochastic_depth_prob=0.0, num_classes=10), 32
    if name == "tiny_vit":
        return models.VisionTransformer(32, 8, 2, 2, 32, 64, num_classes=10), 32
    if name == "tiny_swin":
        return (
            swin_transformer.SwinTransformer([4, 4], 16, [2, 2], [2, 4], [4, 4], num_classes=10),
            32,
        )
    if name == "tiny_maxvit":
        return (
            maxvit.MaxVit(
                input_size=(32, 32),
                stem_channels=8,
                partition_size=4,
                block_channels=[16, 32],
                block_layers=[1, 1],
                head_dim=8,
                stochastic_depth_prob=0.0,
                num_classes=10,
            ),
            32,
        )
    if name == "tiny_fpn":
        from torchvision.models.detection.backbone_utils import mobilenet_backbone

        fpn = mobilenet_backbone(
            backbone_name="mobilenet_v3_small", weights=None, fpn=True, trainable_layers=6
        )
        return Levels(fpn), 128
    if name == "tiny_lraspp":
        return Segmentation(models.segmentation.lraspp_mobilenet_v3_large(num_classes=3, weights_backbone=None)), 64
    raise SystemExit(f"zoo_export: unknown model {name!r}")


class Segmentation(nn.Module):
    """A torchvision segmentation model's 'out' map (the dict's other entries are aux heads)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)["out"]


class Levels(nn.Module):
    """A detection model's backbone with FPN: its feature maps, one output per level."""

    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone

    def forward(self, x):
        return tuple(self.backbone(x).values())


def build(name):
    """The model (eval, random weights, randomized BN) and its input side."""
    torch.manual_seed(0)
    size = SIZES.get(name, DEFAULT_SIZE)
    if name.startswith("tiny_"):
        model, size = tiny(name)
    elif name.startswith("seg:"):
        ctor = getattr(models.segmentation, name[4:])
        model = Segmentation(ctor(weights=None, weights_backbone=None))
    elif name.startswith("fpn:"):
        ctor = getattr(models.detection, name[4:])
        model = Levels(ctor(weights=None, weights_backbone=None).backbone)
    elif name.startswith("vit_"):
        size = VIT_IMAGE.get(name, DEFAULT_SIZE)
        model = getattr(models, name)(weights=None, image_size=size)
    else:
        model = getattr(models, name)(weights=None)
    model.eval()
    randomize_batchnorm(model, size)
    randomize_constant_parameters(model)
    return model, size


def randomize_constant_parameters(model):
    """Parameters initialized to one value (ViT's zero head, ConvNeXt's 1e-6 layer scale,
    LayerNorm's ones and zeros) get seeded noise, so every branch counts in the comparison."""
    g = torch.Generator().manual_seed(BN_SEED + 1)
    with torch.no_grad():
        for p in model.parameters():
            flat = p.flatten()
            if flat.numel() > 1 and bool((flat == flat[0]).all()):
                p.add_(torch.randn(p.shape, generator=g) * 0.1)


def sweep_names():
    return (
        models.list_models(module=models)
        + [f"seg:{n}" for n in models.list_models(module=models.segmentation)]
        + [f"fpn:{n}" for n in FPN_MODELS]
    )


def file_stem(name):
    return name.replace(":", "_")


def final_linear(model):
    """The classifier's last nn.Linear (its head), or None."""
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    return linears[-1] if linears else None


def float64_reference(model, x, ys, stem):
    """PyTorch's outputs computed in float64 (<stem>.output64.bin, stored as float32) and how far
    its own float32 outputs are from them: random deep nets can amplify rounding so much that
    float32 itself misses the tolerance, and an import is then judged against that error."""
    try:
        with torch.no_grad():
            y64 = model.double()(x.double())
    except Exception:  # an operator without a float64 kernel: no reference, judged as before
        return {}
    ys64 = list(y64) if isinstance(y64, tuple) else [y64]
    write_f32(f"{stem}.output64.bin", torch.cat([t.flatten() for t in ys64]))
    err = max(float((a.double() - b).abs().max()) for a, b in zip(ys, ys64))
    return {"pytorchFloat32Error": err}


def export_one(name, out_dir, opset, pre_logits=False):
    t0 = time.time()
    entry = {"name": name, "file": f"{file_stem(name)}.onnx"}
    try:
        model, size = build(name)
        x = torch.randn(BATCH, 3, size, size, generator=torch.Generator().manual_seed(INPUT_SEED))
        # The pre-logits (timm's features): the input of the final Linear, caught by a hook.
        caught = []
        head = final_linear(model) if pre_logits else None
        hook = head.register_forward_pre_hook(lambda _m, inputs: caught.append(inputs[0])) if head else None
        with torch.no_grad():
            y = model(x)
        if hook:
            hook.remove()
        ys = list(y) if isinstance(y, tuple) else [y]
        stem = os.path.join(out_dir, file_stem(name))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                x,
                f"{stem}.onnx",
                opset_version=opset,
                input_names=["input"],
                output_names=[f"output{i}" if len(ys) > 1 else "output" for i in range(len(ys))],
                do_constant_folding=True,
            )
        # Models over 2 GB: torch writes each weight to a file of its own beside the .onnx (the
        # sweep exports one model a folder; the CI fixtures are far below 2 GB).
        external = [
            os.path.join(out_dir, f)
            for f in os.listdir(out_dir)
            if f != "manifest.json" and not f.endswith((".onnx", ".bin"))
        ]
        write_f32(f"{stem}.input.bin", x)
        write_f32(f"{stem}.output.bin", torch.cat([t.flatten() for t in ys]))
        if caught:
            write_f32(f"{stem}.prelogits.bin", caught[0])
            entry["preLogitsShape"] = list(caught[0].shape)
        entry.update(float64_reference(model, x, ys, stem))
        ops, _ = op_types_from_file(f"{stem}.onnx")
        entry.update(
            {
                "inputShape": list(x.shape),
                "outputShapes": [list(t.shape) for t in ys],
                "outputScale": max(float(t.abs().max()) for t in ys),
                "opTypes": sorted(ops),
                "parameters": sum(p.numel() for p in model.parameters()),
                # With external data (over 2 GB) the weights sit in files beside the .onnx.
                "onnxBytes": os.path.getsize(f"{stem}.onnx") + sum(map(os.path.getsize, external)),
                "externalDataFiles": len(external),
                "onnxSha256": sha256(f"{stem}.onnx"),
            }
        )
    except Exception as err:  # the sweep records what PyTorch cannot export
        entry["error"] = f"{type(err).__name__}: {str(err).strip().splitlines()[0][:300]}"
        entry["trace"] = traceback.format_exc().splitlines()[-3:]
    entry["seconds"] = round(time.time() - t0, 2)
    return entry


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="output folder (created if missing)")
    ap.add_argument("--models", help="comma-separated names (default: the whole sweep)")
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument(
        "--prelogits", action="store_true", help="also write <name>.prelogits.bin: the final Linear's input"
    )
    ap.add_argument("--list", action="store_true", help="print the sweep's names as JSON")
    args = ap.parse_args()
    if args.list:
        print(json.dumps(sweep_names()))
        return
    if not args.out:
        raise SystemExit("zoo_export: --out is required")
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    os.makedirs(args.out, exist_ok=True)
    names = args.models.split(",") if args.models else sweep_names()
    entries = []
    for name in names:
        entry = export_one(name.strip(), args.out, args.opset, args.prelogits)
        entries.append(entry)
        # Written after each model, so a long sweep can be read (and resumed) while it runs.
        manifest = {
            "generator": "scripts/onnx/zoo_export.py",
            "opset": args.opset,
            "torchVersion": torch.__version__,
            "torchvisionVersion": torchvision.__version__,
            "models": entries,
        }
        with open(os.path.join(args.out, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=2)
            f.write("\n")
    print(json.dumps([{k: e.get(k) for k in ("name", "seconds", "error")} for e in entries]))


if __name__ == "__main__":
    main()

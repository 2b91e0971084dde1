#!/usr/bin/python3
"""ONNX Model Zoo fixtures for the zoo tests (issue 24), made with Debian's PyTorch.

The real ONNX Model Zoo files cannot be downloaded here, so this writes stand-ins with their
signature: the same file names under the same paths, the same input and output names, shapes and
opset, the same torchvision architecture (MobileNetV2 1.0, ShuffleNetV2 1.0; ImageNet's 1000
classes at 224 px), holding random weights with BatchNorm statistics measured on random images.
The reference is PyTorch's own feature maps on a seeded input: the last map before the global
pool (the embedding) and the last map at each stride 4, 8, 16, 32 (the taps).

Writes into --out:
  mirror/onnx-models/<the zoo's path>.onnx    the models, at their mirror paths
  <name>.input.bin                            float32 NCHW [2, 3, 224, 224]
  <name>.s<stride>.bin                        float32 NCHW feature map at that stride
  manifest.json                               per fixture: name, path, sha256, map shapes

Usage: python3 scripts/zoo/make_onnx_zoo_fixtures.py --out DIR
"""

import argparse
import json
import os
import sys
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "onnx"))
from make_fixtures import (  # noqa: E402  (re-executes under Debian's python3 when needed)
    BATCH,
    INPUT_SEED,
    randomize_batchnorm,
    sha256,
    write_f32,
)

import torch  # noqa: E402
from torchvision import models  # noqa: E402

SIZE = 224
ZOO = "onnx-models/validated/vision/classification"


def mobilenet_v2():
    model = models.mobilenet_v2()
    f = model.features
    # torchvision's MobileNetV2: features[3] ends stride 4, [6] stride 8, [13] stride 16, and the
    # whole `features` (its last 1x1 conv + ReLU6) is the map the classifier pools.
    return model, {4: f[3], 8: f[6], 16: f[13], 32: f}, "mobilenet/model/mobilenetv2-12.onnx", 12, True


def shufflenet_v2():
    model = models.shufflenet_v2_x1_0()
    return (
        model,
        {4: model.maxpool, 8: model.stage2, 16: model.stage3, 32: model.conv5},
        "shufflenet/model/shufflenet-v2-12.onnx",
        12,
        False,
    )


FIXTURES = {"mobilenet_v2.onnxzoo": mobilenet_v2, "shufflenet_v2.onnxzoo": shufflenet_v2}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    manifest = []
    for name, make in FIXTURES.items():
        model, taps, rel, opset, dynamic_batch = make()
        randomize_batchnorm(model, SIZE)
        model.eval()
        maps = {}
        hooks = [
            module.register_forward_hook(lambda _m, _i, out, s=s: maps.__setitem__(s, out))
            for s, module in taps.items()
        ]
        x = torch.randn(BATCH, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(INPUT_SEED))
        with torch.no_grad():
            model(x)
        for h in hooks:
            h.remove()
        path = os.path.join(args.out, "mirror", *f"{ZOO}/{rel}".split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                x[:1],
                path,
                opset_version=opset,
                input_names=["input"],
                output_names=["output"],
                dynamic_axes={"input": {0: "batch_size"}, "output": {0: "batch_size"}}
                if dynamic_batch
                else None,
                do_constant_folding=True,
            )
        write_f32(os.path.join(args.out, f"{name}.input.bin"), x)
        for s, m in maps.items():
            write_f32(os.path.join(args.out, f"{name}.s{s}.bin"), m)
        manifest.append(
            {
                "name": name,
                "path": f"{ZOO}/{rel}",
                "sha256": sha256(path),
                "bytes": os.path.getsize(path),
                "inputShape": list(x.shape),
                "maps": {str(s): list(m.shape) for s, m in sorted(maps.items())},
            }
        )
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump({"fixtures": manifest}, f, indent=2)


if __name__ == "__main__":
    main()

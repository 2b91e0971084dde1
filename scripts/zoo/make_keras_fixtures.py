#!/usr/bin/python3
"""Keras weight-file fixtures for the zoo tests (issue 24), made with Debian's PyTorch and h5py.

The real Keras Applications files cannot be downloaded here, so this writes files with their
layout: the same file names under the same paths, the same layer names, weight names and shapes
(Keras HDF5: root attrs layer_names / backend / keras_version, per layer attrs weight_names,
datasets at <layer>/<weight>), holding random values. The values come from torchvision's
implementation of the same architecture with random weights and randomized BatchNorm statistics,
adapted to Keras's definition where the two differ (TF 'same' padding at stride 2, BatchNorm
epsilon, ResNet50 v1's stride on the first 1x1 conv and its conv biases), so PyTorch's output on a
seeded input, computed in float64, is an independent reference for the architecture built in
TypeScript.

Writes into --out:
  mirror/keras-applications/<family>/<file>.h5   the weight files, at their mirror paths
  <name>.input.bin / <name>.output.bin           float32 NHWC input (as Keras sees it) and output
  manifest.json                                   per fixture: name, file, shapes, sha256

Usage: python3 scripts/zoo/make_keras_fixtures.py --out fixtures/zoo [--size 64]
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "onnx"))
from make_fixtures import sha256  # noqa: E402  (re-executes under Debian's python3 when needed)

try:
    import h5py  # noqa: E402
except ImportError:
    sys.stderr.write("make_keras_fixtures: needs apt-get install -y python3-h5py\n")
    sys.exit(2)
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402

from torch import nn

BATCH = 2
KERAS_DIR = "keras-applications"


def randomize(model, seed, size=64):
    """Random BatchNorm affine terms, conv biases, and running statistics measured on random
    images (then jittered): statistics drawn blindly make deep nets' outputs independent of the
    input, and a test on such an output checks only the last layers."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.weight.copy_(torch.rand(n, generator=g) + 0.5)
                m.bias.copy_(torch.randn(n, generator=g) * 0.1)
                m.momentum = None  # cumulative average over the calibration batches
                m.reset_running_stats()
            if isinstance(m, nn.Conv2d) and m.bias is not None:
                m.bias.copy_(torch.randn(m.out_channels, generator=g) * 0.1)
        model.train()
        for _ in range(4):
            model(torch.randn(8, 3, size, size, generator=g))
        model.eval()
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.running_mean.add_(torch.randn(n, generator=g) * 0.05 * m.running_var.sqrt())
                m.running_var.mul_(torch.rand(n, generator=g) * 0.4 + 0.8)


def conv_weights(conv):
    conv = getattr(conv, "conv", conv)  # a SamePad wrapper's conv
    w = conv.weight.detach().numpy()
    if conv.groups > 1 and conv.groups == conv.in_channels == conv.out_channels:
        kernel = [("depthwise_kernel:0", w.transpose(2, 3, 0, 1))]  # [C,1,kh,kw] -> [kh,kw,C,1]
    else:
        kernel = [("kernel:0", w.transpose(2, 3, 1, 0))]  # OIHW -> HWIO
    if conv.bias is not None:
        kernel.append(("bias:0", conv.bias.detach().numpy()))
    return kernel


def bn_weights(bn):
    return [
        ("gamma:0", bn.weight.detach().numpy()),
        ("beta:0", bn.bias.detach().numpy()),
        ("moving_mean:0", bn.running_mean.numpy()),
        ("moving_variance:0", bn.running_var.numpy()),
    ]


def write_keras_h5(path, layers, floats=np.float32):
    """layers: [(layer name, [(weight name, array)])] in model order, as model.save_weights does.
    A weight name with a '/' is whole (a nested model's layer names its inner layer's weights)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([n.encode() for n, _ in layers])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.2.4"
        for name, weights in layers:
            g = f.create_group(name)
            full = lambda w: w if "/" in w else f"{name}/{w}"
            g.attrs["weight_names"] = np.array(
                [full(w).encode() for w, _ in weights], dtype="S" if weights else "S1"
            )
            for w, value in weights:
                value = np.asarray(value)  # floats as float32; Keras's integer counters stay integers
                g.create_dataset(full(w), data=np.ascontiguousarray(value, dtype=floats if value.dtype.kind == "f" else value.dtype))


class SamePad(nn.Module):
    """TF 'same' padding before a stride-2 conv: the odd pixel goes bottom/right."""

    def __init__(self, conv):
        super().__init__()
        self.conv = conv
        self.k = conv.kernel_size[0]
        conv.padding = (0, 0)

    def forward(self, x):
        h = x.shape[-1]
        total = max(self.k - (2 if h % 2 == 0 else 1), 0) if self.conv.stride[0] == 2 else self.k - 1
        return self.conv(nn.functional.pad(x, (total // 2, total - total // 2, total // 2, total - total // 2)))


def keras_padding(model, eps):
    """Keras's BatchNorm epsilon, and stride-2 convs padded the TF way (all 'same' convs at
    stride 1 pad symmetrically, as PyTorch does)."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eps = eps
    for m in list(model.modules()):
        for name, child in list(m.named_children()):
            if isinstance(child, nn.Conv2d) and child.stride[0] == 2:
                setattr(m, name, SamePad(child))


def mobilenet_v2(alpha):
    model = torchvision.models.mobilenet_v2(width_mult=alpha).eval()
    keras_padding(model, 1e-3)
    randomize(model.features, 5)
    layers = []  # Keras names in Keras order, with weights where the layer has any
    features = model.features
    stem_conv, stem_bn = features[0][0], features[0][1]
    layers += [("input_1", []), ("Conv1", conv_weights(stem_conv)), ("bn_Conv1", bn_weights(stem_bn)), ("Conv1_relu", [])]
    for block in range(17):
        ir = features[1 + block]
        prefix = "expanded_conv_" if block == 0 else f"block_{block}_"
        parts = list(ir.conv)
        if block > 0:
            expand = parts.pop(0)
            layers += [(f"{prefix}expand", conv_weights(expand[0])), (f"{prefix}expand_BN", bn_weights(expand[1])), (f"{prefix}expand_relu", [])]
        dw, project, project_bn = parts
        if isinstance(dw[0], SamePad):
            layers.append((f"{prefix}pad", []))
        layers += [(f"{prefix}depthwise", conv_weights(dw[0])), (f"{prefix}depthwise_BN", bn_weights(dw[1])), (f"{prefix}depthwise_relu", [])]
        layers += [(f"{prefix}project", conv_weights(project)), (f"{prefix}project_BN", bn_weights(project_bn))]
        if ir.use_res_connect:
            layers.append((f"{prefix}add", []))
    top = features[18]
    layers += [("Conv_1", conv_weights(top[0])), ("Conv_1_bn", bn_weights(top[1])), ("out_relu", [])]
    return model.features, layers


def resnet50():
    model = torchvision.models.resnet50().eval()
    # Keras ResNet50 (v1): biases on every conv, BatchNorm epsilon 1.001e-5, the stride on the
    # first 1x1 conv of a block instead of the 3x3.
    for m in list(model.modules()):
        for name, child in list(m.named_children()):
            if isinstance(child, nn.Conv2d):
                biased = nn.Conv2d(child.in_channels, child.out_channels, child.kernel_size, child.stride, child.padding, bias=True)
                biased.weight.data.copy_(child.weight.data)
                setattr(m, name, biased)
            if isinstance(child, nn.BatchNorm2d):
                child.eps = 1.001e-5
    for stage in (model.layer2, model.layer3, model.layer4):
        stage[0].conv1.stride, stage[0].conv2.stride = (2, 2), (1, 1)
    layers = [("input_1", []), ("conv1_pad", []), ("conv1_conv", []), ("conv1_bn", []), ("conv1_relu", []), ("pool1_pad", []), ("pool1_pool", [])]

    def fill(name, weights):
        for i, (n, _) in enumerate(layers):
            if n == name:
                layers[i] = (name, weights)

    stages = [("conv2", model.layer1), ("conv3", model.layer2), ("conv4", model.layer3), ("conv5", model.layer4)]
    body = nn.Sequential(model.conv1, model.bn1, model.relu, model.maxpool, model.layer1, model.layer2, model.layer3, model.layer4)
    return body, layers, fill, stages


def resnet50_layers(model_parts):
    body, layers, fill, stages = model_parts
    randomize(body, 7)
    fill("conv1_conv", conv_weights(body[0]))
    fill("conv1_bn", bn_weights(body[1]))
    for stage, blocks in stages:
        for i, b in enumerate(blocks):
            p = f"{stage}_block{i + 1}"
            if b.downsample is not None:
                layers.append((f"{p}_0_conv", conv_weights(b.downsample[0])))
                layers.append((f"{p}_0_bn", bn_weights(b.downsample[1])))
            for k, (conv, bn) in enumerate([(b.conv1, b.bn1), (b.conv2, b.bn2), (b.conv3, b.bn3)], start=1):
                layers.append((f"{p}_{k}_conv", conv_weights(conv)))
                layers.append((f"{p}_{k}_bn", bn_weights(bn)))
                if k < 3:
                    layers.append((f"{p}_{k}_relu", []))
            layers += [(f"{p}_add", []), (f"{p}_out", [])]
    return body, layers


def named(pairs):
    """[(keras layer name, torch module or None)] → Keras layers with their weights."""
    out = []
    for name, m in pairs:
        if m is None:
            out.append((name, []))
        elif isinstance(m, list):  # the arrays themselves
            out.append((name, m))
        elif isinstance(m, nn.BatchNorm2d):
            out.append((name, bn_weights(m)))
        else:
            out.append((name, conv_weights(m)))
    return out


def densenet121():
    """torchvision's DenseNet121 is Keras's but for BatchNorm epsilon (Keras 1.001e-5) and the
    max pool's padding (Keras pads zeros, torch -inf: the same after the ReLU before it)."""
    model = torchvision.models.densenet121().eval()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eps = 1.001e-5
    f = model.features
    body = nn.Sequential(f, nn.ReLU())
    randomize(body, 9)
    pairs = [("input_1", None), ("zero_padding2d", None), ("conv1_conv", f.conv0), ("conv1_bn", f.norm0), ("conv1_relu", None), ("zero_padding2d_1", None), ("pool1", None)]
    for s in range(1, 5):
        block = getattr(f, f"denseblock{s}")
        for i, layer in enumerate(block.values(), start=1):
            b = f"conv{s + 1}_block{i}"
            pairs += [(f"{b}_0_bn", layer.norm1), (f"{b}_0_relu", None), (f"{b}_1_conv", layer.conv1), (f"{b}_1_bn", layer.norm2), (f"{b}_1_relu", None), (f"{b}_2_conv", layer.conv2), (f"{b}_concat", None)]
        if s < 4:
            t = getattr(f, f"transition{s}")
            pairs += [(f"pool{s + 1}_bn", t.norm), (f"pool{s + 1}_relu", None), (f"pool{s + 1}_conv", t.conv), (f"pool{s + 1}_pool", None)]
    pairs += [("bn", f.norm5), ("relu", None)]
    return body, named(pairs)


class PreactBlock(nn.Module):
    """Keras's residual_block_v2: BN-ReLU first; the stride on the 3x3 conv; identity shortcuts
    that stride go through MaxPooling2D(1, 2), i.e. every other pixel."""

    def __init__(self, cin, filters, stride, conv_shortcut):
        super().__init__()
        bn = lambda c: nn.BatchNorm2d(c, eps=1.001e-5)
        self.stride = stride
        self.preact_bn = bn(cin)
        self.shortcut = nn.Conv2d(cin, 4 * filters, 1, stride) if conv_shortcut else None
        self.conv1, self.bn1 = nn.Conv2d(cin, filters, 1, bias=False), bn(filters)
        self.conv2, self.bn2 = nn.Conv2d(filters, filters, 3, stride, padding=1, bias=False), bn(filters)
        self.conv3 = nn.Conv2d(filters, 4 * filters, 1)

    def forward(self, x):
        p = torch.relu(self.preact_bn(x))
        s = self.shortcut(p) if self.shortcut is not None else x[:, :, :: self.stride, :: self.stride]
        h = torch.relu(self.bn1(self.conv1(p)))
        h = torch.relu(self.bn2(self.conv2(h)))
        return s + self.conv3(h)


class ResnetV2(nn.Module):
    """Keras's ResNet50V2 written in PyTorch (torchvision has no pre-activation ResNet)."""

    def __init__(self, depths=(3, 4, 6, 3)):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, padding=3)
        blocks, cin = [], 64
        for s, n in enumerate(depths):
            f = 64 << s
            for i in range(n):
                stride = 2 if i == n - 1 and s < 3 else 1
                blocks.append(PreactBlock(cin, f, stride, i == 0))
                cin = 4 * f
        self.blocks = nn.Sequential(*blocks)
        self.post_bn = nn.BatchNorm2d(2048, eps=1.001e-5)
        self.depths = depths

    def forward(self, x):
        # Keras pads the max pool with zeros, and nothing has rectified the stem here.
        x = nn.functional.max_pool2d(nn.functional.pad(self.conv1(x), (1, 1, 1, 1)), 3, 2)
        return torch.relu(self.post_bn(self.blocks(x)))

    def keras_layers(self):
        pairs = [("input_1", None), ("conv1_pad", None), ("conv1_conv", self.conv1), ("pool1_pad", None), ("pool1_pool", None)]
        k, pools = 0, 0
        for s, n in enumerate(self.depths):
            for i in range(1, n + 1):
                b, blk = f"conv{s + 2}_block{i}", self.blocks[k]
                k += 1
                pairs += [(f"{b}_preact_bn", blk.preact_bn), (f"{b}_preact_relu", None), (f"{b}_1_conv", blk.conv1), (f"{b}_1_bn", blk.bn1), (f"{b}_1_relu", None), (f"{b}_2_pad", None), (f"{b}_2_conv", blk.conv2), (f"{b}_2_bn", blk.bn2), (f"{b}_2_relu", None)]
                # Keras orders model.layers by distance to the output, then the Add's inputs in
                # order: the shortcut (one layer from the Add, like _3_conv) just before _3_conv.
                if blk.shortcut is not None:
                    pairs.append((f"{b}_0_conv", blk.shortcut))
                elif blk.stride > 1:
                    pairs.append(("max_pooling2d" + (f"_{pools}" if pools else ""), None))
                    pools += 1
                pairs += [(f"{b}_3_conv", blk.conv3), (f"{b}_out", None)]
        pairs += [("post_bn", self.post_bn), ("post_relu", None)]
        return named(pairs)


def resnet50_v2():
    model = ResnetV2().eval()
    randomize(model, 13)
    return model, model.keras_layers()


def mobilenet_v3_small():
    """torchvision's MobileNetV3-Small is Keras's (same blocks, squeeze-excite widths, hard-swish
    and hard-sigmoid, BatchNorm epsilon 1e-3) but for the padding at stride 2."""
    model = torchvision.models.mobilenet_v3_small().eval()
    keras_padding(model, 1e-3)
    f = model.features
    randomize(f, 17)
    pairs = [("input_1", None), ("rescaling", None), ("conv", f[0][0]), ("conv_bn", f[0][1]), ("conv_act", None)]
    for block in range(11):
        p = "expanded_conv_" + (f"{block}_" if block else "")
        ir = f[1 + block]
        parts = list(ir.block)
        if block > 0:
            expand = parts.pop(0)
            pairs += [(f"{p}expand", expand[0]), (f"{p}expand_bn", expand[1]), (f"{p}expand_act", None)]
        dw = parts.pop(0)
        if isinstance(dw[0], SamePad):
            pairs.append((f"{p}depthwise_pad", None))
        pairs += [(f"{p}depthwise", dw[0]), (f"{p}depthwise_bn", dw[1]), (f"{p}depthwise_act", None)]
        if len(parts) == 2:
            se = parts.pop(0)
            s = f"{p}squeeze_excite_"
            pairs += [(f"{s}avg_pool", None), (f"{s}conv", se.fc1), (f"{s}relu", None), (f"{s}conv_1", se.fc2), (f"{s}mul", None)]
        project = parts.pop(0)
        pairs += [(f"{p}project", project[0]), (f"{p}project_bn", project[1])]
        if ir.use_res_connect:
            pairs.append((f"{p}add", None))
    pairs += [("conv_1", f[12][0]), ("conv_1_bn", f[12][1]), ("conv_1_act", None)]
    return f, named(pairs)


def efficientnet_b0():
    """torchvision's EfficientNet-B0 is Keras's (same MBConv stages, squeeze-excite widths from
    the block's input, swish) but for BatchNorm epsilon (Keras 1e-3) and the padding at stride 2.
    Keras's file also holds its input Normalization layer: ImageNet's mean, and its standard
    deviation stored as the variance (tensorflow/tensorflow#49930), with an int64 count."""
    model = torchvision.models.efficientnet_b0().eval()
    keras_padding(model, 1e-3)
    f = model.features
    randomize(f, 19)
    norm = [("mean:0", np.array([0.485, 0.456, 0.406])), ("variance:0", np.array([0.229, 0.224, 0.225])), ("count:0", np.array(0, dtype=np.int64))]
    pairs = [("input_1", None), ("rescaling", None), ("normalization", norm), ("rescaling_1", None), ("stem_conv_pad", None), ("stem_conv", f[0][0]), ("stem_bn", f[0][1]), ("stem_activation", None)]
    for stage in range(1, 8):
        for j, mb in enumerate(f[stage]):
            p = f"block{stage}{chr(97 + j)}_"
            parts = list(mb.block)
            if len(parts) == 4:
                expand = parts.pop(0)
                pairs += [(f"{p}expand_conv", expand[0]), (f"{p}expand_bn", expand[1]), (f"{p}expand_activation", None)]
            dw, se, project = parts
            if isinstance(dw[0], SamePad):
                pairs.append((f"{p}dwconv_pad", None))
            pairs += [(f"{p}dwconv", dw[0]), (f"{p}bn", dw[1]), (f"{p}activation", None)]
            pairs += [(f"{p}se_squeeze", None), (f"{p}se_reshape", None), (f"{p}se_reduce", se.fc1), (f"{p}se_expand", se.fc2), (f"{p}se_excite", None)]
            pairs += [(f"{p}project_conv", project[0]), (f"{p}project_bn", project[1])]
            if mb.use_res_connect:
                pairs += [(f"{p}drop", None), (f"{p}add", None)]
    pairs += [("top_conv", f[8][0]), ("top_bn", f[8][1]), ("top_activation", None)]
    return f, named(pairs)


def efficientnet_v2_s():
    """torchvision's EfficientNetV2-S is Keras's (fused MBConv stages, then MBConv with
    squeeze-excite; a fused block without expansion is one strided 3x3 conv with its activation)
    but for the padding at stride 2. Stored as float16 from weights rounded to float16 first."""
    model = torchvision.models.efficientnet_v2_s().eval()
    keras_padding(model, 1e-3)
    f = model.features
    randomize(f, 31)
    with torch.no_grad():
        for p in f.parameters():
            p.copy_(p.half().float())
        for b in f.buffers():
            if b.is_floating_point():
                b.copy_(b.half().float())
    pairs = [("input_1", None), ("rescaling", None), ("stem_conv", f[0][0]), ("stem_bn", f[0][1]), ("stem_activation", None)]
    for stage in range(1, 7):
        for j, blk in enumerate(f[stage]):
            p = f"block{stage}{chr(97 + j)}_"
            parts = list(blk.block)
            if len(parts) == 1:  # fused, no expansion
                pairs += [(f"{p}project_conv", parts[0][0]), (f"{p}project_bn", parts[0][1]), (f"{p}project_activation", None)]
            elif len(parts) == 2:  # fused with expansion
                pairs += [(f"{p}expand_conv", parts[0][0]), (f"{p}expand_bn", parts[0][1]), (f"{p}expand_activation", None), (f"{p}project_conv", parts[1][0]), (f"{p}project_bn", parts[1][1])]
            else:
                expand, dw, se, project = parts
                pairs += [(f"{p}expand_conv", expand[0]), (f"{p}expand_bn", expand[1]), (f"{p}expand_activation", None), (f"{p}dwconv2", dw[0]), (f"{p}bn", dw[1]), (f"{p}activation", None)]
                pairs += [(f"{p}se_squeeze", None), (f"{p}se_reshape", None), (f"{p}se_reduce", se.fc1), (f"{p}se_expand", se.fc2), (f"{p}se_excite", None), (f"{p}project_conv", project[0]), (f"{p}project_bn", project[1])]
            if blk.use_res_connect:
                pairs += [(f"{p}drop", None), (f"{p}add", None)]
    pairs += [("top_conv", f[7][0]), ("top_bn", f[7][1]), ("top_activation", None)]
    return f, named(pairs)


def convnext_tiny():
    """torchvision's ConvNeXt-Tiny is Keras's: the same stem, blocks (7x7 depthwise conv,
    LayerNorm eps 1e-6, MLP with exact GELU, layer scale) and downsampling, and Keras's no-top
    model ends in the LayerNorm that torchvision's classifier starts with, applied per pixel.
    Keras nests the stem and downsampling steps as Sequential models (one layer in the file each),
    and its depthwise convs are Conv2D(groups=C) (kernel [7, 7, 1, C]). Stored as float16 (the
    file would be 111 MB) from weights rounded to float16 first, so the reference is exact."""
    model = torchvision.models.convnext_tiny().eval()
    f = model.features
    body = nn.Sequential(f, model.classifier[0])
    g = torch.Generator().manual_seed(23)
    with torch.no_grad():
        for m in body.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
            if isinstance(m, nn.Linear):
                m.weight.mul_(5)  # torchvision's std 0.02 leaves the blocks' branches ~1% of the sum
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
            if hasattr(m, "layer_scale"):  # initialized to 1e-6, which would hide every block
                m.layer_scale.copy_(torch.rand(m.layer_scale.shape, generator=g) + 0.5)
        for p in body.parameters():
            p.copy_(p.half().float())
    n = "convnext_tiny"
    conv = lambda c, prefix: [(f"{prefix}kernel:0", c.weight.detach().numpy().transpose(2, 3, 1, 0)), (f"{prefix}bias:0", c.bias.detach().numpy())]
    ln = lambda m, prefix="": [(f"{prefix}gamma:0", m.weight.detach().numpy()), (f"{prefix}beta:0", m.bias.detach().numpy())]
    dense = lambda m: [("kernel:0", m.weight.detach().numpy().T), ("bias:0", m.bias.detach().numpy())]
    layers = [("input_1", []), (f"{n}_prestem_normalization", []), (f"{n}_stem", conv(f[0][0], f"{n}_stem_conv/") + ln(f[0][1], f"{n}_stem_layernorm/"))]
    for i in range(4):
        if i:
            down = f[2 * i]
            layers.append((f"{n}_downsampling_block_{i - 1}", ln(down[0], f"{n}_downsampling_layernorm_{i - 1}/") + conv(down[1], f"{n}_downsampling_conv_{i - 1}/")))
        for j, blk in enumerate(f[2 * i + 1]):
            b = f"{n}_stage_{i}_block_{j}"
            dw, _, norm, fc1, _, fc2, _ = blk.block
            layers += [(f"{b}_depthwise_conv", conv(dw, "")), (f"{b}_layernorm", ln(norm)), (f"{b}_pointwise_conv_1", dense(fc1)), (f"{b}_gelu", []), (f"{b}_pointwise_conv_2", dense(fc2))]
            layers += [(f"{b}_layer_scale", [("gamma:0", blk.layer_scale.detach().numpy().reshape(-1))]), (f"{b}_identity", []), (f"tf.__operators__.add_{i}_{j}", [])]
    layers.append(("layer_normalization", ln(model.classifier[0])))
    return body, layers


def storage_variants(path):
    """One Keras-layout layer whose arrays are stored every way the reader must handle: float16,
    chunked float32, big-endian float32, an int64 scalar (Keras's counters), contiguous float32."""
    g = np.random.default_rng(29)
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([b"variants"])
        group = f.create_group("variants")
        names = ["half:0", "chunked:0", "big_endian:0", "count:0", "plain:0"]
        group.attrs["weight_names"] = np.array([f"variants/{n}".encode() for n in names])
        values = g.standard_normal((5, 7, 3)).astype(np.float32)
        group.create_dataset("variants/half:0", data=values.astype(np.float16))
        group.create_dataset("variants/chunked:0", data=values, chunks=(2, 7, 3))
        group.create_dataset("variants/big_endian:0", data=values.astype(">f4"))
        group.create_dataset("variants/count:0", data=np.array(12, dtype=np.int64))
        group.create_dataset("variants/plain:0", data=values)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", type=int, default=64)
    args = ap.parse_args()
    torch.manual_seed(0)
    fixtures = []

    def emit(name, relative, body, layers, bgr=False, half=False):
        path = os.path.join(args.out, "mirror", KERAS_DIR, relative)
        write_keras_h5(path, layers, np.float16 if half else np.float32)
        g = torch.Generator().manual_seed(11)
        x = torch.randn(BATCH, 3, args.size, args.size, generator=g)
        # The reference in float64: PyTorch's own float32 output is off by as much as ours
        # (ResNet50 here: 7e-4 on outputs of ~10).
        with torch.no_grad():
            y = body.double()(x.double()).float()
        nhwc = lambda t: np.ascontiguousarray(t.numpy().transpose(0, 2, 3, 1), dtype="<f4")
        nhwc(x).tofile(os.path.join(args.out, f"{name}.input.bin"))
        nhwc(y).tofile(os.path.join(args.out, f"{name}.output.bin"))
        fixtures.append({
            "name": name,
            "path": f"{KERAS_DIR}/{relative}",
            "sha256": sha256(path),
            "bytes": os.path.getsize(path),
            "inputShape": [BATCH, args.size, args.size, 3],
            "outputShape": list(nhwc(y).shape),
            "inputChannelOrder": "BGR" if bgr else "RGB",
            "outputMaxAbs": float(y.abs().max()),
        })

    features, layers = mobilenet_v2(0.35)
    # The same weights under other layer names (as files saved by older Keras versions number
    # layers differently): they load in order, as Keras's load_weights does.
    renamed = [(f"layer_{i}", [(w.split("/")[-1], v) for w, v in ws]) for i, (_, ws) in enumerate(layers)]
    write_keras_h5(os.path.join(args.out, "mobilenet_v2_035.renamed.h5"), renamed)
    emit("mobilenet_v2_035.imagenet", "mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5", features, layers)
    features, layers = mobilenet_v2(1.0)
    emit("mobilenet_v2.imagenet", "mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5", features, layers)
    body, rlayers = resnet50_layers(resnet50())
    storage_variants(os.path.join(args.out, "storage-variants.h5"))
    emit("resnet50.imagenet", "resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5", body, rlayers, bgr=True)
    emit("densenet121.imagenet", "densenet/densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5", *densenet121())
    emit("resnet50_v2.imagenet", "resnet/resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5", *resnet50_v2())
    emit("convnext_tiny.imagenet", "convnext/convnext_tiny_notop.h5", *convnext_tiny(), half=True)
    emit("efficientnet_v2_s.imagenet", "efficientnet_v2/efficientnetv2-s_notop.h5", *efficientnet_v2_s(), half=True)
    emit("efficientnet_b0.imagenet", "efficientnetb0_notop.h5", *efficientnet_b0())
    emit("mobilenet_v3_small.imagenet", "mobilenet_v3/weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5", *mobilenet_v3_small())
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump({"torch": torch.__version__, "torchvision": torchvision.__version__, "h5py": h5py.__version__, "size": args.size, "fixtures": fixtures}, f, indent=2)
    json.dump(fixtures, sys.stdout, indent=2)


if __name__ == "__main__":
    main()

"""PyTorch eager reference for bench/foundation.ts (optional; the project does not depend on Python).

MobileNetV2 (torchvision, random init: speed only) at 224 px, batch 16: inference throughput and
one full fine-tune training step (forward, softmax cross-entropy, backward, SGD), median of
--reps timed runs after a warm-up, on --threads intra-op threads. Prints JSON.
--channels-last puts the model and input in PyTorch's channels-last layout (its fastest on CPU);
--train-only skips the inference row; --size and --batch change the shape; --serve (for
bench/step-vs-pytorch.ts) warms up, prints "ready", then runs one training step per stdin line and
prints its milliseconds.
Usage: python3 bench/pytorch-reference.py [--threads 2] [--reps 5] > pytorch.json
       npm run bench -- --backend torch,wasm --pytorch pytorch.json
"""
import argparse
import json
import statistics
import time

import torch
import torchvision

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=torch.get_num_threads())
parser.add_argument("--reps", type=int, default=5)
parser.add_argument("--size", type=int, default=224)
parser.add_argument("--batch", type=int, default=16)
parser.add_argument("--channels-last", action="store_true")
parser.add_argument("--train-only", action="store_true")
parser.add_argument("--serve", action="store_true")
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

BATCH, SIZE, CLASSES = args.batch, args.size, 10
model = torchvision.models.mobilenet_v2(num_classes=CLASSES)
x = torch.rand(BATCH, 3, SIZE, SIZE) * 2 - 1
if args.channels_last:
    model = model.to(memory_format=torch.channels_last)
    x = x.contiguous(memory_format=torch.channels_last)
y = torch.arange(BATCH) % CLASSES
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)


def timed(step):
    step()
    step()  # two warm-ups, as bench/train-step.ts
    times = []
    for _ in range(args.reps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def infer():
    model.eval()
    with torch.no_grad():
        model(x)


def train():
    model.train()
    optimizer.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()


if args.serve:
    import sys
    train()
    train()
    print("ready", flush=True)
    for _ in sys.stdin:
        start = time.perf_counter()
        train()
        print((time.perf_counter() - start) * 1000, flush=True)
    sys.exit(0)

embed = None if args.train_only else timed(infer)
step = timed(train)
print(json.dumps({
    "torch": torch.__version__,
    "threads": torch.get_num_threads(),
    "batch": BATCH,
    "inputSize": SIZE,
    "channelsLast": args.channels_last,
    "reps": args.reps,
    "embedMedianS": embed,
    "embed224": BATCH / embed if embed else None,
    "trainStepMedianS": step,
    "trainStep224": BATCH / step,
}, indent=2))

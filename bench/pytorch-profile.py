"""Where PyTorch's full fine-tuning step spends its time, for comparison with `npm run bench:profile`:
bench/pytorch-reference.py's training step (torchvision MobileNetV2, SGD, BatchNorm in training
mode) under torch.profiler, per-op self CPU time over --reps steps after two warm-ups (divide by
--reps for per-step values). Prints the step's plain median first, then the profiler's table.
Usage: /usr/bin/python3 bench/pytorch-profile.py [--size 224] [--batch 16] [--channels-last]
"""
import argparse
import statistics
import time

import torch
import torchvision
from torch.profiler import ProfilerActivity, profile

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--reps", type=int, default=3)
parser.add_argument("--size", type=int, default=224)
parser.add_argument("--batch", type=int, default=16)
parser.add_argument("--channels-last", action="store_true")
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
model = torchvision.models.mobilenet_v2(num_classes=10)
x = torch.rand(args.batch, 3, args.size, args.size) * 2 - 1
y = torch.arange(args.batch) % 10
if args.channels_last:
    model = model.to(memory_format=torch.channels_last)
    x = x.contiguous(memory_format=torch.channels_last)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)


def step():
    model.train()
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()


step()
step()
times = []
for _ in range(args.reps):
    start = time.perf_counter()
    step()
    times.append(time.perf_counter() - start)
print(f"step median {statistics.median(times) * 1000:.1f} ms over {args.reps} steps")
with profile(activities=[ProfilerActivity.CPU]) as prof:
    for _ in range(args.reps):
        step()
print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=30))

"""The machine's practical float32 peak for bench/step-vs-pytorch.ts, on --threads threads, best of
--reps runs after a warm-up, GFLOP/s = 2 * multiply-adds / seconds:
- gemm: a 1x1 convolution [1, 1024, 64, 64] x [1024, 1024] in channels-last, i.e. a 4096 x 1024 x
  1024 sgemm run by oneDNN (MKL-DNN), the library behind ATen's CPU convolutions on both sides;
- blas: torch.mm 1024 x 1024 through libtorch's BLAS (Debian's build links the generic reference
  BLAS, so this is far below the machine's peak; reported to show why it is not the peak).
"gflops" is the larger. Prints JSON.
Usage: /usr/bin/python3 bench/peak-gflops.py [--threads 2] [--reps 5]
"""
import argparse
import json
import time

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--reps", type=int, default=5)
args = parser.parse_args()
torch.set_num_threads(args.threads)


def best_seconds(f):
    f()
    best = float("inf")
    for _ in range(args.reps):
        start = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - start)
    return best


x = torch.rand(1, 1024, 64, 64).contiguous(memory_format=torch.channels_last)
w = torch.rand(1024, 1024, 1, 1).contiguous(memory_format=torch.channels_last)
gemm = 2 * 64 * 64 * 1024 * 1024 / best_seconds(lambda: torch.nn.functional.conv2d(x, w)) / 1e9
a = torch.rand(1024, 1024)
blas = 2 * 1024**3 / best_seconds(lambda: torch.mm(a, a)) / 1e9
print(json.dumps({
    "method": f"oneDNN 1x1 conv as a 4096x1024x1024 sgemm vs torch.mm 1024^2, {args.threads} threads, best of {args.reps}",
    "threads": args.threads,
    "gemmGflops": gemm,
    "blasGflops": blas,
    "gflops": max(gemm, blas),
}))

"""One convolution's training work per layer shape: nerve's im2col + GEMM path, its direct path, PyTorch.

    python benchmarks/conv_layers.py [--rounds 7] [--threads 1]

For each layer of ResNet-20, the VGG-style net and LeNet-5 in benchmarks/train.py (batch 128,
float32, channels last for nerve, NCHW for PyTorch, ``--threads`` threads for every side):
forward + input gradient + weight gradient, best of ``--rounds``, the three sides measured one
after the other for each shape. At 1 thread the time is the CPU time of this process (which
other processes sharing the core do not inflate); with more, the wall-clock time (CPU time
would add the threads up). The im2col + GEMM figure is nerve with the direct convolution
switched off (``conv_kernels._direct_kernels``).
"""

import argparse
import os
import sys
import time

THREADS = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "1"
os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = THREADS

import numpy as np  # noqa: E402  (after the thread settings)
import torch  # noqa: E402

from machine import cpu_model  # noqa: E402  benchmarks/machine.py, beside this script
from nerve.ops import conv_kernels, cpu_products  # noqa: E402
from nerve.ops.conv_utils import Window  # noqa: E402

# name: (input size, in channels, filters, stride, padding, kernel size)
LAYERS = {
    "resnet 32x32 16->16": (32, 16, 16, 1, "same", 3),
    "resnet 32x32 16->32 /2": (32, 16, 32, 2, "same", 3),
    "resnet 16x16 32->32": (16, 32, 32, 1, "same", 3),
    "resnet 16x16 32->64 /2": (16, 32, 64, 2, "same", 3),
    "resnet 8x8 64->64": (8, 64, 64, 1, "same", 3),
    "vgg 32x32 3->32": (32, 3, 32, 1, "same", 3),
    "vgg 32x32 32->32": (32, 32, 32, 1, "same", 3),
    "vgg 16x16 32->64": (16, 32, 64, 1, "same", 3),
    "vgg 16x16 64->64": (16, 64, 64, 1, "same", 3),
    "lenet 28x28 1->6 5x5": (28, 1, 6, 1, "same", 5),
    "lenet 14x14 6->16 5x5": (14, 6, 16, 1, "valid", 5),
}
BATCH = 128


def best_seconds(fn, rounds, clock):
    time.sleep(0.5)              # OpenBLAS's threads spin ~0.1 s after a product (the GEMM side), taking a core
    fn()
    times = []
    for _ in range(rounds):
        start = clock()
        fn()
        times.append(clock() - start)
    return min(times)


def sides(size, channels, filters, stride, padding, kernel):
    """The three training steps of one layer, as callables: nerve im2col + GEMM, nerve direct, torch."""
    window = Window.of_conv((size, size), (kernel, kernel), (stride, stride), (1, 1), padding)
    rng = np.random.default_rng(0)
    x = rng.random((BATCH, size, size, channels), dtype=np.float32)
    w2 = rng.random((kernel * kernel * channels, filters), dtype=np.float32) - 0.5
    gy = rng.random((BATCH, *window.out, filters), dtype=np.float32)

    def nerve_step():
        _, kept = conv_kernels.forward(x, w2, window, keep_cols=True)
        conv_kernels.input_grad(gy, w2, window, channels)
        conv_kernels.weight_grad(x, gy, window, kept)

    def gemm_step():
        direct = conv_kernels._direct_kernels, cpu_products.direct_module
        conv_kernels._direct_kernels = cpu_products.direct_module = lambda *args: None
        try:
            nerve_step()
        finally:
            conv_kernels._direct_kernels, cpu_products.direct_module = direct

    tx = torch.from_numpy(x.transpose(0, 3, 1, 2).copy()).requires_grad_(True)
    tw = torch.from_numpy(w2.reshape(kernel, kernel, channels, filters).transpose(3, 2, 0, 1).copy())
    tw.requires_grad_(True)
    tg = torch.from_numpy(gy.transpose(0, 3, 1, 2).copy())
    pad = kernel // 2 if padding == "same" else 0

    def torch_step():
        torch.nn.functional.conv2d(tx, tw, stride=stride, padding=pad).backward(tg)

    return gemm_step, nerve_step, torch_step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1, help="threads for every side (OMP_NUM_THREADS)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    clock, kind = (time.process_time, "CPU") if args.threads == 1 else (time.perf_counter, "wall-clock")
    print(f"# {cpu_model()}, {args.threads} thread(s), batch {BATCH}, float32, {kind} ms of forward + input "
          f"gradient + weight gradient, best of {args.rounds}; load average {os.getloadavg()[0]:.2f}")
    print(f"{'layer':24s} {'im2col+GEMM':>11s} {'direct':>7s} {'torch':>7s} {'GEMM/direct':>12s} "
          f"{'torch/direct':>13s}")
    for name, shape in LAYERS.items():
        gemm, direct, reference = (best_seconds(step, args.rounds, clock) * 1e3 for step in sides(*shape))
        print(f"{name:24s} {gemm:11.1f} {direct:7.1f} {reference:7.1f} {gemm / direct:11.2f}x "
              f"{reference / direct:12.2f}x", flush=True)
    print(f"# load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

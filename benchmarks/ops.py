"""Forward + backward time of nerve's core ops against PyTorch CPU, in one process.

    python benchmarks/ops.py [--threads 2] [--repeat 20] [--rounds 3]

Each case builds the same float32 inputs for both libraries and times forward
plus backward, nerve and PyTorch alternating call by call (so that load from
other jobs hits both alike): the median of --repeat calls each, after a warm-up.
The whole table runs --rounds times; printed are the median times and the
median ratio nerve/PyTorch with its min-max over the rounds. Ratios below 1 mean
nerve is faster. BLAS threads are pinned before NumPy loads.
"""

import argparse
import os
import statistics
import sys
import time

from machine import cpu_model  # benchmarks/machine.py, beside this script


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--only", default=None, help="run only cases whose name contains this")
    return p.parse_args()


args = parse()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import nerve  # noqa: E402
from nerve import ops  # noqa: E402

torch.set_num_threads(args.threads)
rng = np.random.default_rng(0)


def timed_pair(fn_a, fn_b, repeat):
    """Median seconds of ``fn_a`` and of ``fn_b``, called alternately ``repeat`` times each."""
    for _ in range(2):
        fn_a()
        fn_b()
    times_a, times_b = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        fn_a()
        middle = time.perf_counter()
        fn_b()
        times_a.append(middle - start)
        times_b.append(time.perf_counter() - middle)
    return statistics.median(times_a), statistics.median(times_b)


def pair(*shape):
    a = rng.standard_normal(shape).astype(np.float32)
    return (nerve.Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True))


def conv_case(n, h, w, cin, cout, k, padding):
    x, tx = pair(n, h, w, cin)
    kern, tk = pair(k, k, cin, cout)
    tx_nchw = torch.tensor(x.numpy().transpose(0, 3, 1, 2), requires_grad=True)
    tk_oihw = torch.tensor(kern.numpy().transpose(3, 2, 0, 1), requires_grad=True)
    pad = k // 2 if padding == "same" else 0

    def run_nerve():
        ops.conv(x, kern, padding=padding).sum().backward()

    def run_torch():
        F.conv2d(tx_nchw, tk_oihw, padding=pad).sum().backward()
    return run_nerve, run_torch


def pool_case(n, h, w, c, size=2, stride=2):
    x, _ = pair(n, h, w, c)
    tx = torch.tensor(x.numpy().transpose(0, 3, 1, 2), requires_grad=True)
    return (lambda: ops.max_pool(x, size, stride).sum().backward(),
            lambda: F.max_pool2d(tx, size, stride).sum().backward())


def dense_case(n, fin, fout):
    x, tx = pair(n, fin)
    w, tw = pair(fin, fout)
    b, tb = pair(fout)
    return (lambda: (ops.matmul(x, w) + b).sum().backward(),
            lambda: (tx @ tw + tb).sum().backward())


def batchnorm_case(n, h, w, c):
    x, _ = pair(n, h, w, c)
    gamma, tgamma = pair(c)
    beta, tbeta = pair(c)
    tx = torch.tensor(x.numpy().transpose(0, 3, 1, 2), requires_grad=True)

    def run_nerve():
        y, _, _ = ops.fused_batch_normalization(x, gamma, beta, axis=-1, epsilon=1e-3)
        y.sum().backward()

    def run_torch():
        F.batch_norm(tx, None, None, tgamma, tbeta, training=True, eps=1e-3).sum().backward()
    return run_nerve, run_torch


def cross_entropy_case(n, classes):
    z, tz = pair(n, classes)
    labels = rng.integers(0, classes, n)
    tl = torch.tensor(labels)
    return (lambda: ops.sparse_categorical_crossentropy(labels, z, from_logits=True).mean().backward(),
            lambda: F.cross_entropy(tz, tl).backward())


def tiny_add_case():
    a, ta = pair(10)
    b, tb = pair(10)
    return (lambda: a + b), (lambda: ta + tb)


def tiny_backward_case():
    a, ta = pair(10)
    b, tb = pair(10)
    return (lambda: (a + b).sum().backward()), (lambda: (ta + tb).sum().backward())


def cases(n):
    return [
        ("conv LeNet c1 28x28x1->6 5x5 same", conv_case(n, 28, 28, 1, 6, 5, "same")),
        ("conv LeNet c3 14x14x6->16 5x5", conv_case(n, 14, 14, 6, 16, 5, "valid")),
        ("conv LeNet c5 5x5x16->120 5x5", conv_case(n, 5, 5, 16, 120, 5, "valid")),
        ("conv VGG 32x32x3->32 3x3 same", conv_case(n, 32, 32, 3, 32, 3, "same")),
        ("conv VGG 32x32x32->32 3x3 same", conv_case(n, 32, 32, 32, 32, 3, "same")),
        ("conv VGG 16x16x32->64 3x3 same", conv_case(n, 16, 16, 32, 64, 3, "same")),
        ("conv VGG 16x16x64->64 3x3 same", conv_case(n, 16, 16, 64, 64, 3, "same")),
        ("max pool 2x2 32x32x32", pool_case(n, 32, 32, 32)),
        ("max pool 3x3 stride 2 (overlapping) 32x32x32", pool_case(n, 32, 32, 32, 3, 2)),
        ("dense 784->256", dense_case(n, 784, 256)),
        ("dense 256->10", dense_case(n, 256, 10)),
        ("batch norm 16x16x64", batchnorm_case(n, 16, 16, 64)),
        ("softmax cross-entropy 10 classes", cross_entropy_case(n, 10)),
        ("tiny op: add of 10-element tensors (fwd)", tiny_add_case()),
        ("tiny op: (a + b).sum().backward(), 10 elem.", tiny_backward_case()),
    ]


def main():
    print(f"# nerve vs PyTorch {torch.__version__}, float32, batch {args.batch}, {args.threads} threads, "
          f"{args.rounds} rounds of {args.repeat} alternating calls")
    print(f"# {cpu_model()}, Python {sys.version.split()[0]}, NumPy {np.__version__}, "
          f"load average {os.getloadavg()[0]:.2f}")
    selected = [(name, fns) for name, fns in cases(args.batch) if not args.only or args.only in name]
    results = {name: [] for name, _ in selected}
    for _ in range(args.rounds):
        for name, (run_nerve, run_torch) in selected:
            repeat = args.repeat * (200 if name.startswith("tiny") else 1)
            results[name].append(timed_pair(run_nerve, run_torch, repeat))
    print(f"{'case':46s} {'nerve':>10s} {'torch':>10s} {'ratio':>6s} {'(min-max)':>11s}")
    for name, runs in results.items():
        unit, label = (1e6, "us") if name.startswith("tiny") else (1e3, "ms")
        t_nerve = statistics.median(t for t, _ in runs)
        t_torch = statistics.median(t for _, t in runs)
        ratios = [tn / tt for tn, tt in runs]
        print(f"{name:46s} {t_nerve * unit:8.3f}{label} {t_torch * unit:8.3f}{label} "
              f"{statistics.median(ratios):6.2f} ({min(ratios):.2f}-{max(ratios):.2f})")
    print(f"# load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

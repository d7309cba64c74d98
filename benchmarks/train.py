"""End-to-end training and inference throughput: nerve against PyTorch CPU.

    python benchmarks/train.py [--threads 2] [--epochs 3] [--models mlp,lenet5,vgg,resnet20]

For each model the same architecture, synthetic data, batch size (128), optimizer
(SGD, momentum 0.9, lr 0.01) and loss (cross-entropy) run in three child
processes: PyTorch, nerve with ``fit`` and nerve with a custom loop (``nerve.grad``
+ ``apply_gradients``). Each child builds its model, runs one warm-up epoch, then
waits for orders; the parent interleaves them epoch by epoch (torch, fit, loop,
then the next round in a rotated order), so that a machine shared with other
jobs loads every side alike. Reported: training samples/s per side (median of
the rounds, with min and max), the ratio to PyTorch (median over the rounds of
the ratio within one round, and best epoch against best epoch), inference
samples/s at batch 1000 (best of 3, same interleaving) and each child's own peak
resident memory. On a shared machine, prefer many short rounds
(``--samples 3840 --epochs 15``): every side then gets its share of quiet moments.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from machine import cpu_model  # benchmarks/machine.py, beside this script

MODELS = {"mlp": (60000, (28, 28, 1)), "lenet5": (60000, (28, 28, 1)), "vgg": (10000, (32, 32, 3)),
          "resnet20": (10000, (32, 32, 3))}


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=3, help="timed rounds (one epoch per side each) after a warm-up")
    p.add_argument("--models", default="mlp,lenet5,vgg")
    p.add_argument("--samples", type=int, default=None, help="override the number of training samples")
    p.add_argument("--infer-samples", type=int, default=20000,
                   help="images per timed inference pass (at least; default 20000)")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    return p.parse_args()


def data(model, samples):
    import numpy as np
    n, shape = MODELS[model]
    n = samples or n
    rng = np.random.default_rng(0)
    x = rng.random((n, *shape), dtype=np.float32)
    y = rng.integers(0, 10, n)
    return x, y


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- nerve ------------------------------------------------------------------------------

def nerve_model(name):
    import nerve
    from nerve import layers
    shape = MODELS[name][1]
    if name == "resnet20":                     # He et al.'s CIFAR ResNet-20, option-A shortcuts
        return nerve.applications.ResNet20(input_shape=shape, classifier_activation=None)
    if name == "mlp":
        body = [layers.Flatten(), layers.Dense(256, activation="relu"), layers.Dense(256, activation="relu")]
    elif name == "lenet5":
        body = [layers.Conv2D(6, 5, padding="same", activation="relu"), layers.MaxPooling2D(2),
                layers.Conv2D(16, 5, activation="relu"), layers.MaxPooling2D(2),
                layers.Conv2D(120, 5, activation="relu"), layers.Flatten(), layers.Dense(84, activation="relu")]
    else:
        body = [layers.Conv2D(32, 3, padding="same", activation="relu"),
                layers.Conv2D(32, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
                layers.Conv2D(64, 3, padding="same", activation="relu"),
                layers.Conv2D(64, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
                layers.Flatten(), layers.Dense(256, activation="relu")]
    return nerve.Sequential([layers.Input(shape), *body, layers.Dense(10)])


def run_nerve(name, args, loop):
    import nerve
    nerve.utils.set_random_seed(0)
    x, y = data(name, args.samples)
    model = nerve_model(name)
    optimizer = nerve.optimizers.SGD(learning_rate=0.01, momentum=0.9)
    loss_fn = nerve.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=optimizer, loss=loss_fn)
    batch = 128

    def epoch_fit():
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=True)

    def epoch_loop():
        order = nerve.backend.rng().permutation(len(x))
        for start in range(0, len(x), batch):
            index = order[start:start + batch]
            logits = model(x[index], training=True)
            loss = loss_fn(y[index], logits)
            grads = nerve.grad(loss, model.trainable_weights)
            optimizer.apply_gradients(zip(grads, model.trainable_weights))

    serve(epoch_loop if loop else epoch_fit, lambda xb: model.predict(xb, batch_size=1000, verbose=0), x)


# ---- PyTorch ----------------------------------------------------------------------------

def torch_model(name):
    import torch.nn as nn
    if name == "resnet20":
        return torch_resnet20()
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                             nn.Linear(256, 10))
    if name == "lenet5":
        return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 120, 5), nn.ReLU(),
                             nn.Flatten(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    return nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(64 * 8 * 8, 256), nn.ReLU(), nn.Linear(256, 10))


def torch_resnet20():
    """ResNet-20 as nerve.applications.ResNet20 builds it (no conv bias, batch norm, option A:
    the shortcut subsampled by 2 and zero-padded in channels)."""
    import torch.nn as nn
    import torch.nn.functional as F

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1, self.bn1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)
            self.conv2, self.bn2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
            self.stride, self.extra = stride, cout - cin

        def forward(self, x):
            out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
            shortcut = x[:, :, ::self.stride, ::self.stride] if self.stride > 1 else x
            if self.extra:
                shortcut = F.pad(shortcut, (0, 0, 0, 0, 0, self.extra))
            return F.relu(out + shortcut)

    blocks, cin = [], 16
    for cout, stride in ((16, 1), (32, 2), (64, 2)):
        for i in range(3):
            blocks.append(Block(cin, cout, stride if i == 0 else 1))
            cin = cout
    return nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), *blocks,
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def run_torch(name, args):
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x, y = data(name, args.samples)
    x = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())   # PyTorch's layout is NCHW
    y = torch.from_numpy(y)
    model = torch_model(name)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    batch = 128

    def epoch():
        model.train()
        order = torch.randperm(len(x))
        for start in range(0, len(x), batch):
            index = order[start:start + batch]
            optimizer.zero_grad()
            loss_fn(model(x[index]), y[index]).backward()
            optimizer.step()

    def predict(xb):
        model.eval()
        with torch.no_grad():
            for start in range(0, len(xb), 1000):
                model(xb[start:start + 1000])

    serve(epoch, predict, x)


# ---- timing ----------------------------------------------------------------------------

def _timed(fn, *args):
    """Wall seconds of fn(*args)."""
    return _timed_both(fn, *args)[0]


def _timed_both(fn, *args):
    """(wall, CPU) seconds of fn(*args): the CPU time of this process, which another process
    sharing the core does not inflate (at 1 thread; with more it adds the threads up)."""
    start, cpu = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - start, time.process_time() - cpu


INFER_SAMPLES = 20000


def serve(epoch, predict, x):
    """Warm up, then run one epoch or one inference pass per order read from stdin."""
    epoch()
    predict(x[:2000])
    _reply({"ready": True})
    for order in sys.stdin:
        order = order.strip()
        if order == "train":
            wall, cpu = _timed_both(epoch)
            _reply({"seconds": wall, "cpu": cpu})
        elif order == "infer":        # at least INFER_SAMPLES, so that a short --samples still times something
            passes = -(-INFER_SAMPLES // len(x))
            _reply({"seconds": _timed(lambda: [predict(x) for _ in range(passes)]) / passes})
        elif order == "quit":
            _reply({"rss": peak_rss_mb()})
            return


def _reply(message):
    print(json.dumps(message), flush=True)


def gemm_peak_gflops():
    """NumPy's float32 GEMM rate (best of 5) on a large square product, and on the MLP's own shapes."""
    import numpy as np
    rng = np.random.default_rng(0)
    rates = {}
    for label, (m, k, n) in {"2048^3": (2048, 2048, 2048), "128x784x256": (128, 784, 256)}.items():
        a = rng.random((m, k), dtype=np.float32)
        b = rng.random((k, n), dtype=np.float32)
        a @ b
        reps = max(3, int(2e9 / (2 * m * k * n)))
        best = min(_timed(lambda: [a @ b for _ in range(reps)]) for _ in range(5))
        rates[label] = 2 * m * k * n * reps / best / 1e9
    return rates


# forward 2·MACs; backward 2·MACs for the weight gradients and 2·MACs for the input gradients,
# which the first layer skips (its input is the data)
MLP_FLOPS_PER_SAMPLE = 6 * (784 * 256 + 256 * 256 + 256 * 10) - 2 * 784 * 256


def child(args):
    global INFER_SAMPLES
    INFER_SAMPLES = args.infer_samples
    side, name = args.child.split(":")
    if side == "gemm":
        print(json.dumps(gemm_peak_gflops()))
        return
    if side == "torch":
        run_torch(name, args)
    else:
        run_nerve(name, args, loop=(side == "nerve-loop"))


# ---- the parent: interleave the sides, then tabulate -------------------------------------------

SIDES = ("torch", "nerve-fit", "nerve-loop")


class Child:
    """One side's process, driven line by line."""

    def __init__(self, side, name, args, env):
        cmd = [sys.executable, __file__, "--child", f"{side}:{name}", "--threads", str(args.threads)]
        cmd += ["--samples", str(args.samples)] if args.samples else []
        cmd += ["--infer-samples", str(args.infer_samples)]
        self.side = side
        self.errors = tempfile.TemporaryFile("w+")      # a file, not a pipe: a chatty child can't block
        self.process = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.errors, text=True)
        self.ask(None)              # waits for the warm-up to finish

    def ask(self, order):
        if order is not None:
            self.process.stdin.write(order + "\n")
            self.process.stdin.flush()
        for line in self.process.stdout:
            if line.startswith("{"):      # skip anything else the child prints
                return json.loads(line)
        self.errors.seek(0)
        raise RuntimeError(f"{self.side} failed:\n{self.errors.read()[-3000:]}")


def measure(name, args, env):
    """Per side: training rates of each round, best inference rate, peak RSS."""
    n = args.samples or MODELS[name][0]
    children = {}
    for side in SIDES:
        try:
            children[side] = Child(side, name, args, env)
        except RuntimeError as err:
            print(f"{name:8s} {err}")
    rates = {side: [] for side in children}
    cpu_rates = {side: [] for side in children}
    infer = {side: [] for side in children}
    order = list(children)
    for round_ in range(args.epochs):
        turn = order[round_ % len(order):] + order[:round_ % len(order)]
        for side in turn:
            reply = children[side].ask("train")
            rates[side].append(n / reply["seconds"])
            cpu_rates[side].append(n / reply["cpu"])
    for round_ in range(5):
        for side in order[round_ % len(order):] + order[:round_ % len(order)]:
            infer[side].append(n / children[side].ask("infer")["seconds"])
    rss = {side: child.ask("quit")["rss"] for side, child in children.items()}
    return rates, cpu_rates, {side: max(r) for side, r in infer.items()}, rss


def report(name, rates, cpu_rates, infer, rss):
    """One row per side. Ratios to PyTorch: the median over rounds of the within-round ratio, and
    best against best (the least disturbed epochs: the steadiest estimate on a loaded machine);
    last, the median within-round ratio of the training rates by CPU time (at 1 thread, the
    ratio that other processes on the same core disturb least)."""
    base = rates.get("torch")
    for side in rates:
        med, best = statistics.median(rates[side]), max(rates[side])
        cell = f"{med:7.0f} ({min(rates[side]):.0f}-{best:.0f})"
        if base:
            per_round = [r / b for r, b in zip(rates[side], base)]
            ratio = f"{statistics.median(per_round):4.2f} ({min(per_round):.2f}-{max(per_round):.2f})"
            ratio += f" {best / max(base):5.2f}"
            iratio, mratio = f"{infer[side] / infer['torch']:6.2f}", f"{rss[side] / rss['torch']:6.2f}"
            per_round = [r / b for r, b in zip(cpu_rates[side], cpu_rates["torch"])]
            cpu = f"{statistics.median(per_round):4.2f} ({min(per_round):.2f}-{max(per_round):.2f})"
        else:
            ratio, iratio, mratio, cpu = "n/a", "   n/a", "   n/a", "n/a"
        print(f"{name:8s} {side:11s} {cell:>24s} {ratio:>24s} {infer[side]:10.0f} {iratio} "
              f"{rss[side]:8.0f} {mratio} {cpu:>17s}")


def main():
    args = parse()
    if args.child:
        return child(args)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads),
               MKL_NUM_THREADS=str(args.threads))
    print(f"# {cpu_model()}, {os.cpu_count()} cores, {args.threads} threads, float32, batch 128, "
          f"SGD(0.01, momentum 0.9), {args.epochs} interleaved rounds after 1 warm-up epoch; "
          f"load average at start {os.getloadavg()[0]:.2f}")
    print(f"{'model':8s} {'side':11s} {'train/s median (min-max)':>24s} {'ratio med (min-max) best':>24s} "
          f"{'infer/s':>10s} {'ratio':>6s} {'peak MB':>8s} {'ratio':>6s} {'cpu-time ratio':>17s}")
    for name in args.models.split(","):
        rates, cpu_rates, infer, rss = measure(name, args, env)
        report(name, rates, cpu_rates, infer, rss)
        if name == "mlp" and "nerve-fit" in rates:
            cmd = [sys.executable, __file__, "--child", "gemm:none", "--threads", str(args.threads)]
            peak = json.loads(subprocess.run(cmd, env=env, capture_output=True, text=True).stdout)
            achieved = statistics.median(rates["nerve-fit"]) * MLP_FLOPS_PER_SAMPLE / 1e9
            print(f"#   NumPy GEMM peak: {peak['2048^3']:.1f} GFLOP/s (2048^3), {peak['128x784x256']:.1f} GFLOP/s "
                  f"(128x784x256); nerve's MLP training sustains {achieved:.1f} GFLOP/s in its dense layers' "
                  f"GEMMs = {achieved / peak['2048^3']:.0%} of the large-GEMM peak")
        sys.stdout.flush()
    print(f"# load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""End-to-end training and inference throughput: nerve against PyTorch CPU.

    python benchmarks/train.py [--threads 2] [--epochs 3] [--models mlp,lenet5,vgg]

For each model the same architecture, synthetic data, batch size (128), optimizer
(SGD, momentum 0.9, lr 0.01) and loss (cross-entropy) run in three child
processes: nerve with ``fit``, nerve with a custom loop (``nerve.grad`` +
``apply_gradients``) and PyTorch. Each child reports training samples/s (median
of the epochs after a warm-up epoch, with min and max), inference samples/s at
batch 1000, and its own peak resident memory, so that the figures don't mix.
"""

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

MODELS = {"mlp": (60000, (28, 28, 1)), "lenet5": (60000, (28, 28, 1)), "vgg": (10000, (32, 32, 3))}


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=3, help="timed epochs after one warm-up epoch")
    p.add_argument("--models", default="mlp,lenet5,vgg")
    p.add_argument("--samples", type=int, default=None, help="override the number of training samples")
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

    epoch = epoch_loop if loop else epoch_fit
    rates = _time_epochs(epoch, len(x), args.epochs)
    infer = _time_inference(lambda xb: model.predict(xb, batch_size=1000, verbose=0), x)
    return rates, infer


# ---- PyTorch ----------------------------------------------------------------------------

def torch_model(name):
    import torch.nn as nn
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

    return _time_epochs(epoch, len(x), args.epochs), _time_inference(predict, x)


# ---- timing -----------------------------------------------------------------------------

def _time_epochs(epoch, n, epochs):
    epoch()                                   # warm-up
    rates = []
    for _ in range(epochs):
        start = time.perf_counter()
        epoch()
        rates.append(n / (time.perf_counter() - start))
    return rates


def _time_inference(predict, x):
    predict(x[:2000])
    times = []
    for _ in range(3):
        start = time.perf_counter()
        predict(x)
        times.append(time.perf_counter() - start)
    return len(x) / min(times)


def gemm_peak_gflops():
    """NumPy's float32 GEMM rate on a large square product, and on the MLP's own shapes."""
    import numpy as np
    rng = np.random.default_rng(0)
    rates = {}
    for label, (m, k, n) in {"2048^3": (2048, 2048, 2048), "128x784x256": (128, 784, 256)}.items():
        a = rng.random((m, k), dtype=np.float32)
        b = rng.random((k, n), dtype=np.float32)
        a @ b
        reps = max(3, int(2e9 / (2 * m * k * n)))
        start = time.perf_counter()
        for _ in range(reps):
            a @ b
        rates[label] = 2 * m * k * n * reps / (time.perf_counter() - start) / 1e9
    return rates


# forward 2·MACs; backward 2·MACs for the weight gradients and 2·MACs for the input gradients,
# which the first layer skips (its input is the data)
MLP_FLOPS_PER_SAMPLE = 6 * (784 * 256 + 256 * 256 + 256 * 10) - 2 * 784 * 256


def child(args):
    side, name = args.child.split(":")
    if side == "gemm":
        print(json.dumps(gemm_peak_gflops()))
        return
    if side == "torch":
        rates, infer = run_torch(name, args)
    else:
        rates, infer = run_nerve(name, args, loop=(side == "nerve-loop"))
    print(json.dumps({"rates": rates, "infer": infer, "rss": peak_rss_mb()}))


def main():
    args = parse()
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads),
               MKL_NUM_THREADS=str(args.threads))
    if args.child:
        return child(args)
    print(f"# {platform.machine()} {os.cpu_count()} cores, {args.threads} threads, float32, batch 128, "
          f"SGD(0.01, momentum 0.9), {args.epochs} timed epochs after 1 warm-up")
    header = f"{'model':8s} {'side':11s} {'train samples/s (min-max)':>30s} {'ratio':>6s} " \
             f"{'infer samples/s':>16s} {'ratio':>6s} {'peak MB':>8s} {'ratio':>6s}"
    print(header)
    for name in args.models.split(","):
        results = {}
        for side in ("torch", "nerve-fit", "nerve-loop"):
            cmd = [sys.executable, __file__, "--child", f"{side}:{name}", "--threads", str(args.threads),
                   "--epochs", str(args.epochs)] + (["--samples", str(args.samples)] if args.samples else [])
            out = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if out.returncode:
                print(f"{name:8s} {side:11s} failed:\n{out.stderr[-2000:]}")
                continue
            results[side] = json.loads(out.stdout.strip().splitlines()[-1])
        base = results.get("torch")
        for side, r in results.items():
            med = statistics.median(r["rates"])
            rng = f"{med:9.0f} ({min(r['rates']):.0f}-{max(r['rates']):.0f})"
            ratio = f"{med / statistics.median(base['rates']):6.2f}" if base else "   n/a"
            iratio = f"{r['infer'] / base['infer']:6.2f}" if base else "   n/a"
            mratio = f"{r['rss'] / base['rss']:6.2f}" if base else "   n/a"
            print(f"{name:8s} {side:11s} {rng:>30s} {ratio} {r['infer']:16.0f} {iratio} {r['rss']:8.0f} {mratio}")
        if name == "mlp" and "nerve-fit" in results:
            cmd = [sys.executable, __file__, "--child", "gemm:none", "--threads", str(args.threads)]
            peak = json.loads(subprocess.run(cmd, env=env, capture_output=True, text=True).stdout)
            achieved = statistics.median(results["nerve-fit"]["rates"]) * MLP_FLOPS_PER_SAMPLE / 1e9
            print(f"#   NumPy GEMM peak: {peak['2048^3']:.1f} GFLOP/s (2048^3), {peak['128x784x256']:.1f} GFLOP/s "
                  f"(128x784x256); nerve's MLP training sustains {achieved:.1f} GFLOP/s in its dense layers' "
                  f"GEMMs = {achieved / peak['2048^3']:.0%} of the large-GEMM peak")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

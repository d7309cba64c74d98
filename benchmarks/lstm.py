"""LSTM training step: nerve against torch.nn.LSTM, same sizes, data, optimizer and threads.

    python benchmarks/lstm.py [--threads 1] [--batch 32] [--steps 50] [--features 64] [--units 128]
                              [--rounds 7] [--iters 10] [--loop] [--layer lstm|gru|simple_rnn]

One process holds both models: LSTM(units) over (batch, steps, features), its last output into a
Dense(10), softmax cross-entropy, one SGD step (lr 0.01). nerve runs its fused LSTM op
(nerve/ops/recurrent.py); ``--loop`` also times nerve's step-by-step cell graph (the path of
non-default activations and recurrent dropout), which is what the fused op replaced. The line it
prints names the kernels NumPy's OpenBLAS runs: on an AVX-512 CPU it detects as "Haswell" (this
project's AMD EPYC), ``OPENBLAS_CORETYPE=SkylakeX`` in the environment selects its AVX-512 kernels
(PyTorch's MKL picks its AVX-512 code by itself). Rounds are
interleaved (each round times ``--iters`` steps of every side, in a rotated order) so that a
machine shared with other jobs loads every side alike. Reported: the median time per step of
each side, and the median over rounds of the within-round ratio torch time / nerve time (1.0:
as fast as PyTorch; the issue's goal is >= 0.7).
"""

import argparse
import os
import statistics
import sys
import time


LAYERS = {"lstm": ("LSTM", "LSTM"), "gru": ("GRU", "GRU"), "simple_rnn": ("SimpleRNN", "RNN")}   # nerve, torch.nn


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--features", type=int, default=64)
    p.add_argument("--units", type=int, default=128)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--loop", action="store_true", help="also time nerve's per-step cell graph")
    p.add_argument("--layer", default="lstm", choices=sorted(LAYERS),
                   help="the recurrent layer (GRU: Keras's reset_after=True, which is torch.nn.GRU)")
    return p.parse_args()


def nerve_side(args, x, y, loop):
    import nerve
    from nerve import layers
    nerve.utils.set_random_seed(0)
    recurrent = getattr(layers, LAYERS[args.layer][0])(args.units)
    model = nerve.Sequential([layers.Input((args.steps, args.features)), recurrent, layers.Dense(10)])
    if loop:
        recurrent._fused_sequence = lambda *a: None     # force the cell-by-cell graph
    optimizer = nerve.optimizers.SGD(learning_rate=0.01)
    loss_fn = nerve.losses.SparseCategoricalCrossentropy(from_logits=True)
    weights = model.trainable_weights

    def step():
        loss = loss_fn(y, model(x, training=True))
        optimizer.apply_gradients(zip(nerve.grad(loss, weights), weights))
        return float(loss)
    return step


def torch_side(args, x, y):
    import torch
    torch.manual_seed(0)
    recurrent = getattr(torch.nn, LAYERS[args.layer][1])(args.features, args.units, batch_first=True)
    head = torch.nn.Linear(args.units, 10)
    optimizer = torch.optim.SGD(list(recurrent.parameters()) + list(head.parameters()), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        optimizer.zero_grad()
        outputs, _ = recurrent(xt)
        loss = loss_fn(head(outputs[:, -1]), yt)
        loss.backward()
        optimizer.step()
        return loss.item()
    return step


def blas_kernels():
    """Which kernels NumPy's OpenBLAS runs (its DYNAMIC_ARCH choice, or OPENBLAS_CORETYPE's)."""
    try:
        import threadpoolctl
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    found = [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')}"
             for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas" and "numpy" in i.get("filepath", "")]
    return ", ".join(found) or "unknown"


def main():
    args = parse()
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(args.threads)            # before NumPy and torch load their BLAS
    import numpy as np
    import torch
    torch.set_num_threads(args.threads)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from machine import cpu_model

    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.batch, args.steps, args.features)).astype("float32")
    y = rng.integers(0, 10, args.batch)
    sides = {"torch": torch_side(args, x, y), "nerve": nerve_side(args, x, y, loop=False)}
    if args.loop:
        sides["nerve (cell loop)"] = nerve_side(args, x, y, loop=True)
    for step in sides.values():                          # warm-up: build, allocate, first calls
        step(), step()
    times = {name: [] for name in sides}
    names = list(sides)
    for r in range(args.rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            start = time.perf_counter()
            for _ in range(args.iters):
                sides[name]()
            times[name].append((time.perf_counter() - start) / args.iters)
    print(f"{LAYERS[args.layer][0]}({args.units}) training step, batch {args.batch}, {args.steps} steps x {args.features} features, "
          f"{args.threads} thread(s), {cpu_model()}; {args.rounds} rounds x {args.iters} steps; "
          f"NumPy's BLAS: {blas_kernels()}")
    for name in names:
        t = times[name]
        line = f"  {name:18s} median {statistics.median(t) * 1e3:7.2f} ms/step  (min {min(t) * 1e3:.2f}, " \
               f"max {max(t) * 1e3:.2f})"
        if name != "torch":
            ratios = [a / b for a, b in zip(times["torch"], t)]
            line += f"   speed vs torch: {statistics.median(ratios):.2f}x (rounds {min(ratios):.2f}-{max(ratios):.2f})"
        print(line)


if __name__ == "__main__":
    main()

"""Do the small activations pay for being primitives? Forward + backward of each hand-written
Function against the same activation composed from other ops (whose gradients are exact copies
of the primitive's conventions), on a small-model tensor and a LeNet-5-sized one.

    python benchmarks/compose_activations.py [--repeat 300]

Prints microseconds per forward + backward and composed/primitive. Each figure is the minimum
over many short runs, primitive and composed interleaved, so that on a shared, loaded machine
it approaches the time of an uncontended run.
"""

import argparse
import timeit

import numpy as np

import nerve
from nerve import ops

COMPOSED = {
    "relu6": lambda x: ops.where(x < 6.0, ops.relu(x), 6.0),
    "hard_sigmoid": lambda x: ops.relu6(x + 3.0) / 6.0,
    "hard_silu": lambda x: x * (ops.relu6(x + 3.0) / 6.0),
    "softsign": lambda x: x / (1.0 + ops.abs(x)),
    "log_sigmoid": lambda x: -ops.softplus(-x),
    "leaky_relu": lambda x: ops.where(x > 0, x, x * 0.2),
}


def step_of(fn, x):
    def step():
        nerve.grad(ops.sum(fn(x)), [x])
    step()
    return step


def interleaved(a, b, number):
    """min µs per call of a and b, timed in alternation (load changes hit both alike)."""
    best_a = best_b = float("inf")
    for _ in range(ARGS.repeat):
        best_a = min(best_a, timeit.timeit(a, number=number))
        best_b = min(best_b, timeit.timeit(b, number=number))
    return best_a / number * 1e6, best_b / number * 1e6


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300)
    ARGS = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'activation':14s} {'shape':>16s} {'primitive us':>13s} {'composed us':>12s} {'ratio':>6s}")
    for shape, number in [((32, 128), 10), ((32, 28, 28, 6), 1)]:
        x = nerve.Variable(rng.uniform(-8, 8, shape).astype("float32"))
        for name, composed in COMPOSED.items():
            primitive = getattr(ops, name)
            a, b = interleaved(step_of(primitive, x), step_of(composed, x), number)
            print(f"{name:14s} {str(shape):>16s} {a:13.1f} {b:12.1f} {b / a:6.2f}")

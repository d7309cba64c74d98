"""Data-parallel scaling: training throughput on 1 and N MPI processes, and the allreduce's share.

    python benchmarks/distributed.py [--processes 1,2] [--models lenet5,resnet20] [--batch 128] [--steps 30]

Each configuration is one ``mpiexec -n P`` job running ``fit`` on synthetic data of the model's
shape with a global batch of ``--batch`` under ``nerve.distribution.DataParallel`` (P = 1 runs
plain ``fit``). Every process has one BLAS thread, so P processes use P cores. Reported per
model and P: samples/s over the timed steps (after one warm-up epoch), the scaling efficiency
(throughput_P / (P · throughput_1)), and the share of each step spent in the gradient allreduce
(measured on rank 0 around ``DataParallel.reduce_gradients``).
"""

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time

from machine import cpu_model  # benchmarks/machine.py, beside this script

SHAPES = {"lenet5": (28, 28, 1), "resnet20": (32, 32, 3), "mlp": (28, 28, 1)}


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--processes", default="1,2")
    p.add_argument("--models", default="lenet5,resnet20")
    p.add_argument("--batch", type=int, default=128, help="the global batch")
    p.add_argument("--steps", type=int, default=30, help="timed steps")
    p.add_argument("--child", nargs=2, default=None, help=argparse.SUPPRESS)
    return p.parse_args()


def build(name):
    from nerve import applications
    if name == "lenet5":
        return applications.LeNet5(modern=True)
    if name == "resnet20":
        return applications.ResNet20(input_shape=SHAPES[name], classes=10)
    return applications.MLP()


def child(name, out, batch, steps):
    import numpy as np
    import nerve
    nerve.utils.set_random_seed(0)
    model = build(name)
    model.compile(optimizer=nerve.optimizers.SGD(0.01, momentum=0.9), loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.random((batch * steps,) + SHAPES[name], dtype=np.float32)
    y = rng.integers(0, 10, batch * steps)
    dp = nerve.distribution.DataParallel() if nerve.distribution.launched_processes() > 1 else None
    reduce_seconds = [0.0]
    if dp is not None:
        reduce = dp.reduce_gradients

        def timed_reduce(grads):
            start = time.perf_counter()
            result = reduce(grads)
            reduce_seconds[0] += time.perf_counter() - start
            return result
        dp.reduce_gradients = timed_reduce
    scope = dp.scope() if dp is not None else contextlib.nullcontext()
    with scope:
        model.fit(x[:batch * 3], y[:batch * 3], batch_size=batch, epochs=1, verbose=0, shuffle=False)  # warm-up
        reduce_seconds[0] = 0.0
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
        seconds = time.perf_counter() - start
    if dp is None or dp.is_chief:
        with open(out, "w") as f:
            json.dump({"seconds": seconds, "samples": len(x), "reduce_seconds": reduce_seconds[0]}, f)


def main():
    args = parse()
    if args.child:
        child(args.child[0], args.child[1], args.batch, args.steps)
        return
    mpiexec = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    print(f"CPU: {cpu_model()}; {os.cpu_count()} cores; global batch {args.batch}, {args.steps} timed steps")
    print(f"{'model':<10}{'processes':>10}{'samples/s':>12}{'efficiency':>12}{'allreduce share':>17}")
    for name in args.models.split(","):
        base = None
        for processes in [int(p) for p in args.processes.split(",")]:
            out = f"/tmp/nerve_dp_bench_{name}_{processes}.json"
            command = [sys.executable, __file__, "--child", name, out, "--batch", str(args.batch),
                       "--steps", str(args.steps)]
            if processes > 1:
                command = [mpiexec, "-n", str(processes)] + command
            subprocess.run(command, check=True, env=env)
            with open(out) as f:
                result = json.load(f)
            rate = result["samples"] / result["seconds"]
            base = base or rate
            share = result["reduce_seconds"] / result["seconds"]
            print(f"{name:<10}{processes:>10}{rate:>12.0f}{rate / (processes * base):>12.2f}{share:>17.1%}",
                  flush=True)


if __name__ == "__main__":
    main()

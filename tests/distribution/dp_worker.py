"""Trains one small model and writes its final weights and history (run by test_data_parallel.py).

    python dp_worker.py OUT {mlp,cnn} {single,parallel}

``parallel`` wraps fit in a DataParallel scope (launch it with mpiexec -n N); ``single`` is plain
nerve in one process. Each rank writes OUT/weights_<rank>.npz and OUT/history_<rank>.json with
NumPy and json directly (nerve itself writes files on rank 0 only).
"""

import json
import os
import sys

import numpy as np

import nerve
from nerve import layers


def build(kind):
    if kind == "mlp":
        return nerve.Sequential([nerve.Input((12,)), layers.Dense(16, activation="tanh"), layers.Dense(3)])
    return nerve.Sequential([
        nerve.Input((8, 8, 2)), layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(3),
    ])


def main(out, kind, mode):
    nerve.utils.set_random_seed(0)
    rng = np.random.default_rng(1)
    shape = (12,) if kind == "mlp" else (8, 8, 2)
    x = rng.normal(size=(200,) + shape).astype("float32")
    y = rng.integers(0, 3, size=200)
    model = build(kind)
    model.compile(optimizer=nerve.optimizers.SGD(0.1, momentum=0.9),
                  loss=nerve.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    rank = 0
    if mode == "parallel":
        dp = nerve.distribution.DataParallel()
        rank = dp.rank
        with dp.scope():
            history = model.fit(x, y, batch_size=32, epochs=2, validation_split=0.2, shuffle=True, verbose=0)
            model.save(os.path.join(out, "model.nerve"))     # nerve writes on rank 0 only
            with nerve.utils.file_utils.atomic_write(os.path.join(out, f"written_by_{rank}.txt"), "w") as f:
                f.write("only rank 0's reaches the disk")
    else:
        history = model.fit(x, y, batch_size=32, epochs=2, validation_split=0.2, shuffle=True, verbose=0)
    np.savez(os.path.join(out, f"weights_{rank}.npz"), *model.get_weights())
    with open(os.path.join(out, f"history_{rank}.json"), "w") as f:
        json.dump({k: [float(v) for v in vs] for k, vs in history.history.items()}, f)


if __name__ == "__main__":
    main(*sys.argv[1:4])

"""Dense autoencoders against PCA on MNIST, and a denoising autoencoder.

Run: python examples/autoencoders.py [--epochs 10] [--out runs/autoencoders] [--limit N]

1. For code sizes 2, 16 and 32: a dense autoencoder 784-256-code-256-784 (ReLU, sigmoid output,
   MSE, Adam 1e-3, batch 128) and PCA with as many components (nerve.classic.PCA), both fitted
   on the 60,000 training digits; the reconstruction MSE of each on the 10,000 test digits
   (pixels in [0, 1], mean over pixels and images).
2. A denoising autoencoder (code 32) trained on x + N(0, 0.5²) clipped to [0, 1] with the clean
   x as target: the test MSE of the noisy inputs against the clean digits, and of its outputs.

Writes results.json and pictures: reconstructions.png (rows: originals, then autoencoder and PCA
reconstructions per code size), denoising.png (originals / noisy / denoised), code_space.png
(the 2-D codes of the test digits coloured by digit).
"""

import argparse
import json
import os
import time

import numpy as np

import nerve
from nerve.applications.autoencoder import DenseAutoencoder, add_noise
from nerve.applications.generative_run import image_grid, plot_code_space, save_png
from nerve.classic import PCA
from nerve.datasets import mnist
from nerve.utils.file_utils import atomic_write

CODE_SIZES = (2, 16, 32)
NOISE = 0.5


def load():
    (x_train, _), (x_test, y_test) = mnist.load_data()
    scale = np.float32(255)
    return (x_train[..., None].astype("float32") / scale, x_test[..., None].astype("float32") / scale,
            np.asarray(y_test).astype("int64"))


def mse(a, b):
    return float(((np.asarray(a, dtype="float64") - b) ** 2).mean())


def train_autoencoder(code_size, inputs, targets, epochs, seed):
    nerve.utils.set_random_seed(seed)
    model = DenseAutoencoder(code_size=code_size)
    model.compile(optimizer=nerve.optimizers.Adam(1e-3), loss="mse")
    started = time.perf_counter()
    model.fit(inputs, targets, epochs=epochs, batch_size=128, verbose=2)
    return model, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join("runs", "autoencoders"))
    parser.add_argument("--limit", type=int, default=None, help="the first N training digits only (a smoke test)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    x_train, x_test, y_test = load()
    x_train = x_train[:args.limit]
    flat_train, flat_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    shown = x_test[:12]
    results = {"epochs": args.epochs, "seed": args.seed, "train_samples": len(x_train), "codes": {}}
    rows = [shown]
    for code in CODE_SIZES:
        model, seconds = train_autoencoder(code, x_train, x_train, args.epochs, args.seed)
        reconstructed = model.predict(x_test, batch_size=500, verbose=0)
        pca = PCA(code).fit(flat_train)
        pca_reconstructed = pca.inverse_transform(pca.transform(flat_test)).reshape(x_test.shape)
        results["codes"][code] = {"autoencoder_mse": round(mse(reconstructed, x_test), 5),
                                  "pca_mse": round(mse(np.clip(pca_reconstructed, 0, 1), x_test), 5),
                                  "pca_mse_unclipped": round(mse(pca_reconstructed, x_test), 5),
                                  "params": model.count_params(), "train_seconds": round(seconds, 1)}
        print(f"code {code}: {results['codes'][code]}", flush=True)
        rows += [reconstructed[:12], np.clip(pca_reconstructed[:12], 0, 1)]
        if code == 2:
            codes = model.get_layer("encoder").predict(x_test, batch_size=500, verbose=0)
            plot_code_space(codes, y_test, os.path.join(args.out, "code_space.png"))
    save_png(image_grid(np.concatenate(rows), 12), os.path.join(args.out, "reconstructions.png"))

    noisy_train = add_noise(x_train, NOISE, seed=args.seed + 1)
    noisy_test = add_noise(x_test, NOISE, seed=args.seed + 2)
    model, seconds = train_autoencoder(32, noisy_train, x_train, args.epochs, args.seed)
    denoised = model.predict(noisy_test, batch_size=500, verbose=0)
    results["denoising"] = {"code_size": 32, "noise_stddev": NOISE, "noisy_mse": round(mse(noisy_test, x_test), 5),
                            "denoised_mse": round(mse(denoised, x_test), 5), "train_seconds": round(seconds, 1)}
    print(f"denoising: {results['denoising']}", flush=True)
    save_png(image_grid(np.concatenate([shown, noisy_test[:12], denoised[:12]]), 12),
             os.path.join(args.out, "denoising.png"))
    with atomic_write(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

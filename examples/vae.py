"""A variational autoencoder on MNIST: samples from the prior and a walk through the latent space.

Run: python examples/vae.py [--latent-dim 2] [--epochs 10] [--limit N] [--out runs/vae_example]

The VAE (nerve.applications.vae) is an encoder ending in a ``Sampling`` layer (the
reparameterisation z = μ + σ·ε), a decoder, and a ``Model`` subclass whose ``train_step`` adds
the KL term KL(q(z|x) ‖ N(0, I)) to the reconstruction cross-entropy, as in Keras's VAE example.
With ``--latent-dim 2`` the walk is the classic picture: a grid of decoded points of the plane,
at the Gaussian quantiles of each axis.
"""

import argparse
import os
from statistics import NormalDist

import numpy as np

import nerve
from nerve.applications.generative_run import image_grid, plot_code_space, save_png
from nerve.applications.vae import VariationalAutoencoder
from nerve.datasets import mnist


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latent-dim", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--limit", type=int, default=None, help="the first N training digits only")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join("runs", "vae_example"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    nerve.utils.set_random_seed(args.seed)
    (x_train, _), (x_test, y_test) = mnist.load_data()
    x_train = x_train[:args.limit, :, :, None].astype("float32") / np.float32(255)
    x_test = x_test[..., None].astype("float32") / np.float32(255)

    vae = VariationalAutoencoder(latent_dim=args.latent_dim)
    vae.compile(optimizer=nerve.optimizers.Adam(1e-3))
    vae.fit(x_train, epochs=args.epochs, batch_size=128, verbose=2)
    print("test:", vae.evaluate(x_test, batch_size=500, verbose=0, return_dict=True))
    save_png(image_grid(vae.sample(64, seed=1), 8), os.path.join(args.out, "prior_samples.png"))
    if args.latent_dim == 2:
        quantiles = [NormalDist().inv_cdf(p) for p in np.linspace(0.05, 0.95, 15)]
        plane = np.array([[a, b] for b in quantiles[::-1] for a in quantiles], dtype="float32")
        save_png(image_grid(vae.decode(plane), 15, scale=1), os.path.join(args.out, "latent_plane.png"))
        plot_code_space(vae.encode(x_test), np.asarray(y_test), os.path.join(args.out, "code_space.png"))
    vae.save(os.path.join(args.out, "model.nerve"))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

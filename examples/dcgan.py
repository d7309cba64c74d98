"""DCGAN and a conditional GAN on MNIST, written the way Keras users write GANs.

Run: python examples/dcgan.py [--conditional] [--epochs 4] [--limit N] [--out runs/dcgan_example]

The GAN is a ``Model`` subclass (nerve.applications.gan.GAN) whose ``train_step`` updates the
discriminator with its optimizer, then the generator with its own; ``fit`` runs it over batches
of real digits scaled to [-1, 1]. After each epoch a callback draws the same latent codes, so
the grids show one set of samples improving. ``nerve train dcgan --dataset mnist`` does the same
and also scores the samples (see README, "Generative models").
"""

import argparse
import os

import numpy as np

import nerve
from nerve.applications.gan import ConditionalGAN, DCGAN
from nerve.applications.generative_run import image_grid, save_gif, save_png
from nerve.datasets import mnist


class SampleGrid(nerve.callbacks.Callback):
    """After every epoch: 100 samples from fixed codes (a conditional GAN: one row per digit)."""

    def __init__(self, out):
        super().__init__()
        self.out, self.frames = out, []

    def on_epoch_end(self, epoch, logs=None):
        labels = np.repeat(np.arange(10), 10) if self.model.classes else None
        images = (self.model.sample(100, labels=labels, seed=0) + 1) / 2
        self.frames.append(image_grid(images, 10))
        save_png(self.frames[-1], os.path.join(self.out, f"epoch_{epoch + 1:02d}.png"))
        print(f"epoch {epoch + 1}: d_loss {logs['d_loss']:.3f}, g_loss {logs['g_loss']:.3f}", flush=True)

    def on_train_end(self, logs=None):
        save_gif(self.frames, os.path.join(self.out, "epochs.gif"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conditional", action="store_true", help="condition both players on the digit")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--limit", type=int, default=None, help="the first N training digits only")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join("runs", "dcgan_example"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    nerve.utils.set_random_seed(args.seed)
    (x_train, y_train), _ = mnist.load_data()
    x = x_train[:args.limit, :, :, None].astype("float32") / np.float32(127.5) - 1     # [-1, 1] for tanh
    y = y_train[:args.limit].astype("int64")

    gan = ConditionalGAN() if args.conditional else DCGAN()
    gan.compile(d_optimizer=nerve.optimizers.Adam(2e-4, beta_1=0.5),
                g_optimizer=nerve.optimizers.Adam(2e-4, beta_1=0.5))
    gan.fit(x, y if args.conditional else None, epochs=args.epochs, batch_size=64, verbose=2,
            callbacks=[SampleGrid(args.out)])
    gan.save(os.path.join(args.out, "model.nerve"))
    print(f"wrote {args.out}/model.nerve and a grid per epoch; nerve generate {args.out}/model.nerve draws more")


if __name__ == "__main__":
    main()

"""The run folder of a generative model: what ``nerve train dcgan|cgan|vae|autoencoder`` and
``nerve generate`` do.

``train`` writes to the run folder:

- ``model.nerve``: the model after the last epoch whose losses and weights were all finite
  (:class:`KeepLastGoodModel` stops training on the first NaN/Inf and never overwrites the file
  with a broken model);
- ``samples_epoch_NN.png`` after every epoch, drawn from the same latent codes each time (an
  autoencoder shows fixed test digits: originals / its input / reconstructions), and
  ``samples.gif``, the epochs' grids as an animation (Pillow);
- ``history.csv``: the per-epoch losses;
- ``metrics.json``: the settings, the per-epoch losses, wall time and the test figures: for GANs
  and the VAE the scores of ``nerve.metrics.generative`` against the test digits (when the
  classifier file exists; ``make demo`` writes it), for an autoencoder the test reconstruction MSE;
- for the VAE a latent-space walk, for an autoencoder with a 2-D code the code space by digit.
"""

import json
import math
import os
import sys
import time

import numpy

from .. import backend, callbacks, optimizers, utils
from ..autodiff import no_grad
from ..utils.file_utils import atomic_write
from . import registry
from .autoencoder import ConvAutoencoder, add_noise
from .gan import GAN, ConditionalGAN, DCGAN
from .vae import VAE, VariationalAutoencoder

# name -> (builder, default latent / code size); the training recipes are in the registry
MODELS = {"dcgan": (DCGAN, 64), "cgan": (ConditionalGAN, 64), "vae": (VariationalAutoencoder, 16),
          "autoencoder": (ConvAutoencoder, 32)}
DEFAULT_SCORER = os.path.join("runs", "demo", "model.nerve")
SCORE_SAMPLES = 10000


def handles(name):
    return name.lower().replace("-", "_") in MODELS


def train(args, data, log=print):
    """Train generative model ``args.model`` on ``data`` ((x_train, y_train), (x_test, y_test), names)
    with the options of ``nerve train``; returns the results written to metrics.json."""
    name = args.model.lower().replace("-", "_")
    _refuse_classifier_options(args, name)
    builder, latent = MODELS[name]
    recipe = registry.recipe(name)
    args.epochs = args.epochs or recipe["epochs"]
    args.batch_size = args.batch_size or recipe["batch_size"]
    args.lr = args.lr or recipe["lr"]
    latent = getattr(args, "latent_dim", None) or latent
    if args.seed is not None:
        utils.set_random_seed(args.seed)
    out = args.out or os.path.join("runs", f"{name}_{args.dataset}")
    os.makedirs(out, exist_ok=True)
    (x_train, y_train), (x_test, y_test), _ = data
    shape = x_train.shape[1:]
    noise = float(getattr(args, "noise", None) or 0.0)
    if name == "autoencoder":
        model = builder(code_size=latent, image_shape=shape)
        model.compile(optimizer=optimizers.Adam(args.lr), loss="mse")
        inputs, targets = (add_noise(x_train, noise) if noise else x_train), x_train
    elif name in ("dcgan", "cgan"):
        model = builder(latent_dim=latent, image_shape=shape)
        model.compile(d_optimizer=optimizers.Adam(args.lr, beta_1=0.5),
                      g_optimizer=optimizers.Adam(args.lr, beta_1=0.5))
        inputs, targets = x_train * 2 - 1, (y_train if name == "cgan" else None)
    else:
        model = builder(latent_dim=latent, image_shape=shape)
        model.compile(optimizer=optimizers.Adam(args.lr))
        inputs, targets = x_train, None
    log(f"nerve: training {name} ({model.count_params():,} params) on {args.dataset}: {len(x_train)} images, "
        f"{args.epochs} epochs, batch {args.batch_size}, Adam lr={args.lr:g}"
        + (f", input noise {noise:g}" if noise else ""))
    grids = EpochGrids(out, _grid_drawer(name, model, x_test, noise))
    keeper = KeepLastGoodModel(os.path.join(out, "model.nerve"))
    started = time.perf_counter()
    history = model.fit(inputs, targets, epochs=args.epochs, batch_size=args.batch_size, verbose=args.verbose,
                        callbacks=[keeper, grids, callbacks.CSVLogger(os.path.join(out, "history.csv"))])
    seconds = time.perf_counter() - started
    results = {"model": name, "dataset": args.dataset, "epochs": args.epochs, "epochs_completed": keeper.good_epochs,
               "stopped_on_nan": keeper.stopped, "batch_size": args.batch_size, "learning_rate": args.lr,
               "latent_dim": latent, "seed": args.seed, "train_samples": len(x_train), "params": model.count_params(),
               "train_seconds": round(seconds, 1),
               "history": {k: [round(float(v), 5) for v in vals] for k, vals in history.history.items()}}
    if name == "autoencoder":
        results.update(_reconstruction_report(model, x_test, noise))
    else:
        if name == "vae":
            results["test"] = {k: round(float(v), 4) for k, v in
                               model.evaluate(x_test, batch_size=500, verbose=0, return_dict=True).items()}
            _vae_pictures(model, x_test, out)
        scorer = getattr(args, "scorer", None) or DEFAULT_SCORER
        results["scores"] = _scores(model, x_test, scorer, log)
    if name == "autoencoder" and latent == 2:
        plot_code_space(model.get_layer("encoder").predict(x_test, batch_size=500, verbose=0), y_test,
                        os.path.join(out, "code_space.png"))
    with atomic_write(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(results, f, indent=2)
    log(f"trained in {seconds:.1f} s; wrote {out}/model.nerve, metrics.json, {len(grids.frames)} sample grids "
        f"and samples.gif")
    log(json.dumps({k: v for k, v in results.items() if k not in ("history",)}))
    return results


def _refuse_classifier_options(args, name):
    """Options of the classifier recipe that these models do not use: a one-line error, status 2."""
    used = [option for option, ignored in (("--optimizer", getattr(args, "optimizer", "adam") != "adam"),
                                           ("--momentum", getattr(args, "momentum", None) is not None),
                                           ("--weight-decay", getattr(args, "weight_decay", None) is not None))
            if ignored]
    if used:
        print(f"nerve train: error: {', '.join(used)} do not apply to {name}, which trains with Adam at a constant "
              "rate (GANs: beta_1 0.5) (see nerve train --help)", file=sys.stderr)
        raise SystemExit(2)


# ---- callbacks ------------------------------------------------------------------------------

class KeepLastGoodModel(callbacks.Callback):
    """TerminateOnNaN that keeps the last good checkpoint: stops training on the first batch whose
    logs hold a NaN or Inf (any of them: a GAN logs d_loss and g_loss, not loss), and saves the
    model to ``path`` at the end of each epoch only while every log and every weight is finite."""

    def __init__(self, path):
        super().__init__()
        self.path = path
        self.stopped = False
        self.good_epochs = 0

    def on_train_batch_end(self, batch, logs=None):
        bad = [k for k, v in (logs or {}).items() if not math.isfinite(float(v))]
        if bad:
            print(f"batch {batch}: {', '.join(bad)} not finite; stopping, {self.path} keeps epoch {self.good_epochs}")
            self.stopped = True
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        finite = all(bool(numpy.isfinite(backend.to_numpy(w.data)).all()) for w in self.model.weights)
        if self.stopped or not finite:
            self.stopped = True
            self.model.stop_training = True
            return
        self.model.save(self.path)
        self.good_epochs = epoch + 1


class EpochGrids(callbacks.Callback):
    """After every epoch: ``draw()`` (a uint8 image) -> ``samples_epoch_NN.png``; at the end the
    frames as ``samples.gif`` and the last as ``samples.png``."""

    def __init__(self, out, draw):
        super().__init__()
        self.out, self.draw, self.frames = out, draw, []

    def on_epoch_end(self, epoch, logs=None):
        if logs and not all(math.isfinite(float(v)) for v in logs.values()):
            return
        frame = self.draw()
        self.frames.append(frame)
        save_png(frame, os.path.join(self.out, f"samples_epoch_{epoch + 1:02d}.png"))

    def on_train_end(self, logs=None):
        if self.frames:
            save_png(self.frames[-1], os.path.join(self.out, "samples.png"))
            save_gif(self.frames, os.path.join(self.out, "samples.gif"))


def _grid_drawer(name, model, x_test, noise):
    """A function of no arguments drawing the model's current picture (the same inputs every epoch)."""
    if name == "autoencoder":
        originals = x_test[:16]
        shown = add_noise(originals, noise, seed=0) if noise else originals
        rows = [originals, shown, None] if noise else [originals, None]

        def draw():
            reconstructed = model.predict(shown, verbose=0)
            return image_grid(numpy.concatenate([r if r is not None else reconstructed for r in rows]), 16)
        return draw
    if name == "cgan":
        return lambda: image_grid(_to_unit(model.sample(100, labels=numpy.repeat(numpy.arange(10), 10), seed=0)), 10)
    if name == "dcgan":
        return lambda: image_grid(_to_unit(model.sample(64, seed=0)), 8)
    return lambda: image_grid(model.sample(64, seed=0), 8)


# ---- figures from generated images ---------------------------------------------------------

def can_sample(model):
    """True for the models ``nerve generate`` draws images from (a GAN or a VAE)."""
    return isinstance(model, (GAN, VAE))


def samples_of(model, n, seed=None, labels=None):
    """n images in [0, 1] drawn from a GAN or VAE, a NumPy array (n, H, W, C); ``labels`` (the
    classes to draw) only for a conditional GAN."""
    if labels is not None and not (isinstance(model, GAN) and model.classes):
        raise ValueError(f"{type(model).__name__} '{model.name}' is not conditioned on labels: "
                         "draw it without labels")
    if isinstance(model, GAN):
        return _to_unit(model.sample(n, labels=labels, seed=seed))
    if isinstance(model, VAE):
        return model.sample(n, seed=seed)
    raise TypeError(f"samples_of: {type(model).__name__} '{model.name}' does not draw samples "
                    "(expected a GAN or a VAE; an autoencoder only reconstructs)")


def _to_unit(images):
    return numpy.clip((images + 1) / 2, 0, 1)


def image_grid(images, columns, scale=2, pad=2):
    """Images (n, H, W, C) with values in [0, 1] tiled into one uint8 picture, ``columns`` per row,
    each enlarged ``scale`` times (nearest), separated by ``pad`` pixels of grey."""
    images = numpy.asarray(images, dtype="float32")
    if images.ndim == 3:
        images = images[..., None]
    n, height, width, channels = images.shape
    rows = -(-n // columns)
    tiles = numpy.clip(images, 0, 1).repeat(scale, axis=1).repeat(scale, axis=2)
    h, w = height * scale + pad, width * scale + pad
    grid = numpy.full((rows * h + pad, columns * w + pad, channels), 0.5, dtype="float32")
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        grid[pad + r * h: pad + r * h + height * scale, pad + c * w: pad + c * w + width * scale] = tile
    grid = (grid * 255 + 0.5).astype("uint8")
    return grid[..., 0] if channels == 1 else grid


def save_png(image, path):
    """A uint8 array (H, W) or (H, W, 3) as a PNG, written atomically."""
    from PIL import Image
    with atomic_write(path) as f:
        Image.fromarray(image).save(f, format="PNG")


def save_gif(frames, path, milliseconds=500):
    """uint8 frames as an animated GIF looping forever, the last frame held three times as long."""
    from PIL import Image
    pictures = [Image.fromarray(frame) for frame in frames]
    durations = [milliseconds] * (len(frames) - 1) + [3 * milliseconds]
    with atomic_write(path) as f:
        pictures[0].save(f, format="GIF", save_all=True, append_images=pictures[1:], duration=durations, loop=0)


def plot_code_space(codes, labels, path):
    """A scatter plot of 2-D codes coloured by digit (matplotlib PNG)."""
    from ..visualize._figure import new_figure, save
    figure = new_figure(6, 5.2)
    axes = figure.add_subplot(1, 1, 1)
    points = axes.scatter(codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=2, alpha=0.6, vmin=-0.5, vmax=9.5)
    figure.colorbar(points, ax=axes, ticks=range(10), label="digit")
    axes.set_xlabel("code 1")
    axes.set_ylabel("code 2")
    axes.set_title(f"2-D codes of {len(codes)} test digits")
    save(figure, path)


def _vae_pictures(model, x_test, out, steps=10):
    """prior samples, and a walk: rows of ``steps`` images decoded along straight lines between the
    posterior means of pairs of test digits."""
    save_png(image_grid(model.sample(64, seed=1), 8), os.path.join(out, "prior_samples.png"))
    ends = model.encode(x_test[:16])
    t = numpy.linspace(0, 1, steps, dtype="float32")[:, None]
    codes = numpy.concatenate([(1 - t) * ends[2 * i] + t * ends[2 * i + 1] for i in range(8)])
    save_png(image_grid(model.decode(codes), steps), os.path.join(out, "latent_walk.png"))


# ---- test figures ---------------------------------------------------------------------------

def _reconstruction_report(model, x_test, noise):
    reconstructed = model.predict(add_noise(x_test, noise, seed=0) if noise else x_test, batch_size=500, verbose=0)
    report = {"test_reconstruction_mse": round(float(((reconstructed - x_test) ** 2).mean()), 6)}
    if noise:
        report["test_noisy_input_mse"] = round(float(((add_noise(x_test, noise, seed=0) - x_test) ** 2).mean()), 6)
    return report


def _scores(model, x_test, scorer, log):
    from ..metrics.generative import score_generator
    from ..models import load_model
    if not os.path.isfile(scorer):
        log(f"no classifier at {scorer} (run `make demo`): samples not scored")
        return None
    classifier = load_model(scorer)
    with no_grad():
        labels = numpy.arange(SCORE_SAMPLES) % 10 if isinstance(model, GAN) and model.classes else None
        images = samples_of(model, SCORE_SAMPLES, seed=12345, labels=labels)
    scores = score_generator(classifier, images, x_test)
    scores["classifier"] = scorer
    return scores


def generate(model, samples, out, seed=None, labels=None):
    """``nerve generate``: ``samples`` new images from a GAN or VAE, tiled into the PNG ``out``."""
    images = samples_of(model, samples, seed=seed, labels=labels)
    save_png(image_grid(images, max(1, int(math.ceil(math.sqrt(samples))))), out)
    return images


__all__ = ["MODELS", "EpochGrids", "KeepLastGoodModel", "generate", "handles", "image_grid", "plot_code_space",
           "can_sample", "samples_of", "save_gif", "save_png", "train"]

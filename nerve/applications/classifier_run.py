"""``nerve train MODEL --dataset mnist|fashion_mnist|cifar10``: train an image classifier, test it, draw it.

The run folder holds the model (``model.nerve``), the per-epoch log (``history.csv``), the test
figures (``metrics.json``: loss, accuracy, top-5 error, wall time, settings) and pictures:
training curves, first-layer filters, feature maps, confusion matrix and misclassified test images.
``nerve evaluate`` scores a saved classifier with the same report, and ``nerve predict`` reads
its image files with ``read_image``. nerve.cli fills the options from the model's recipe first.
"""

import contextlib
import json
import math
import os
import sys
import tempfile
import time

import numpy

from ..utils.file_utils import atomic_write


# ---- data -------------------------------------------------------------------------------

def load_dataset(name, limit=None):
    """``(x_train, y_train), (x_test, y_test), class_names``: images float32 in [0, 1] with a
    channel axis, labels int64 of shape (n,); ``limit`` keeps the first N training samples."""
    from .. import datasets
    module = getattr(datasets, name)
    (x_train, y_train), (x_test, y_test) = module.load_data()
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]

    def images(x):
        x = numpy.asarray(x, dtype="float32") / numpy.float32(255)
        return x[..., None] if x.ndim == 3 else x

    def labels(y):
        return numpy.asarray(y).reshape(-1).astype("int64")

    names = getattr(module, "CLASS_NAMES", None) or [str(i) for i in range(10)]
    return (images(x_train), labels(y_train)), (images(x_test), labels(y_test)), list(names)


def augmentation(dataset):
    """The augmentation layers ``--augment`` puts before the model (active in training only).

    Digits get a small rotation (bilinear) and a shift by whole pixels (nearest), so one
    image is resampled only once and stays sharp; CIFAR-10 gets the standard augmentation of
    He et al. 2016: mirror images and a random 32x32 crop of the image zero-padded by 4
    (a shift by up to 4 whole pixels with zero fill).
    """
    from .. import layers
    if dataset == "cifar10":
        return [layers.RandomFlip("horizontal"),
                layers.RandomTranslation(0.125, 0.125, fill_mode="constant", interpolation="nearest")]
    steps = [layers.RandomRotation(0.03, fill_mode="constant"),
             layers.RandomTranslation(0.1, 0.1, fill_mode="constant", interpolation="nearest")]
    if dataset == "fashion_mnist":
        steps.insert(0, layers.RandomFlip("horizontal"))
    return steps


def read_image(path, height, width, channels, invert, parser):
    """An image file as float32 (height, width, channels) in [0, 1]."""
    import warnings
    from PIL import Image
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)    # a bomb is an error, not a warning
            with Image.open(path) as image:
                image = image.convert("L" if channels == 1 else "RGB").resize((width, height), Image.BILINEAR)
                array = numpy.asarray(image, dtype="float32") / numpy.float32(255)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        parser.error(f"cannot read image {path}: refused as a decompression bomb ({err})")
    except (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError, KeyError, MemoryError) as err:
        parser.error(f"cannot read image {path}: {type(err).__name__}: {err}")
    if invert:
        array = 1 - array
    return array.reshape(height, width, channels)


# ---- training ---------------------------------------------------------------------------

def train_from_cli(args, parser):
    """Train ``args.model`` as the command line says (its options already filled from the model's
    recipe by nerve.cli) and write the run folder; under mpiexec one replica per process, rank 0 writes."""
    from .. import callbacks, layers, utils
    from ..models import Sequential
    from .registry import get
    if args.seed is not None:
        utils.set_random_seed(args.seed)
    dist = _data_parallel()                       # one replica per process under mpiexec
    chief = dist is None or dist.is_chief
    out = args.out or os.path.join("runs", f"{args.model}_{args.dataset}")
    _writable_folder(out, parser)
    (x_train, y_train), (x_test, y_test), class_names = load_dataset(args.dataset, args.limit)
    _check_split(len(x_train), args.validation_split, parser)
    kwargs = {"modern": True} if args.modern else {}
    try:
        model = get(args.model)(input_shape=x_train.shape[1:], classes=len(class_names), **kwargs)
    except ValueError as err:                    # e.g. GoogLeNet needs images of 32 pixels or more
        parser.error(f"{args.model} cannot take {args.dataset}'s images: {err}")
    if args.augment:
        model = Sequential([layers.Input(shape=x_train.shape[1:]), *augmentation(args.dataset), model],
                           name=f"{model.name}_augmented")
    n_fit = len(x_train) - int(len(x_train) * (args.validation_split or 0.0))
    steps = args.epochs * -(-n_fit // args.batch_size)
    if args.momentum is not None and args.optimizer not in ("sgd", "rmsprop"):
        parser.error(f"--momentum applies to sgd and rmsprop, not {args.optimizer}")
    optimizer, lr = _optimizer(args.optimizer, args.lr, args.schedule, steps, args.momentum, args.weight_decay)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if not chief:                                # rank 0 alone prints
        args.verbose = 0
        sys.stdout = open(os.devnull, "w")
    print(f"nerve: training {args.model}{' (modern)' if args.modern else ''} on {args.dataset}: "
          f"{n_fit} training and {len(x_train) - n_fit} validation samples, {args.epochs} epochs, "
          f"batch {args.batch_size}, {args.optimizer} lr={lr:g} ({args.schedule})"
          + (f", momentum {args.momentum:g}" if args.momentum is not None else "")
          + (f", weight decay {args.weight_decay:g}" if args.weight_decay is not None else "")
          + (", augmented" if args.augment else "")
          + (f", {dist.num_processes} processes" if dist is not None else ""), flush=True)
    log = os.path.join(out, "history.csv")
    started = time.perf_counter()
    with dist.scope() if dist is not None else contextlib.nullcontext():
        history = model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size,
                            validation_split=args.validation_split or 0.0, verbose=args.verbose,
                            callbacks=[callbacks.CSVLogger(log)] if chief else [])
    train_seconds = time.perf_counter() - started
    if not chief:                                # only rank 0 writes the run folder
        return
    model_path = os.path.join(out, "model.nerve")
    model.save(model_path)
    results = test_report(model, x_test, y_test)
    results.update(model=args.model, modern=bool(args.modern), dataset=args.dataset, epochs=args.epochs,
                   batch_size=args.batch_size, optimizer=args.optimizer, learning_rate=lr, schedule=args.schedule,
                   augment=bool(args.augment), momentum=args.momentum, weight_decay=args.weight_decay, seed=args.seed, train_samples=len(x_train),
                   train_seconds=round(train_seconds, 1), params=model.count_params())
    print_report(results, train_seconds)
    with atomic_write(os.path.join(out, "metrics.json"), "w") as f:
        json.dump({k: v for k, v in results.items() if k != "probabilities"}, f, indent=2)
    pictures = _pictures(model, history, log, x_test, y_test, results.pop("probabilities"), class_names, out)
    print(f"wrote {model_path}, {log}, {os.path.join(out, 'metrics.json')}")
    print("pictures: " + ", ".join(pictures))


def _data_parallel():
    """A DataParallel over the MPI job when this process is one of several (mpiexec), else None."""
    from .. import distribution
    return distribution.DataParallel() if distribution.launched_processes() > 1 else None


def _writable_folder(path, parser):
    """Create ``path`` and check a file can be written there, before any training time is spent."""
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as err:
        parser.error(f"--out {path}: cannot write there ({err.strerror or err})")


def _check_split(count, validation_split, parser):
    """fit's rule (the training part is the first floor(count * (1 - split)) samples): a validation
    split must leave samples on both sides."""
    if validation_split and not 0 < math.floor(count * (1 - validation_split)) < count:
        parser.error(f"{count} training sample(s) cannot be split by --validation-split {validation_split:g} "
                     "into training and validation sets; use a larger --limit or --validation-split 0")


def _optimizer(name, lr, schedule, steps, momentum=None, weight_decay=None):
    """The optimizer ``name`` at rate ``lr`` (default: its own), constant or cosine-decayed to 0 over ``steps``,
    with ``momentum`` and decoupled ``weight_decay`` when given (else the optimizer's defaults)."""
    from .. import optimizers
    cls = type(optimizers.get(name))
    lr = round(float(lr if lr is not None else cls().learning_rate), 8)
    rate = optimizers.schedules.CosineDecay(lr, decay_steps=max(steps, 1)) if schedule == "cosine" else lr
    extra = {key: value for key, value in (("momentum", momentum), ("weight_decay", weight_decay))
             if value is not None}
    return cls(learning_rate=rate, **extra), lr


# ---- the test report and the pictures ----------------------------------------------------

def test_report(model, x_test, y_test, batch_size=500):
    """Test loss (cross-entropy), accuracy and top-5 error from one pass of predictions."""
    probabilities = numpy.asarray(model.predict(x_test, batch_size=batch_size, verbose=0))
    picked = probabilities[numpy.arange(len(y_test)), y_test]
    loss = float(-numpy.log(numpy.clip(picked, 1e-7, 1.0)).mean())
    accuracy = float((probabilities.argmax(axis=1) == y_test).mean())
    top5 = numpy.argsort(probabilities, axis=1)[:, -5:]
    top5_error = 1.0 - float((top5 == y_test[:, None]).any(axis=1).mean())
    return {"test_loss": round(loss, 5), "test_accuracy": round(accuracy, 5), "test_top5_error": round(top5_error, 5),
            "test_samples": len(y_test), "probabilities": probabilities}


def print_report(results, train_seconds=None):
    timing = f" (trained in {train_seconds:.1f} s)" if train_seconds is not None else ""
    print(f"test loss {results['test_loss']:.4f} - test accuracy {results['test_accuracy']:.2%} - "
          f"top-5 error {results['test_top5_error']:.2%} on {results['test_samples']} test images{timing}")


def _pictures(model, history, log, x_test, y_test, probabilities, class_names, out):
    from .. import visualize
    from ..visualize.filters import conv_layers
    written = []

    def draw(name, fn, *args, **kwargs):
        path = os.path.join(out, name)
        fn(*args, path, **kwargs)
        written.append(path)

    draw("history.png", visualize.plot_history, history)
    core = _core_model(model)
    if conv_layers(core):
        draw("filters.png", visualize.plot_filters, core)
        if _is_chain(core):                      # plot_feature_maps runs the layers in order
            draw("feature_maps.png", visualize.plot_feature_maps, core, x_test[0])
    draw("confusion_matrix.png", visualize.plot_confusion_matrix, y_test, probabilities, class_names=class_names)
    draw("misclassified.png", visualize.plot_misclassified, x_test, y_test, probabilities, class_names=class_names)
    return written


def _is_chain(model):
    """True when the model's layers run one after the other (no merges such as a ResNet's Add)."""
    return all(len(node.input_tensors) <= 1 for layer in model.layers for node in layer.inbound_nodes)


def _core_model(model):
    """The trained network inside an augmented wrapper (the pictures skip the augmentation)."""
    inner = [layer for layer in model.layers if getattr(layer, "layers", None)]
    return inner[-1] if len(inner) == 1 and model.name.endswith("_augmented") else model

"""The ``nerve`` command: train, evaluate and query the built-in models from a shell.

    nerve models                                   list the built-in models
    nerve summary lenet5                           layers, shapes and parameter counts
    nerve summary resnet50 --flops                 ... and multiply-accumulates per layer
    nerve train lenet5 --modern --dataset mnist --epochs 3 --out runs/demo
    nerve evaluate runs/demo/model.nerve --dataset mnist
    nerve predict runs/demo/model.nerve digit.png
    nerve rl CartPole-v1 --algorithm dqn --seed 0   train an agent (nerve.rl); --play MODEL evaluates one

``train`` writes to its run folder the model (``model.nerve``), the per-epoch log
(``history.csv``), the test figures (``metrics.json``) and pictures: training curves,
first-layer filters, feature maps, confusion matrix and misclassified test images.
Wrong arguments print a one-line error and exit with status 2.
"""

import argparse
import contextlib
import json
import os
import sys
import time

from .utils.file_utils import atomic_write

DATASETS = ("mnist", "fashion_mnist", "cifar10")
TEXT_DATASETS = ("tinyshakespeare",)          # for language models (gpt)
SCENE_DATASETS = ("mnist_scenes",)            # for segmentation, detection and captioning (fcn)
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "nadam", "adagrad", "adadelta")
DEFAULTS = {"optimizer": "adam", "schedule": "cosine", "validation_split": 0.1}
DEFAULTS_TRAIN = {"epochs": 5, "batch_size": 64, "augment": False}   # when the model's recipe names none


class _Default(str):
    """An option's default value, told apart from the same value typed on the command line."""


# ---- data -------------------------------------------------------------------------------

def load_dataset(name, limit=None):
    """``(x_train, y_train), (x_test, y_test), class_names``: images float32 in [0, 1] with a
    channel axis, labels int64 of shape (n,); ``limit`` keeps the first N training samples."""
    import numpy
    from . import datasets
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
    from . import layers
    if dataset == "cifar10":
        return [layers.RandomFlip("horizontal"),
                layers.RandomTranslation(0.125, 0.125, fill_mode="constant", interpolation="nearest")]
    steps = [layers.RandomRotation(0.03, fill_mode="constant"),
             layers.RandomTranslation(0.1, 0.1, fill_mode="constant", interpolation="nearest")]
    if dataset == "fashion_mnist":
        steps.insert(0, layers.RandomFlip("horizontal"))
    return steps


# ---- the subcommands --------------------------------------------------------------------

def cmd_models(args, parser):
    from . import applications
    width = max(len(n) for n in applications.names())
    for name in applications.names():
        recipe = ", ".join(k if v is True else f"{k.replace('_', ' ')} {v if isinstance(v, str) else format(v, 'g')}"
                           for k, v in applications.recipe(name).items())
        print(f"{name:<{width}}  {applications.describe(name)}" + (f" [trains with {recipe}]" if recipe else ""))


def cmd_summary(args, parser):
    model = _model_from_name_or_file(args.model, parser, modern=args.modern)
    model.summary(show_flops=args.flops)


def cmd_train(args, parser):
    builder = _builder(args.model, parser)
    if args.model.lower() == "gpt":              # a language model: nanoGPT's loop and run folder
        from .applications import gpt_training
        gpt_training.train_from_cli(args, parser)
        return
    if args.model.lower() == "fcn":              # per-pixel labels: its own loop, scores and pictures
        from .applications import segmentation_run
        segmentation_run.train_from_cli(args, parser)
        return
    if args.model.lower().replace("-", "_") in ("rcnn", "fast_rcnn"):   # detection: proposals, regions, mAP
        from .applications import detection_run
        detection_run.train_from_cli(args, parser)
        return
    if args.model.lower() == "captioner":        # CNN + LSTM with teacher forcing, BLEU-4 of its captions
        from .applications import captioning_run
        captioning_run.train_from_cli(args, parser)
        return
    if args.dataset in TEXT_DATASETS:
        parser.error(f"{args.dataset} is a text corpus: it trains gpt, not {args.model}")
    if args.dataset in SCENE_DATASETS:
        parser.error(f"{args.dataset} holds scenes: it trains fcn, rcnn, fast_rcnn or captioner, not {args.model}")
    from .applications import generative_run
    if generative_run.handles(args.model):       # GANs, VAE, autoencoder: their own run folder
        if args.modern or args.augment:
            parser.error("--modern and --augment apply to classifiers only")
        if _data_parallel() is not None:
            parser.error("--processes applies to classifiers only")
        generative_run.train(args, load_dataset(args.dataset, args.limit))
        return
    if args.modern and args.model.lower() != "lenet5":
        parser.error("--modern applies to lenet5 only")
    from . import applications, callbacks, layers, utils
    from .models import Sequential
    recipe = applications.recipe(args.model)
    if not isinstance(args.optimizer, _Default):          # named on the command line
        if args.optimizer != recipe.get("optimizer", DEFAULTS["optimizer"]):
            for key in ("lr", "momentum", "weight_decay"):   # a recipe's rates are for its optimizer only
                recipe.pop(key, None)
        recipe.pop("optimizer", None)
    elif "optimizer" in recipe:
        args.optimizer = recipe.pop("optimizer")
    for option, value in {**DEFAULTS_TRAIN, **recipe}.items():
        if getattr(args, option) is None:        # left out: the model's recipe, else the default
            setattr(args, option, value)
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
        model = builder(input_shape=x_train.shape[1:], classes=len(class_names), **kwargs)
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
    results = _test_report(model, x_test, y_test)
    results.update(model=args.model, modern=bool(args.modern), dataset=args.dataset, epochs=args.epochs,
                   batch_size=args.batch_size, optimizer=args.optimizer, learning_rate=lr, schedule=args.schedule,
                   augment=bool(args.augment), momentum=args.momentum, weight_decay=args.weight_decay, seed=args.seed, train_samples=len(x_train),
                   train_seconds=round(train_seconds, 1), params=model.count_params())
    _print_report(results, train_seconds)
    with atomic_write(os.path.join(out, "metrics.json"), "w") as f:
        json.dump({k: v for k, v in results.items() if k != "probabilities"}, f, indent=2)
    pictures = _pictures(model, history, log, x_test, y_test, results.pop("probabilities"), class_names, out)
    print(f"wrote {model_path}, {log}, {os.path.join(out, 'metrics.json')}")
    print("pictures: " + ", ".join(pictures))


def _data_parallel():
    """A DataParallel over the MPI job when this process is one of several (mpiexec), else None."""
    from . import distribution
    return distribution.DataParallel() if distribution.launched_processes() > 1 else None


def _relaunch_under_mpi(args, argv):
    """``nerve train ... --processes N``: the same command as N processes under mpiexec."""
    import shutil
    import subprocess
    mpiexec = (shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec"))
    if mpiexec is None:
        print("nerve train: error: --processes needs mpiexec: pip install 'nerve[distributed]'", file=sys.stderr)
        return 2
    rest, skip = [], False
    for item in argv:
        if skip:
            skip = False
        elif item == "--processes":
            skip = True
        elif not item.startswith("--processes="):
            rest.append(item)
    return subprocess.call([mpiexec, "-n", str(args.processes), sys.executable, "-m", "nerve", *rest])


def cmd_evaluate(args, parser):
    from .models import load_model
    model = load_model(_existing_file(args.model_file, parser))
    _, (x_test, y_test), _ = load_dataset(args.dataset)
    if args.limit:
        x_test, y_test = x_test[:args.limit], y_test[:args.limit]
    results = _test_report(model, x_test, y_test, args.batch_size)
    _print_report(results)


def cmd_predict(args, parser):
    from .models import load_model
    model = load_model(_existing_file(args.model_file, parser))
    import numpy
    _, height, width, channels = _input_shape(model)
    images = numpy.stack([_read_image(_existing_file(p, parser), height, width, channels, args.invert, parser)
                          for p in args.images])
    probabilities = numpy.asarray(model.predict(images, verbose=0))
    names = _class_names(args.dataset, probabilities.shape[-1])
    for path, row in zip(args.images, probabilities):
        top = numpy.argsort(row)[::-1][:3]
        ranked = ", ".join(f"{names[i]} ({row[i]:.1%})" for i in top)
        print(f"{path}: {ranked}")


def cmd_generate(args, parser):
    """New samples from a saved generative model; dispatches on the kind of model in the file."""
    from .applications import generative_run
    from .models import load_model
    model = load_model(_existing_file(args.model_file, parser), compile=False)
    if getattr(model, "tokenizer", None) is not None:   # text: a GPT with its tokenizer
        from .applications import gpt_training
        gpt_training.generate_from_cli(model, args, parser)
        return
    if generative_run.can_sample(model):            # images: a GAN or a VAE
        args.out = args.out or "samples.png"
        labels = _digit_labels(args.labels, args.samples, parser) if args.labels else None
        try:
            generative_run.generate(model, args.samples, args.out, seed=args.seed, labels=labels)
        except ValueError as err:
            parser.error(str(err))
        print(f"wrote {args.out}: {args.samples} samples from {type(model).__name__} '{model.name}'")
        return
    parser.error(f"{args.model_file} holds a {type(model).__name__} ('{model.name}'), which does not "
                 "generate; expected a GPT, GAN or VAE saved by nerve train")


def _digit_labels(text, count, parser):
    """"3" or "0,1,2": the classes a conditional GAN draws, repeated to ``count`` samples."""
    try:
        classes = [int(part) for part in text.split(",")]
    except ValueError:
        parser.error(f"--labels: expected class numbers separated by commas, received {text!r}")
    return [classes[i % len(classes)] for i in range(count)]


# ---- helpers ----------------------------------------------------------------------------

def _builder(name, parser):
    from . import applications
    try:
        return applications.get(name)
    except ValueError:
        parser.error(f"unknown model {name!r}; built-in models: {', '.join(applications.names())}")


def _model_from_name_or_file(name, parser, modern=False):
    if os.path.isfile(name):
        from .models import load_model
        return load_model(name)
    builder = _builder(name, parser)
    if modern and name.lower() != "lenet5":
        parser.error("--modern applies to lenet5 only")
    return builder(modern=True) if modern else builder()


def _writable_folder(path, parser):
    """Create ``path`` and check a file can be written there, before any training time is spent."""
    import tempfile
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as err:
        parser.error(f"--out {path}: cannot write there ({err.strerror or err})")


def _check_split(count, validation_split, parser):
    """fit's rule (the training part is the first floor(count * (1 - split)) samples): a validation
    split must leave samples on both sides."""
    import math
    if validation_split and not 0 < math.floor(count * (1 - validation_split)) < count:
        parser.error(f"{count} training sample(s) cannot be split by --validation-split {validation_split:g} "
                     "into training and validation sets; use a larger --limit or --validation-split 0")


def _existing_file(path, parser):
    if not os.path.isfile(path):
        parser.error(f"no such file: {path}")
    return path


def _optimizer(name, lr, schedule, steps, momentum=None, weight_decay=None):
    """The optimizer ``name`` at rate ``lr`` (default: its own), constant or cosine-decayed to 0 over ``steps``,
    with ``momentum`` and decoupled ``weight_decay`` when given (else the optimizer's defaults)."""
    from . import optimizers
    cls = type(optimizers.get(name))
    lr = round(float(lr if lr is not None else cls().learning_rate), 8)
    rate = optimizers.schedules.CosineDecay(lr, decay_steps=max(steps, 1)) if schedule == "cosine" else lr
    extra = {key: value for key, value in (("momentum", momentum), ("weight_decay", weight_decay))
             if value is not None}
    return cls(learning_rate=rate, **extra), lr


def _input_shape(model):
    shape = getattr(model, "input_shape", None)
    if shape is None or len(shape) != 4:
        raise SystemExit(f"nerve predict: the model takes inputs of shape {shape}, not images")
    return shape


def _read_image(path, height, width, channels, invert, parser):
    """An image file as float32 (height, width, channels) in [0, 1]."""
    import numpy
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


def _class_names(dataset, count):
    if dataset:
        from . import datasets
        names = getattr(getattr(datasets, dataset), "CLASS_NAMES", None)
        if names and len(names) == count:
            return list(names)
    return [str(i) for i in range(count)]


def _test_report(model, x_test, y_test, batch_size=500):
    """Test loss (cross-entropy), accuracy and top-5 error from one pass of predictions."""
    import numpy
    probabilities = numpy.asarray(model.predict(x_test, batch_size=batch_size, verbose=0))
    picked = probabilities[numpy.arange(len(y_test)), y_test]
    loss = float(-numpy.log(numpy.clip(picked, 1e-7, 1.0)).mean())
    accuracy = float((probabilities.argmax(axis=1) == y_test).mean())
    top5 = numpy.argsort(probabilities, axis=1)[:, -5:]
    top5_error = 1.0 - float((top5 == y_test[:, None]).any(axis=1).mean())
    return {"test_loss": round(loss, 5), "test_accuracy": round(accuracy, 5), "test_top5_error": round(top5_error, 5),
            "test_samples": len(y_test), "probabilities": probabilities}


def _print_report(results, train_seconds=None):
    timing = f" (trained in {train_seconds:.1f} s)" if train_seconds is not None else ""
    print(f"test loss {results['test_loss']:.4f} - test accuracy {results['test_accuracy']:.2%} - "
          f"top-5 error {results['test_top5_error']:.2%} on {results['test_samples']} test images{timing}")


def _pictures(model, history, log, x_test, y_test, probabilities, class_names, out):
    from . import visualize
    from .visualize.filters import conv_layers
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
    return all(len(node.input_tensors) <= 1 for layer in model.layers for node in layer._inbound_nodes)


def _core_model(model):
    """The trained network inside an augmented wrapper (the pictures skip the augmentation)."""
    inner = [layer for layer in model.layers if getattr(layer, "layers", None)]
    return inner[-1] if len(inner) == 1 and model.name.endswith("_augmented") else model


# ---- the parser -------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    """argparse, with errors on one line: ``nerve train: error: ... (see nerve train --help)``."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser():
    parser = _Parser(prog="nerve", description="Train, evaluate and query nerve's built-in models.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    p = commands.add_parser("models", help="list the built-in models")
    p.set_defaults(run=cmd_models, parser=p)

    p = commands.add_parser("summary", help="print a model's layers, shapes and parameter counts")
    p.add_argument("model", metavar="MODEL", help="a built-in model name or a saved model file")
    p.add_argument("--modern", action="store_true", help="LeNet-5 with ReLU and max pooling")
    p.add_argument("--flops", action="store_true",
                   help="add each layer's multiply-accumulates per example (bias counted) and the total")
    p.set_defaults(run=cmd_summary, parser=p)

    p = commands.add_parser("train", help="train a built-in model on a dataset and write a run folder")
    p.add_argument("model", metavar="MODEL", help="a built-in model (see `nerve models`)")
    p.add_argument("--dataset", required=True, choices=DATASETS + TEXT_DATASETS + SCENE_DATASETS)
    p.add_argument("--variant", choices=("32s", "16s", "8s"), default=None, help="fcn: FCN-32s, -16s or -8s (8s)")
    p.add_argument("--epochs", type=_positive_int, default=None, help="default: the model's recipe")
    p.add_argument("--batch-size", type=_positive_int, default=None, help="default: the model's recipe")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=_Default(DEFAULTS["optimizer"]),
                   help="default: the model's recipe, else adam")
    p.add_argument("--momentum", type=_fraction, default=None, help="sgd, rmsprop (default: the model's recipe)")
    p.add_argument("--weight-decay", type=_fraction, default=None,
                   help="decoupled: w <- w - lr*wd*w each step (default: the model's recipe)")
    p.add_argument("--lr", type=_positive_float, default=None,
                   help="learning rate (default: the model's recipe, else the optimizer's)")
    p.add_argument("--schedule", choices=("cosine", "constant"), default=DEFAULTS["schedule"],
                   help="learning rate: cosine decay to 0 over the run (default), or constant")
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                   help="random shifts, flips, rotations in training (default: the model's recipe)")
    p.add_argument("--modern", action="store_true", help="LeNet-5 with ReLU and max pooling")
    p.add_argument("--seed", type=_seed, default=None, help="seed for weights, shuffling and augmentation")
    p.add_argument("--validation-split", type=_fraction, default=DEFAULTS["validation_split"],
                   help="fraction of the training data held out for validation (default 0.1)")
    p.add_argument("--limit", type=_positive_int, default=None, metavar="N",
                   help="train on the first N training samples only (quick runs)")
    p.add_argument("--out", default=None, metavar="DIR", help="run folder (default runs/MODEL_DATASET)")
    p.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1, help="1: progress bar, 2: a line per epoch")
    p.add_argument("--processes", type=_positive_int, default=1, metavar="N",
                   help="train data-parallel on N processes under mpiexec (batch size is the global batch)")
    p.add_argument("--latent-dim", type=_positive_int, default=None, metavar="N",
                   help="dcgan, cgan, vae: the size of z; autoencoder: the code size")
    p.add_argument("--noise", type=_positive_float, default=None, metavar="STDDEV",
                   help="autoencoder: train a denoising one on inputs with Gaussian noise of this stddev")
    p.add_argument("--scorer", default=None, metavar="MODEL_FILE",
                   help="dcgan, cgan, vae: the classifier scoring the samples (default runs/demo/model.nerve)")
    g = p.add_argument_group("gpt (nanoGPT's shakespeare_char CPU recipe by default)")
    g.add_argument("--iters", type=_positive_int, default=2000, help="training iterations (default 2000)")
    g.add_argument("--block-size", type=_positive_int, default=64, help="context length (default 64)")
    g.add_argument("--n-layer", type=_positive_int, default=4, help="transformer blocks (default 4)")
    g.add_argument("--n-head", type=_positive_int, default=4, help="attention heads (default 4)")
    g.add_argument("--n-embd", type=_positive_int, default=128, help="width (default 128)")
    g.add_argument("--dropout", type=_fraction, default=0.0, help="dropout rate (default 0)")
    g.add_argument("--eval-interval", type=_positive_int, default=250, help="iterations between validation estimates")
    g.add_argument("--eval-batches", type=_positive_int, default=200, help="batches per validation estimate")
    p.set_defaults(run=cmd_train, parser=p)

    p = commands.add_parser("evaluate", help="test a saved model on a dataset's test set")
    p.add_argument("model_file", metavar="MODEL_FILE")
    p.add_argument("--dataset", required=True, choices=DATASETS)
    p.add_argument("--batch-size", type=_positive_int, default=256)
    p.add_argument("--limit", type=_positive_int, default=None, metavar="N", help="the first N test images only")
    p.set_defaults(run=cmd_evaluate, parser=p)

    p = commands.add_parser("predict", help="classify image files (PNG, JPEG) with a saved model")
    p.add_argument("model_file", metavar="MODEL_FILE")
    p.add_argument("images", metavar="IMAGE", nargs="+")
    p.add_argument("--dataset", choices=DATASETS, default=None, help="name the classes as this dataset does")
    p.add_argument("--invert", action="store_true",
                   help="invert the pixels (dark digits on light paper -> MNIST's light on dark)")
    p.set_defaults(run=cmd_predict, parser=p)

    from .rl.command import add_parser as add_rl_parser
    add_rl_parser(commands)                        # nerve rl ENV_ID --algorithm ... | --play MODEL

    p = commands.add_parser("generate", help="draw new samples from a saved generative model")
    p.add_argument("model_file", metavar="MODEL_FILE", help="a model saved by nerve train (gpt, dcgan, cgan, vae)")
    p.add_argument("--samples", type=_positive_int, default=64, help="how many (default 64)")
    p.add_argument("--out", default=None, metavar="FILE",
                   help="images: the PNG grid to write (default samples.png); text: also write it here")
    p.add_argument("--seed", type=_seed, default=None, help="the same seed draws the same samples")
    p.add_argument("--prompt", default="\n", help="gpt: the text to continue (default a newline)")
    p.add_argument("--tokens", type=_positive_int, default=300, help="gpt: how many characters to add")
    p.add_argument("--temperature", type=_non_negative_float, default=1.0,
                   help="gpt: < 1 sharper, 0 always the most likely character (default 1)")
    p.add_argument("--top-k", type=_positive_int, default=None, help="gpt: sample among the k most likely")
    p.add_argument("--labels", default=None, metavar="CLASSES",
                   help="conditional GAN: the digits to draw, e.g. 7 or 0,1,2 (default: 0-9 in turn)")
    p.set_defaults(run=cmd_generate, parser=p)
    return parser


def _number(text, kind):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, received {text!r}") from None


def _positive_int(text):
    value = _number(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, received {text}")
    return value


def _seed(text):
    value = _number(text, int)
    if not 0 <= value < 2 ** 32:
        raise argparse.ArgumentTypeError(f"expected a seed in [0, 2**32), received {text}")
    return value


def _positive_float(text):
    value = _number(text, float)
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, received {text}")
    return value


def _non_negative_float(text):
    value = _number(text, float)
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, received {text}")
    return value


def _fraction(text):
    value = _number(text, float)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), received {text}")
    return value


def main(argv=None):
    """Run the ``nerve`` command; returns the exit status."""
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    if getattr(args, "processes", 1) > 1:
        from .distribution import launched_processes
        if launched_processes() == 1:
            return _relaunch_under_mpi(args, argv)
    from .datasets import DatasetError
    from .saving import DeserializationError, ModelFileError
    try:
        args.run(args, args.parser)
    except DatasetError as err:
        print(f"nerve {args.command}: error: {err}", file=sys.stderr)
        return 1
    except (ModelFileError, DeserializationError) as err:     # a corrupt, unsafe or mismatched model file
        print(f"nerve {args.command}: error: {' '.join(str(err).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nerve: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:             # `nerve summary x | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # as the Python docs advise
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
first-layer filters, feature maps, confusion matrix and misclassified test images
(nerve.applications.classifier_run; the other families' run modules sit beside it).
Wrong arguments print a one-line error and exit with status 2.
"""

import argparse
import os
import sys

DATASETS = ("mnist", "fashion_mnist", "cifar10")
TEXT_DATASETS = ("tinyshakespeare",)          # for language models (gpt)
SCENE_DATASETS = ("mnist_scenes",)            # for segmentation, detection and captioning (fcn)
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "nadam", "adagrad", "adadelta")
DEFAULTS = {"optimizer": "adam", "schedule": "cosine", "validation_split": 0.1}
DEFAULTS_TRAIN = {"epochs": 5, "batch_size": 64, "augment": False}   # when the model's recipe names none


class _Default(str):
    """An option's default value, told apart from the same value typed on the command line."""


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
    _builder(args.model, parser)                 # an unknown model is a one-line error
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
    from .applications import classifier_run, generative_run
    from .distribution import launched_processes
    if generative_run.handles(args.model):       # GANs, VAE, autoencoder: their own run folder
        if args.modern or args.augment:
            parser.error("--modern and --augment apply to classifiers only")
        if launched_processes() > 1:
            parser.error("--processes applies to classifiers only")
        generative_run.train(args, classifier_run.load_dataset(args.dataset, args.limit))
        return
    if args.modern and args.model.lower() != "lenet5":
        parser.error("--modern applies to lenet5 only")
    _fill_from_recipe(args)
    classifier_run.train_from_cli(args, parser)   # image classifiers: run folder with test report and pictures


def _fill_from_recipe(args):
    """Options left out take the model's recipe, else DEFAULTS_TRAIN; an optimizer named on the command
    line drops the recipe's rates, which are for the recipe's optimizer only."""
    from . import applications
    recipe = applications.recipe(args.model)
    if not isinstance(args.optimizer, _Default):          # named on the command line
        if args.optimizer != recipe.get("optimizer", DEFAULTS["optimizer"]):
            for key in ("lr", "momentum", "weight_decay"):
                recipe.pop(key, None)
        recipe.pop("optimizer", None)
    elif "optimizer" in recipe:
        args.optimizer = recipe.pop("optimizer")
    for option, value in {**DEFAULTS_TRAIN, **recipe}.items():
        if getattr(args, option) is None:        # left out: the model's recipe, else the default
            setattr(args, option, value)


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
    from .applications.classifier_run import load_dataset, print_report, test_report
    from .models import load_model
    model = load_model(_existing_file(args.model_file, parser))
    _, (x_test, y_test), _ = load_dataset(args.dataset)
    if args.limit:
        x_test, y_test = x_test[:args.limit], y_test[:args.limit]
    results = test_report(model, x_test, y_test, args.batch_size)
    print_report(results)


def cmd_predict(args, parser):
    import numpy
    from .applications.classifier_run import read_image
    from .models import load_model
    model = load_model(_existing_file(args.model_file, parser))
    _, height, width, channels = _input_shape(model)
    images = numpy.stack([read_image(_existing_file(p, parser), height, width, channels, args.invert, parser)
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


def _existing_file(path, parser):
    if not os.path.isfile(path):
        parser.error(f"no such file: {path}")
    return path


def _input_shape(model):
    shape = getattr(model, "input_shape", None)
    if shape is None or len(shape) != 4:
        raise SystemExit(f"nerve predict: the model takes inputs of shape {shape}, not images")
    return shape


def _class_names(dataset, count):
    if dataset:
        from . import datasets
        names = getattr(getattr(datasets, dataset), "CLASS_NAMES", None)
        if names and len(names) == count:
            return list(names)
    return [str(i) for i in range(count)]


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

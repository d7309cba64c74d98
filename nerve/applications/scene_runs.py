"""What every ``nerve train MODEL --dataset mnist_scenes`` run does first, in one place."""

from types import SimpleNamespace


def prepare(args, parser, name, recipe):
    """Check the options, seed every draw, and load the scenes.

    Returns a namespace with ``seed`` (0 unless given), ``epochs``, ``batch_size`` and ``lr`` (each
    the recipe's where the option was left out), ``train`` (``args.limit`` or the recipe's
    ``train_scenes``) and ``test`` (the recipe's ``test_scenes``) scenes, both of seed 0.
    """
    from .. import utils
    from ..datasets import mnist_scenes
    if args.dataset != "mnist_scenes":
        parser.error(f"{name} trains on --dataset mnist_scenes, not {args.dataset!r}")
    if args.modern or args.augment:
        parser.error("--modern and --augment apply to classifiers only")
    seed = 0 if args.seed is None else args.seed
    utils.set_random_seed(seed)
    return SimpleNamespace(
        seed=seed, epochs=args.epochs or recipe["epochs"], batch_size=args.batch_size or recipe.get("batch_size"),
        lr=args.lr or recipe["lr"],
        train=mnist_scenes.load_data("train", n=args.limit or recipe["train_scenes"], seed=0),
        test=mnist_scenes.load_data("test", n=recipe["test_scenes"], seed=0))

"""Pretraining a GPT on a character corpus: nanoGPT's ``train.py`` loop, on nerve's Keras API.

Each iteration draws ``batch_size`` random windows of ``block_size + 1`` characters from the
training split (x the first block_size, y the same shifted by one) and runs one
``model.train_on_batch``: forward, cross-entropy of the logits against y averaged over every
position, gradients, AdamW. The recipe is nanoGPT's ``shakespeare_char`` on CPU:

- AdamW, β₁ = 0.9, β₂ = 0.99, weight decay 0.1 on the matrices only (embeddings and Dense
  kernels; no decay on LayerNorm scales or biases), gradients clipped to a global norm of 1.0;
- learning rate rising linearly to 1e-3 over 100 iterations, then cosine decay to 1e-4 at the
  last iteration (``CosineDecay(0, warmup_target=lr, alpha=min_lr/lr)``).

The validation loss is the mean cross-entropy over ``eval_batches`` random batches of the
validation split (drawn with a fixed seed, so two evaluations see the same batches).
"""

import json
import math
import os
import time

import numpy

from .. import losses, ops, optimizers
from ..autodiff import no_grad
from ..utils.file_utils import atomic_write


def encode_corpus(dataset):
    """``(train_ids, val_ids, tokenizer)`` of a character corpus from ``nerve.datasets``."""
    from .. import datasets
    from ..text import CharTokenizer
    if dataset != "tinyshakespeare":
        raise ValueError(f"gpt_training: unknown corpus {dataset!r}; available: 'tinyshakespeare'")
    train_text, val_text = getattr(datasets, dataset).load_data()
    tokenizer = CharTokenizer.from_text(train_text + val_text)
    return tokenizer.encode(train_text), tokenizer.encode(val_text), tokenizer


def get_batch(data, block_size, batch_size, rng):
    """x, y of shape (batch_size, block_size): random windows of ``data`` and the same shifted by one."""
    starts = rng.integers(0, len(data) - block_size, size=batch_size)
    index = starts[:, None] + numpy.arange(block_size + 1)
    windows = data[index]
    return windows[:, :-1], windows[:, 1:]


def estimate_loss(model, data, batches=200, batch_size=12, seed=1337):
    """Mean next-token cross-entropy over ``batches`` random batches (the same ones for a given seed)."""
    rng = numpy.random.default_rng(seed)
    total = 0.0
    with no_grad():
        for _ in range(batches):
            x, y = get_batch(data, model.block_size, batch_size, rng)
            logits = model(x, training=False)
            total += float(ops.sparse_categorical_crossentropy(y, logits, from_logits=True).data.mean())
    return total / batches


def nanogpt_optimizer(model, iters, lr=1e-3, min_lr=1e-4, warmup=100, weight_decay=0.1, beta2=0.99,
                      grad_clip=1.0):
    """AdamW with nanoGPT's schedule, decay on matrices only, and global-norm clipping (see module doc).

    The model is built first if it is not (its weights must exist to be told apart by rank).
    """
    if not model.trainable_weights:
        model.build_from_config(model.get_build_config())
    schedule = optimizers.schedules.CosineDecay(0.0, decay_steps=max(iters - warmup, 1), alpha=min_lr / lr,
                                                warmup_target=lr, warmup_steps=warmup)
    optimizer = optimizers.AdamW(learning_rate=schedule, weight_decay=weight_decay, beta_1=0.9, beta_2=beta2,
                                 epsilon=1e-8, global_clipnorm=grad_clip)
    optimizer.exclude_from_weight_decay(var_list=[w for w in model.trainable_weights if w.ndim < 2])
    return optimizer


def pretrain(model, train_ids, val_ids, iters=2000, batch_size=12, eval_interval=250, eval_batches=200,
             seed=1337, log=print, optimizer=None, **optimizer_args):
    """Train ``model`` for ``iters`` iterations of nanoGPT's loop; returns a dict of the run's figures.

    Args:
        model: a ``GPT`` (built or not).
        train_ids, val_ids: int arrays of token ids.
        iters, batch_size: iterations and sequences per batch.
        eval_interval: estimate the validation loss every this many iterations (and at the end).
        eval_batches: batches in each estimate.
        seed: of the batch sampler.
        log: called with one line of text per report.
        optimizer: default ``nanogpt_optimizer(model, iters, **optimizer_args)``.
    Returns:
        ``{"train_loss": [...], "evals": [(iteration, val_loss)...], "val_loss", "seconds",
        "ms_per_iter"}``: the per-iteration training losses and the estimates.
    """
    optimizer = optimizer or nanogpt_optimizer(model, iters, **optimizer_args)
    model.compile(optimizer=optimizer, loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = numpy.random.default_rng(seed)
    history, evals = [], []
    started = time.perf_counter()
    training_seconds = 0.0
    for it in range(iters + 1):
        if it % eval_interval == 0 or it == iters:
            val = estimate_loss(model, val_ids, eval_batches, batch_size)
            evals.append((it, val))
            log(f"iter {it}: val loss {val:.4f} (train {_recent(history):.4f}), "
                f"{training_seconds / max(it, 1) * 1e3:.0f} ms/iter, {time.perf_counter() - started:.0f} s")
        if it == iters:
            break
        x, y = get_batch(train_ids, model.block_size, batch_size, rng)
        tick = time.perf_counter()
        model.reset_metrics()
        loss = model.train_on_batch(x, y)
        training_seconds += time.perf_counter() - tick
        history.append(float(loss if numpy.ndim(loss) == 0 else loss[0]))
        if not math.isfinite(history[-1]):
            raise FloatingPointError(f"gpt_training: the loss became {history[-1]} at iteration {it}")
    return {"train_loss": history, "evals": evals, "val_loss": evals[-1][1],
            "seconds": time.perf_counter() - started, "ms_per_iter": training_seconds / max(iters, 1) * 1e3}


def _recent(history, count=50):
    return float(numpy.mean(history[-count:])) if history else float("nan")


def write_run(out, model, results, settings):
    """The run folder: ``model.nerve``, ``metrics.json`` and ``loss.png`` (each written atomically)."""
    os.makedirs(out, exist_ok=True)
    model.save(os.path.join(out, "model.nerve"))
    metrics = {**settings, "val_loss": round(results["val_loss"], 4),
               "evals": [[it, round(v, 4)] for it, v in results["evals"]],
               "train_seconds": round(results["seconds"], 1), "ms_per_iter": round(results["ms_per_iter"], 1),
               "params": model.count_params()}
    with atomic_write(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    plot_loss_curve(results["train_loss"], results["evals"], os.path.join(out, "loss.png"))
    return metrics


def plot_loss_curve(train_loss, evals, path):
    """Training loss per iteration (and its 50-iteration mean) with the validation estimates, as PNG."""
    from ..visualize._figure import new_figure, save
    figure = new_figure(6.4, 4.0)
    axes = figure.add_subplot()
    steps = numpy.arange(len(train_loss))
    axes.plot(steps, train_loss, color="0.75", linewidth=0.6, label="training batch")
    if len(train_loss) >= 50:
        smooth = numpy.convolve(train_loss, numpy.ones(50) / 50, mode="valid")
        axes.plot(steps[49:], smooth, color="C0", label="training (50-iteration mean)")
    if evals:
        its, values = zip(*evals)
        axes.plot(its, values, "o-", color="C3", label="validation")
    axes.set_xlabel("iteration")
    axes.set_ylabel("cross-entropy (nats per character)")
    axes.legend()
    axes.grid(alpha=0.3)
    save(figure, path)


def train_from_cli(args, parser):
    """``nerve train gpt --dataset tinyshakespeare ...``: pretrain, then write the run folder."""
    from .. import utils
    from .gpt import GPT
    if args.dataset != "tinyshakespeare":
        parser.error(f"gpt trains on a text corpus (--dataset tinyshakespeare), not {args.dataset!r}")
    if args.modern or args.augment or args.epochs is not None:
        parser.error("gpt takes --iters, not --epochs, and no --modern/--augment")
    if args.optimizer not in ("adam", "adamw") or args.schedule != "cosine":
        parser.error("gpt trains with nanoGPT's AdamW and warm-up + cosine schedule (no --optimizer/--schedule)")
    seed = 1337 if args.seed is None else args.seed
    utils.set_random_seed(seed)
    train_ids, val_ids, tokenizer = encode_corpus(args.dataset)
    if args.limit:
        train_ids = train_ids[:args.limit]
    batch_size, lr = args.batch_size or 12, args.lr or 1e-3
    model = GPT(tokenizer.vocabulary_size, args.block_size, args.n_layer, args.n_head, args.n_embd,
                dropout=args.dropout, tokenizer=tokenizer)
    out = args.out or os.path.join("runs", f"gpt_{args.dataset}")
    print(f"nerve: training gpt ({args.n_layer} layers, {args.n_head} heads, {args.n_embd} wide, block "
          f"{args.block_size}) on {args.dataset}: {len(train_ids):,} training and {len(val_ids):,} validation "
          f"characters, {args.iters} iterations of batch {batch_size}, AdamW lr={lr:g}", flush=True)
    results = pretrain(model, train_ids, val_ids, iters=args.iters, batch_size=batch_size,
                       eval_interval=args.eval_interval, eval_batches=args.eval_batches, seed=seed,
                       log=lambda line: print(line, flush=True), lr=lr, min_lr=lr / 10)
    settings = {"model": "gpt", "dataset": args.dataset, "iters": args.iters, "batch_size": batch_size,
                "block_size": args.block_size, "n_layer": args.n_layer, "n_head": args.n_head,
                "n_embd": args.n_embd, "dropout": args.dropout, "learning_rate": lr, "seed": seed,
                "eval_batches": args.eval_batches}
    metrics = write_run(out, model, results, settings)
    print(f"validation loss {metrics['val_loss']:.4f} ({args.eval_batches} batches of {batch_size}x"
          f"{args.block_size}) after {args.iters} iterations, trained in {metrics['train_seconds']:.0f} s")
    print(f"wrote {os.path.join(out, 'model.nerve')}, {os.path.join(out, 'metrics.json')}, "
          f"{os.path.join(out, 'loss.png')}")


def generate_from_cli(model, args, parser):
    """``nerve generate RUN/model.nerve --prompt ... --tokens N``: the prompt and its continuation.

    Printed to stdout; with ``--out FILE`` also written there atomically (a run never leaves half a
    file). A prompt the model cannot read (a character outside its vocabulary) is a one-line error.
    """
    try:
        text = model.generate(args.prompt, args.tokens, temperature=args.temperature, top_k=args.top_k,
                              seed=args.seed)
    except ValueError as err:
        parser.error(str(err))
    if args.out:
        with atomic_write(args.out, "w") as f:
            f.write(text)
    print(text)

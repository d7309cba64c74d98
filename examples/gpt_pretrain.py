"""Pretrain a character-level GPT on Tiny Shakespeare with nanoGPT's CPU recipe.

    python examples/gpt_pretrain.py --out runs/gpt_shakespeare        # 2,000 iterations

Model: 4 layers, 4 heads, 128-wide, block 64 (0.80 M parameters); batch 12; AdamW lr 1e-3 with
100 warm-up iterations and cosine decay to 1e-4, β₂ 0.99, weight decay 0.1 on matrices, gradient
clipping at 1.0, no dropout. nanoGPT reaches 1.92 (its own code on this machine, 200 validation
batches). Writes model.nerve, metrics.json and loss.png to the run folder; ``nerve train gpt``
runs the same code.
"""

import argparse

from nerve import utils
from nerve.applications import GPT, gpt_training


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=2000)
    parser.add_argument("--eval-interval", type=int, default=250)
    parser.add_argument("--eval-batches", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--out", default="runs/gpt_shakespeare")
    args = parser.parse_args()
    utils.set_random_seed(args.seed)
    train_ids, val_ids, tokenizer = gpt_training.encode_corpus("tinyshakespeare")
    model = GPT(tokenizer.vocabulary_size, block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=0.0,
                tokenizer=tokenizer)
    results = gpt_training.pretrain(model, train_ids, val_ids, iters=args.iters, batch_size=12,
                                    eval_interval=args.eval_interval, eval_batches=args.eval_batches,
                                    seed=args.seed, log=lambda line: print(line, flush=True))
    metrics = gpt_training.write_run(args.out, model, results,
                                     {"dataset": "tinyshakespeare", "iters": args.iters, "batch_size": 12,
                                      "seed": args.seed, "eval_batches": args.eval_batches})
    print(f"validation loss {metrics['val_loss']:.4f} after {args.iters} iterations "
          f"({metrics['train_seconds']:.0f} s, {metrics['ms_per_iter']:.0f} ms/iter); wrote {args.out}")
    print(model.generate("ROMEO:", 200, temperature=0.8, top_k=40, seed=0))


if __name__ == "__main__":
    main()

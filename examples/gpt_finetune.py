"""Fine-tuning a pretrained GPT on labelled sentences, GPT-1's recipe, against the same model from scratch.

    python examples/gpt_finetune.py --pretrained runs/gpt_shakespeare/model.nerve [--seeds 0 1 2]

Pretrained model: the character GPT of ``examples/gpt_pretrain.py`` (``nerve train gpt``), trained on
Tiny Shakespeare only (4 layers, 4 heads, 128 wide, block 64). Task: the 3,000 review sentences of
``nerve.datasets.sentiment_sentences`` (Amazon, IMDb, Yelp), 1 positive / 0 negative, its fixed
split: 2,400 for training, 600 held out (20%) for the accuracy reported.

GPT-1 (Radford et al. 2018, section 3.2): the sentence, then an "extract" token, through the
transformer; a linear head on the extract token's final features gives the class; the loss is the
classification cross-entropy plus λ = 0.5 times the language-model loss on the sentence. Here the
extract token is a newline (the sentence's last 63 characters come first; characters outside
Shakespeare's 65 become spaces) and the batch is right-padded (causal attention never sees the
padding). Both arms (pretrained, and the same architecture from random weights) fine-tune with
the same step: AdamW lr 5e-4 (50 warm-up steps, cosine to 5e-5), weight decay 0.1, clipping 1.0,
batch 32, 4 epochs; one run per seed (the seed draws the head, the scratch weights and the order).
"""

import argparse
import json
import time

import numpy

import nerve
from nerve import layers, ops
from nerve.applications import GPT

EPOCHS, BATCH, LM_WEIGHT = 4, 32, 0.5


def encode(sentences, tokenizer, block):
    """(ids (n, block), extract positions (n,), replaced characters): last block − 1 chars + newline."""
    known = set(tokenizer.vocabulary)
    ids = numpy.full((len(sentences), block), tokenizer.encode(" ")[0], dtype="int32")
    positions, replaced = numpy.empty(len(sentences), dtype="int64"), 0
    for i, sentence in enumerate(sentences):
        text = "".join(c if c in known else " " for c in sentence)
        replaced += sum(c not in known for c in sentence)
        text = text[-(block - 1):] + "\n"
        ids[i, :len(text)] = tokenizer.encode(text)
        positions[i] = len(text) - 1
    return ids, positions, replaced


def fine_tune(gpt, head, data, seed, log):
    ids, positions, labels = data
    steps = EPOCHS * -(-len(ids) // BATCH)
    schedule = nerve.optimizers.schedules.CosineDecay(0.0, decay_steps=steps - 50, alpha=0.1,
                                                      warmup_target=5e-4, warmup_steps=50)
    optimizer = nerve.optimizers.AdamW(learning_rate=schedule, weight_decay=0.1, beta_2=0.99, global_clipnorm=1.0)
    variables = gpt.trainable_weights + head.trainable_weights
    optimizer.exclude_from_weight_decay(var_list=[v for v in variables if v.ndim < 2])
    order_rng = numpy.random.default_rng(seed)
    columns = numpy.arange(ids.shape[1] - 1)
    for epoch in range(EPOCHS):
        order = order_rng.permutation(len(ids))
        total = 0.0
        for start in range(0, len(ids), BATCH):
            batch = order[start:start + BATCH]
            x, pos, y = ids[batch], positions[batch], labels[batch]
            hidden = gpt.hidden_states(x, training=True)
            class_loss = ops.mean(ops.sparse_categorical_crossentropy(
                y, head(hidden[numpy.arange(len(batch)), pos]), from_logits=True))
            lm = ops.sparse_categorical_crossentropy(x[:, 1:], gpt.logits(hidden[:, :-1]), from_logits=True)
            inside = (columns[None, :] < pos[:, None]).astype("float32")     # predict up to the extract token
            loss = class_loss + LM_WEIGHT * ops.sum(lm * inside) / float(inside.sum())
            optimizer.apply(nerve.grad(loss, variables), variables)
            total += float(loss.data) * len(batch)
        log(f"  epoch {epoch + 1}: loss {total / len(ids):.4f}")


def accuracy(gpt, head, data):
    ids, positions, labels = data
    correct = 0
    with nerve.no_grad():
        for start in range(0, len(ids), 200):
            hidden = gpt.hidden_states(ids[start:start + 200], training=False)
            logits = head(hidden[numpy.arange(len(hidden)), positions[start:start + 200]]).numpy()
            correct += int((logits.argmax(-1) == labels[start:start + 200]).sum())
    return correct / len(ids)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pretrained", default="runs/gpt_shakespeare/model.nerve")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--arms", nargs="+", choices=("pretrained", "scratch"), default=["pretrained", "scratch"])
    parser.add_argument("--limit", type=int, default=None, help="the first N training sentences only (quick runs)")
    parser.add_argument("--out", default="runs/gpt_finetune.json")
    args = parser.parse_args()
    pretrained = nerve.models.load_model(args.pretrained, compile=False)
    tokenizer, block = pretrained.tokenizer, pretrained.block_size
    (x_train, y_train), (x_test, y_test) = nerve.datasets.sentiment_sentences.load_data()
    x_train, y_train = x_train[:args.limit], y_train[:args.limit]
    *train_arrays, replaced_train = encode(x_train, tokenizer, block)
    *test_arrays, replaced_test = encode(x_test, tokenizer, block)
    train, test = (*train_arrays, y_train), (*test_arrays, y_test)
    print(f"{len(x_train)} training and {len(x_test)} test sentences; {replaced_train + replaced_test} characters "
          f"outside the pretrained vocabulary became spaces", flush=True)
    config = {k: getattr(pretrained, k) for k in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd")}
    results = {arm: {} for arm in args.arms}
    for seed in args.seeds:
        for arm in args.arms:
            nerve.utils.set_random_seed(seed)
            gpt = GPT(**config, tokenizer=tokenizer)
            gpt(train[0][:1])
            if arm == "pretrained":
                gpt.set_weights(pretrained.get_weights())
            head = layers.Dense(2, kernel_initializer=nerve.initializers.RandomNormal(stddev=0.02))
            started = time.perf_counter()
            print(f"{arm}, seed {seed}:", flush=True)
            fine_tune(gpt, head, train, seed, lambda line: print(line, flush=True))
            results[arm][seed] = accuracy(gpt, head, test)
            print(f"  test accuracy {results[arm][seed]:.4f} ({time.perf_counter() - started:.0f} s)", flush=True)
    for arm, by_seed in results.items():
        values = list(by_seed.values())
        print(f"{arm:10s}: test accuracy {numpy.mean(values):.4f} (seeds {args.seeds}: "
              f"{', '.join(f'{v:.4f}' for v in values)})")
    from nerve.utils.file_utils import atomic_write
    with atomic_write(args.out, "w") as f:
        json.dump({"pretrained_model": args.pretrained, "seeds": args.seeds, "test_accuracy": results}, f, indent=2)


if __name__ == "__main__":
    main()

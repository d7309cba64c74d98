"""In-context learning, measured: a small GPT learns a task from the examples in its prompt.

    python examples/in_context_learning.py [--iters 1500] [--seed 0] [--out examples/figures/in_context_learning.png]

The task family: a random letter substitution, a bijection from the 8 letters a–h to the 8 letters
A–H, drawn afresh for every sequence. An example is one token, the pair "x→y" (64 such tokens); a
question is one token, "x?" (8). A training sequence alternates questions and answers for 16
examples of ONE substitution: ``c? c→F a? a→B c? c→F h? h→A ...``; the loss is on the answers only.
Since the substitution is new in every sequence, the model can only do better than chance (1/8 of
the 8 answers "x→·" that fit the question) by reading the mapping from the earlier examples.
(A first version spelled each example as two letters, ``cF``: that model stayed at chance for
3,000 iterations, since it must first learn to pair each output letter with the letter before it;
the pair token gives it that for free and leaves the lookup in the context to be learned.)

200 substitutions are held out: no training sequence uses them. On each, for k = 0, 1, 2, 4, 8
examples in the prompt (each as its question and answer, as in training), the model's most likely
next token after a final question is compared with the answer (5 random prompts per substitution
and k: 1,000 answers per point). Reported beside it, for the same
prompts: chance, and the best any reader of the prompt can do (the answer when the queried letter
appeared in the prompt; otherwise a guess among the output letters not yet used, since the mapping
is a bijection).
"""

import argparse
import time

import numpy

import nerve
from nerve import ops
from nerve.applications import GPT

INPUTS, OUTPUTS = "abcdefgh", "ABCDEFGH"
N = len(INPUTS)
VOCAB = [f"{x}?" for x in INPUTS] + [f"{x}→{y}" for x in INPUTS for y in OUTPUTS]   # questions, then pairs
EXAMPLES, SHOTS, HELD_OUT, PROMPTS_PER_TASK = 16, (0, 1, 2, 4, 8), 200, 5
BLOCK = 2 * EXAMPLES


def question(x):
    return x


def answer(x, y):
    return N + N * x + y


def held_out_tasks(rng):
    tasks = set()
    while len(tasks) < HELD_OUT:
        tasks.add(tuple(rng.permutation(len(INPUTS))))
    return tasks


def sequences(tasks_rng, batch, excluded):
    """(batch, BLOCK + 1) token ids: EXAMPLES examples of one random substitution per row."""
    rows = numpy.empty((batch, BLOCK + 1), dtype="int32")
    for b in range(batch):
        task = tuple(tasks_rng.permutation(len(INPUTS)))
        while task in excluded:
            task = tuple(tasks_rng.permutation(len(INPUTS)))
        rows[b, :BLOCK] = encode_examples(task, tasks_rng.integers(0, len(INPUTS), EXAMPLES))
        rows[b, BLOCK] = 0                # never a target: the last position carries no weight
    return rows


def encode_examples(task, letters):
    out = []
    for x in letters:
        out += [question(x), answer(x, task[x])]
    return numpy.asarray(out, dtype="int32")


def output_positions():
    """Where the targets are answers: each question (position 2i predicts the pair at 2i + 1)."""
    weights = numpy.zeros(BLOCK, dtype="float32")
    weights[0::2] = 1.0
    return weights


def train(model, iters, batch, rng, log):
    optimizer = nerve.optimizers.AdamW(learning_rate=nerve.optimizers.schedules.CosineDecay(
        0.0, decay_steps=iters - 100, alpha=0.1, warmup_target=3e-3, warmup_steps=100),
        weight_decay=0.1, beta_2=0.99, global_clipnorm=1.0)
    weights = output_positions()
    excluded = held_out_tasks(numpy.random.default_rng(12345))
    for it in range(iters):
        rows = sequences(rng, batch, excluded)
        x, y = rows[:, :-1], rows[:, 1:]
        logits = model(x, training=True)
        per_token = ops.sparse_categorical_crossentropy(y, logits, from_logits=True)
        loss = ops.sum(per_token * weights) / float(weights.sum() * batch)
        variables = model.trainable_weights
        optimizer.apply(nerve.grad(loss, variables), variables)
        if it % 250 == 0 or it == iters - 1:
            log(f"iter {it}: loss on the answers {float(loss.data):.3f}")
    return excluded


def evaluate(model, tasks, rng):
    """Accuracy of the model, and of the best reader of the prompt, after k examples, per k."""
    results = {}
    tasks = sorted(tasks) * PROMPTS_PER_TASK
    with nerve.no_grad():
        for k in SHOTS:
            prompts, answers, best = [], [], []
            for task in tasks:
                shots = rng.integers(0, len(INPUTS), k)
                query = int(rng.integers(0, len(INPUTS)))
                prompts.append(numpy.concatenate([encode_examples(task, shots), [question(query)]]))
                answers.append(answer(query, task[query]))
                best.append(1.0 if query in shots else 1.0 / (len(INPUTS) - len(set(shots.tolist()))))
            logits = model(numpy.stack(prompts).astype("int32"), training=False).numpy()[:, -1]
            accuracy = float((logits.argmax(-1) == numpy.asarray(answers)).mean())
            results[k] = {"accuracy": accuracy, "best_possible": float(numpy.mean(best))}
    return results


def plot(results, path):
    from nerve.visualize._figure import new_figure, save
    figure = new_figure(5.6, 3.8)
    axes = figure.add_subplot()
    shots = list(results)
    axes.plot(shots, [results[k]["accuracy"] for k in shots], "o-", color="C0", label="GPT (held-out substitutions)")
    axes.plot(shots, [results[k]["best_possible"] for k in shots], "s--", color="0.5",
              label="best possible from the prompt")
    axes.axhline(1 / N, color="C3", linestyle=":", label=f"chance (1/{N})")
    axes.set_xticks(shots)
    axes.set_xlabel("examples in the prompt (shots)")
    axes.set_ylabel("accuracy of the answer")
    axes.set_ylim(0, 1.02)
    axes.legend(loc="lower right")
    axes.grid(alpha=0.3)
    save(figure, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=1500)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="examples/figures/in_context_learning.png")
    args = parser.parse_args()
    nerve.utils.set_random_seed(args.seed)
    rng = numpy.random.default_rng(args.seed)
    model = GPT(len(VOCAB), BLOCK, n_layer=2, n_head=4, n_embd=64)
    started = time.perf_counter()
    tasks = train(model, args.iters, args.batch_size, rng, lambda line: print(line, flush=True))
    print(f"trained in {time.perf_counter() - started:.0f} s")
    results = evaluate(model, tasks, numpy.random.default_rng(args.seed + 1))
    for k, r in results.items():
        print(f"{k} shots: accuracy {r['accuracy']:.3f} (best possible {r['best_possible']:.3f}, "
              f"chance {1 / N:.3f}) on {HELD_OUT} held-out substitutions x {PROMPTS_PER_TASK} prompts")
    plot(results, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

"""GPT training step: nerve against the same model and step written in PyTorch, side by side.

    python benchmarks/gpt.py [--threads 1] [--rounds 5] [--iters 40]     time one iteration
    python benchmarks/gpt.py --train torch [--seed 1337]                 PyTorch's 2,000-iteration recipe
    python benchmarks/gpt.py --generate                                  tokens/s with and without the KV cache
    python benchmarks/gpt.py --attention                                 the fused attention op against a chain of ops
    python benchmarks/gpt.py --same-step                                 both sides' losses and weights over 20 steps

The model is nanoGPT's shakespeare_char CPU configuration (4 layers, 4 heads, 128 wide, block 64,
no biases, tied output weights, exact GELU) and the step is nanoGPT's: forward on a batch of 12
windows of 64 characters, mean cross-entropy, backward, global-norm clipping at 1.0, AdamW
(β₂ 0.99, weight decay 0.1 on matrices) with the warm-up + cosine schedule. PyTorch's model starts
from nerve's weights (their logits are compared first), both draw the same batches, and the timing
alternates: ``--iters`` iterations of one side, then of the other, for ``--rounds`` rounds in
rotating order, so that a machine shared with other jobs loads both alike. Reported: ms per
iteration (median over rounds, min-max) and the ratio PyTorch time / nerve time (≥ 1: nerve faster).
"""

import argparse
import math
import os
import statistics
import sys
import time


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--iters", type=int, default=40, help="iterations per side per round")
    p.add_argument("--train", choices=("torch",), default=None, help="run the whole recipe in PyTorch")
    p.add_argument("--seed", type=int, default=1337, help="--train: the seed of the weights and batches, as nerve's")
    p.add_argument("--generate", action="store_true", help="measure generation tokens/s (nerve)")
    p.add_argument("--attention", action="store_true", help="fused attention op against the same chain of small ops")
    p.add_argument("--same-step", action="store_true", help="check that both sides take the same steps")
    return p.parse_args()


ARGS = parse()
os.environ.setdefault("OMP_NUM_THREADS", str(ARGS.threads))
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(ARGS.threads))

import numpy  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import cpu_model  # noqa: E402

import nerve  # noqa: E402
from nerve.applications import GPT, gpt_training  # noqa: E402

CONFIG = dict(block_size=64, n_layer=4, n_head=4, n_embd=128)
BATCH, ITERS, LR, MIN_LR, WARMUP = 12, 2000, 1e-3, 1e-4, 100


# ---- the same model and step in PyTorch ------------------------------------------------------

def torch_gpt(torch, nerve_model):
    """nanoGPT's GPT as a few torch modules, its weights copied from ``nerve_model``."""
    nn, F = torch.nn, torch.nn.functional

    class Block(nn.Module):
        def __init__(self, c, heads):
            super().__init__()
            self.heads = heads
            self.ln_1, self.ln_2 = nn.LayerNorm(c, bias=False), nn.LayerNorm(c, bias=False)
            self.c_attn, self.c_proj = nn.Linear(c, 3 * c, bias=False), nn.Linear(c, c, bias=False)
            self.c_fc, self.mlp_proj = nn.Linear(c, 4 * c, bias=False), nn.Linear(4 * c, c, bias=False)

        def forward(self, x):
            b, t, c = x.shape
            q, k, v = self.c_attn(self.ln_1(x)).split(c, dim=2)
            q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(b, t, c)
            x = x + self.c_proj(y)
            return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x))))

    class TorchGPT(nn.Module):
        def __init__(self, vocab, block, layers, heads, c):
            super().__init__()
            self.wte, self.wpe = nn.Embedding(vocab, c), nn.Embedding(block, c)
            self.blocks = nn.ModuleList(Block(c, heads) for _ in range(layers))
            self.ln_f = nn.LayerNorm(c, bias=False)

        def forward(self, ids):
            x = self.wte(ids) + self.wpe(torch.arange(ids.shape[1]))
            for block in self.blocks:
                x = block(x)
            return self.ln_f(x) @ self.wte.weight.T

    m = nerve_model
    model = TorchGPT(m.vocab_size, m.block_size, m.n_layer, m.n_head, m.n_embd)
    t = lambda a: torch.tensor(numpy.asarray(a))  # noqa: E731
    with torch.no_grad():
        model.wte.weight.copy_(t(m.wte.embeddings.numpy()))
        model.wpe.weight.copy_(t(m.wpe.position_embeddings.numpy()))
        model.ln_f.weight.copy_(t(m.ln_f.gamma.numpy()))
        for ours, theirs in zip(m.blocks, model.blocks):
            theirs.ln_1.weight.copy_(t(ours.ln_1.gamma.numpy()))
            theirs.ln_2.weight.copy_(t(ours.ln_2.gamma.numpy()))
            for name, dense in (("c_attn", ours.attn.c_attn), ("c_proj", ours.attn.c_proj),
                                ("c_fc", ours.c_fc), ("mlp_proj", ours.mlp_proj)):
                getattr(theirs, name).weight.copy_(t(dense.kernel.numpy().T))
    return model


def torch_step_fn(torch, model):
    """nanoGPT's iteration: lr(it), forward, loss, backward, clip, AdamW."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}],
                                  lr=LR, betas=(0.9, 0.99))

    def lr_at(it):
        if it < WARMUP:
            return LR * it / WARMUP               # Keras's CosineDecay warm-up, as nerve's recipe
        ratio = min(1.0, (it - WARMUP) / (ITERS - WARMUP))
        return MIN_LR + 0.5 * (1 + math.cos(math.pi * ratio)) * (LR - MIN_LR)

    state = {"it": 0}

    def step(x, y):
        for group in optimizer.param_groups:
            group["lr"] = lr_at(state["it"])
        logits = model(torch.from_numpy(x).long())
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), torch.from_numpy(y).long().reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        state["it"] += 1
        return float(loss)
    return step


def torch_val_loss(torch, model, val_ids, batches=200, seed=1337):
    rng = numpy.random.default_rng(seed)
    total = 0.0
    with torch.no_grad():
        for _ in range(batches):
            x, y = gpt_training.get_batch(val_ids, CONFIG["block_size"], BATCH, rng)
            logits = model(torch.from_numpy(x).long())
            total += float(torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                             torch.from_numpy(y).long().reshape(-1)))
    return total / batches


# ---- the runs --------------------------------------------------------------------------------

def setup():
    import torch
    torch.set_num_threads(ARGS.threads)
    nerve.utils.set_random_seed(ARGS.seed)
    train_ids, val_ids, tokenizer = gpt_training.encode_corpus("tinyshakespeare")
    model = GPT(tokenizer.vocabulary_size, tokenizer=tokenizer, **CONFIG)
    model.compile(optimizer=gpt_training.nanogpt_optimizer(model, ITERS),
                  loss=nerve.losses.SparseCategoricalCrossentropy(from_logits=True))
    x, _ = gpt_training.get_batch(train_ids, CONFIG["block_size"], BATCH, numpy.random.default_rng(0))
    model(x)                                          # builds the weights
    reference = torch_gpt(torch, model)
    with torch.no_grad():
        gap = numpy.abs(reference(torch.from_numpy(x).long()).numpy() - model(x).numpy()).max()
    print(f"logits of the two models on one batch: max |difference| {gap:.2e}")
    return torch, model, reference, train_ids, val_ids


def time_steps():
    torch, model, reference, train_ids, _ = setup()
    torch_step = torch_step_fn(torch, reference)
    rng = numpy.random.default_rng(0)
    batches = [gpt_training.get_batch(train_ids, CONFIG["block_size"], BATCH, rng) for _ in range(ARGS.iters)]
    sides = {"nerve": lambda x, y: model.train_on_batch(x, y), "torch": torch_step}
    for side in sides.values():                       # warm-up
        for x, y in batches[:3]:
            side(x, y)
    times = {name: [] for name in sides}
    ratios = []
    for r in range(ARGS.rounds):
        order = list(sides) if r % 2 == 0 else list(sides)[::-1]
        for name in order:
            tick = time.perf_counter()
            for x, y in batches:
                sides[name](x, y)
            times[name].append((time.perf_counter() - tick) / len(batches) * 1e3)
        ratios.append(times["torch"][-1] / times["nerve"][-1])
    print(f"GPT training iteration (batch {BATCH}x{CONFIG['block_size']}, 0.80 M params), {ARGS.threads} thread(s), "
          f"{cpu_model()}; {ARGS.rounds} rounds of {ARGS.iters} iterations each side")
    for name, values in times.items():
        print(f"  {name:6s} {statistics.median(values):7.1f} ms/iter (min {min(values):.1f}, max {max(values):.1f})")
    print(f"  ratio torch/nerve: {statistics.median(ratios):.2f} (median of the rounds; per round "
          f"{', '.join(f'{r:.2f}' for r in ratios)}; >= 1 means nerve is as fast or faster)")


def same_step(steps=20):
    """Both sides from the same weights on the same batches: the losses and the weights after each step."""
    torch, model, reference, train_ids, _ = setup()
    torch_step = torch_step_fn(torch, reference)
    rng = numpy.random.default_rng(0)
    for it in range(steps):
        x, y = gpt_training.get_batch(train_ids, CONFIG["block_size"], BATCH, rng)
        ours, theirs = float(numpy.ravel(model.train_on_batch(x, y))[0]), torch_step(x, y)
        model.reset_metrics()
        if it in (0, 1, steps // 2, steps - 1):
            a = model.blocks[0].attn.c_attn.kernel.numpy()
            b = reference.blocks[0].c_attn.weight.detach().numpy().T
            print(f"step {it + 1}: loss nerve {ours:.6f}, torch {theirs:.6f}; first c_attn kernel max |difference| "
                  f"{numpy.abs(a - b).max():.2e} (weights ~{numpy.abs(b).mean():.1e})")


def train_torch():
    torch, _, reference, train_ids, val_ids = setup()
    step = torch_step_fn(torch, reference)
    rng = numpy.random.default_rng(ARGS.seed)
    started = time.perf_counter()
    for it in range(ITERS + 1):
        if it % 250 == 0 or it == ITERS:
            print(f"iter {it}: val loss {torch_val_loss(torch, reference, val_ids):.4f}, "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
        if it < ITERS:
            step(*gpt_training.get_batch(train_ids, CONFIG["block_size"], BATCH, rng))


def generation_speed():
    nerve.utils.set_random_seed(1337)
    model = GPT(65, **CONFIG)
    prompt = numpy.zeros((1, 1), "int32")
    for tokens in (63, 300):
        for cache in (True, False):
            model.generate(prompt, 5, seed=0, use_cache=cache)          # warm-up
            tick = time.perf_counter()
            model.generate(prompt, tokens, seed=0, use_cache=cache)
            seconds = time.perf_counter() - tick
            print(f"generate {tokens} tokens, {'with' if cache else 'without'} the KV cache: "
                  f"{tokens / seconds:.0f} tokens/s")


def attention_op_speed():
    """Forward + backward of causal attention at the recipe's shape, (12, 4 heads, 64, 32), fused or as
    matmul, scale, mask, softmax, matmul (the composed path MultiHeadAttention takes for its scores)."""
    from nerve import ops
    from nerve.tensor import Tensor
    rng = numpy.random.default_rng(0)
    q, k, v = (Tensor(rng.standard_normal((12, 4, 64, 32)).astype("float32"), requires_grad=True) for _ in range(3))
    blocked = Tensor.wrap(numpy.where(numpy.tri(64, 64, dtype=bool), 0, -1e9).astype("float32"))

    def fused():
        return ops.scaled_dot_product_attention(q, k, v, is_causal=True)

    def chain():
        scores = ops.matmul(q, ops.swapaxes(k, -1, -2)) * (1 / 32 ** 0.5) + blocked
        return ops.matmul(ops.softmax(scores, axis=-1), v)
    numpy.testing.assert_allclose(fused().numpy(), chain().numpy(), atol=1e-5)
    best = {}
    for _ in range(ARGS.rounds):
        for name, fn in (("fused", fused), ("chain", chain)):
            tick = time.perf_counter()
            for _ in range(50):
                out = fn()
                out.backward(numpy.ones(out.shape, "float32"))
            best[name] = min(best.get(name, 1e9), (time.perf_counter() - tick) / 50 * 1e3)
    print(f"causal attention (12, 4, 64, 32), forward + backward, best of {ARGS.rounds} rounds of 50: fused "
          f"{best['fused']:.2f} ms, chain of ops {best['chain']:.2f} ms ({best['chain'] / best['fused']:.2f}x)")


if __name__ == "__main__":
    if ARGS.attention:
        attention_op_speed()
    elif ARGS.same_step:
        same_step()
    elif ARGS.train:
        train_torch()
    elif ARGS.generate:
        generation_speed()
    else:
        time_steps()

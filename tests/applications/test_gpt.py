"""GPT: nanoGPT's model (in NumPy, and in PyTorch, on the same weights), causality, generation with
and without the KV cache, save/load with its tokenizer, training, the command line, bad input;
CharTokenizer."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

import nerve
from nerve.applications import GPT, gpt_training
from nerve.text import CharTokenizer

SMALL = dict(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16)
ROOT = Path(__file__).resolve().parents[2]
MIRROR = next((p for p in (Path("/work/shared/data"), ROOT.parent / "shared" / "data")
               if (p / "README.md").is_file()), None)


@pytest.fixture
def model(rng):
    m = GPT(**SMALL)
    m(rng.integers(0, 11, (2, 8)))
    return m


def numpy_logits(m, ids):
    """nanoGPT's forward written in NumPy (float64) on ``m``'s weights: pre-norm blocks of causal
    self-attention and a GELU MLP, a final layer norm, the output head tied to the token embedding."""
    w = lambda v: v.numpy().astype(np.float64)  # noqa: E731
    c, heads = m.n_embd, m.n_head
    b, steps = ids.shape

    def layer_norm(x, gamma):
        return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5) * gamma

    def gelu(x):
        return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))

    future = np.triu(np.ones((steps, steps), bool), 1)
    x = w(m.wte.embeddings)[ids] + w(m.wpe.position_embeddings)[:steps]
    for block in m.blocks:
        q, k, v = np.split(layer_norm(x, w(block.ln_1.gamma)) @ w(block.attn.c_attn.kernel), 3, axis=-1)
        q, k, v = (z.reshape(b, steps, heads, c // heads).transpose(0, 2, 1, 3) for z in (q, k, v))
        scores = np.where(future, -np.inf, q @ k.transpose(0, 1, 3, 2) / math.sqrt(c // heads))
        p = np.exp(scores - scores.max(-1, keepdims=True))
        y = (p / p.sum(-1, keepdims=True)) @ v
        x = x + y.transpose(0, 2, 1, 3).reshape(b, steps, c) @ w(block.attn.c_proj.kernel)
        x = x + gelu(layer_norm(x, w(block.ln_2.gamma)) @ w(block.c_fc.kernel)) @ w(block.mlp_proj.kernel)
    return layer_norm(x, w(m.ln_f.gamma)) @ w(m.wte.embeddings).T


def torch_logits(torch, m, ids):
    """nanoGPT's forward in PyTorch functional ops on ``m``'s weights."""
    F = torch.nn.functional
    t = lambda w: torch.tensor(w.numpy())  # noqa: E731
    c, heads = m.n_embd, m.n_head
    ids = torch.tensor(ids)
    b, steps = ids.shape
    x = t(m.wte.embeddings)[ids] + t(m.wpe.position_embeddings)[:steps]
    for block in m.blocks:
        h = F.layer_norm(x, (c,), t(block.ln_1.gamma), None, 1e-5)
        q, k, v = (h @ t(block.attn.c_attn.kernel)).split(c, dim=2)
        q, k, v = (z.view(b, steps, heads, c // heads).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(b, steps, c)
        x = x + y @ t(block.attn.c_proj.kernel)
        h = F.layer_norm(x, (c,), t(block.ln_2.gamma), None, 1e-5)
        x = x + F.gelu(h @ t(block.c_fc.kernel)) @ t(block.mlp_proj.kernel)
    return (F.layer_norm(x, (c,), t(m.ln_f.gamma), None, 1e-5) @ t(m.wte.embeddings).T).numpy()


def test_recipe_model_has_nanogpts_size_and_init(rng):
    nerve.utils.set_random_seed(0)
    m = GPT(65, 64, 4, 4, 128)
    m(rng.integers(0, 65, (1, 64)))
    assert m.count_params() == 804_096                    # nanoGPT: 0.80M (+ 8,192 position weights)
    assert not [w.path for w in m.weights if "bias" in w.path or "beta" in w.path]
    assert m(rng.integers(0, 65, (2, 5))).shape == (2, 5, 65)
    assert abs(m.blocks[0].c_fc.kernel.numpy().std() - 0.02) < 0.001
    assert abs(m.blocks[0].attn.c_proj.kernel.numpy().std() - 0.02 / np.sqrt(8)) < 0.0005
    np.testing.assert_array_equal(m.ln_f.gamma.numpy(), 1)


def test_logits_match_numpy(model, rng):
    ids = rng.integers(0, 11, (3, 8))
    np.testing.assert_allclose(model(ids).numpy(), numpy_logits(model, ids), atol=2e-5)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.3 for w in model.get_weights()])
    for part in (ids, ids[:, :5]):                  # every weight (layer-norm scales too) far from its init
        np.testing.assert_allclose(model(part).numpy(), numpy_logits(model, part), atol=2e-5)


def test_logits_match_pytorch(model, rng, torch):
    ids = rng.integers(0, 11, (3, 8))
    np.testing.assert_allclose(model(ids).numpy(), torch_logits(torch, model, ids), atol=2e-5)


def test_causal_future_tokens_do_not_change_past_logits(model, rng):
    ids = rng.integers(0, 11, (1, 8))
    other = ids.copy()
    other[0, 5:] = (other[0, 5:] + 1) % 11
    np.testing.assert_allclose(model(ids).numpy()[:, :5], model(other).numpy()[:, :5], atol=1e-6)


def test_kv_cache_generation_equals_full_recomputation(model, rng):
    prompt = rng.integers(0, 11, (2, 3))
    for kwargs in ({"temperature": 0}, {"temperature": 0.8, "top_k": 4, "seed": 5}):
        cached = model.generate(prompt, 5, **kwargs)         # 8 tokens: the cache never refills
        plain = model.generate(prompt, 5, use_cache=False, **kwargs)
        np.testing.assert_array_equal(cached, plain)
        assert cached.shape == (2, 8) and (cached[:, :3] == prompt).all()
    np.testing.assert_array_equal(model.generate(prompt[0], 20, seed=1), model.generate(prompt[0], 20, seed=1))
    assert model.generate(prompt[0], 20, seed=1).shape == (23,)              # past block_size: refills


def test_long_prompt_is_cropped_to_block_size(model, rng):
    prompt = rng.integers(0, 11, 20)
    np.testing.assert_array_equal(model.generate(prompt, 3, temperature=0)[20:],
                                  model.generate(prompt[-8:], 3, temperature=0)[8:])


def test_top_k_one_is_greedy(model, rng):
    prompt = rng.integers(0, 11, (1, 2))
    np.testing.assert_array_equal(model.generate(prompt, 4, top_k=1, seed=3), model.generate(prompt, 4, temperature=0))


def test_bad_token_ids_and_lengths(model):
    with pytest.raises(ValueError, match=r"GPT 'gpt.*': token ids must lie in \[0, 11\).*from 0 to 11.*\(1, 3\)"):
        model(np.array([[0, 11, 3]]))
    with pytest.raises(ValueError, match=r"from -1 to 3"):
        model(np.array([[-1, 3]]))
    with pytest.raises(ValueError, match="longer than block_size 8"):
        model(np.zeros((1, 9), "int32"))
    with pytest.raises(ValueError, match=r"shape \(batch, time\)"):
        model(np.zeros(4, "int32"))
    with pytest.raises(ValueError, match="token ids must lie"):
        model.generate(np.array([1, 12]), 2)
    with pytest.raises(ValueError, match="text prompt needs a model built with a tokenizer"):
        model.generate("hi", 2)
    with pytest.raises(ValueError, match="`n_head` must be a positive int, received 0"):
        GPT(11, 8, n_head=0)
    with pytest.raises(ValueError, match=r"n_embd \(16\) must be a multiple of n_head \(3\)"):
        GPT(11, 8, n_layer=1, n_head=3, n_embd=16)


def test_save_and_load_keep_weights_and_tokenizer(tmp_path, rng):
    tokenizer = CharTokenizer.from_text("abcdefghij ")
    m = GPT(tokenizer=tokenizer, **SMALL)
    text = m.generate("a cab", 6, seed=2)
    m.save(tmp_path / "gpt.nerve")
    again = nerve.models.load_model(tmp_path / "gpt.nerve")
    assert again.tokenizer.vocabulary == tokenizer.vocabulary
    ids = rng.integers(0, 11, (2, 8))
    np.testing.assert_array_equal(again(ids).numpy(), m(ids).numpy())
    assert again.generate("a cab", 6, seed=2) == text and text.startswith("a cab") and len(text) == 11


def test_pretraining_loop_learns_a_repeating_text():
    tokenizer = CharTokenizer.from_text("abcdefghij ")
    ids = tokenizer.encode("abcdefghij " * 60)
    m = GPT(tokenizer=tokenizer, **SMALL)
    results = gpt_training.pretrain(m, ids, ids, iters=60, batch_size=8, eval_interval=30, eval_batches=4,
                                    log=lambda line: None, lr=1e-2, min_lr=1e-3, warmup=5)
    first, last = results["evals"][0][1], results["evals"][-1][1]
    assert first > 2.0 and last < 0.5 * first, results["evals"]
    assert m.generate("abc", 8, temperature=0) == "abcdefghij "


def test_a_step_trains_through_fit(model, rng):
    model.compile(optimizer="adam", loss=nerve.losses.SparseCategoricalCrossentropy(from_logits=True))
    ids = rng.integers(0, 11, (16, 9))
    history = model.fit(ids[:, :-1], ids[:, 1:], epochs=3, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


@pytest.mark.skipif(MIRROR is None, reason="offline data mirror not found")
def test_command_line_train_then_generate(tmp_path, monkeypatch, capsys):
    from nerve import cli
    monkeypatch.setenv("NERVE_DATASETS_MIRROR", str(MIRROR))
    monkeypatch.setenv("NERVE_DATA_DIR", str(tmp_path / "cache"))
    out = tmp_path / "run"
    assert cli.main(["train", "gpt", "--dataset", "tinyshakespeare", "--iters", "2", "--n-layer", "1",
                     "--n-embd", "16", "--n-head", "2", "--block-size", "16", "--eval-interval", "2",
                     "--eval-batches", "2", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["iters"] == 2 and 3.0 < metrics["val_loss"] < 5.0 and (out / "loss.png").stat().st_size > 0
    capsys.readouterr()
    args = ["generate", str(out / "model.nerve"), "--prompt", "ROMEO:", "--tokens", "20", "--temperature", "0.8",
            "--top-k", "5", "--seed", "3"]
    assert cli.main(args) == 0
    first = capsys.readouterr().out
    assert cli.main(args + ["--out", str(tmp_path / "sample.txt")]) == 0
    assert capsys.readouterr().out == first and first.startswith("ROMEO:") and len(first) == 27
    assert (tmp_path / "sample.txt").read_text() == first.rstrip("\n")
    with pytest.raises(SystemExit):
        cli.main(["train", "gpt", "--dataset", "mnist"])


# ---- CharTokenizer -------------------------------------------------------------------------

def test_char_tokenizer_round_trip_and_errors():
    tokenizer = CharTokenizer.from_text("hello world")
    assert tokenizer.vocabulary == " dehlorw" and tokenizer.vocabulary_size == 8
    ids = tokenizer.encode("hold")
    assert ids.dtype == np.int32 and tokenizer.decode(ids) == "hold"
    assert CharTokenizer.from_config(tokenizer.get_config()).vocabulary == tokenizer.vocabulary
    with pytest.raises(ValueError, match="characters 'xz' are not in the vocabulary"):
        tokenizer.encode("hex z")
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 8\), received ids from 0 to 9"):
        tokenizer.decode([0, 9])
    with pytest.raises(ValueError, match="repeats characters"):
        CharTokenizer("abca")
    assert CharTokenizer("é€a").decode(CharTokenizer("é€a").encode("a€é")) == "a€é"


def test_command_line_generate_bad_prompt_is_one_line(tmp_path, capsys):
    from nerve import cli
    GPT(tokenizer=CharTokenizer.from_text("abcdefghij "), **SMALL).save(tmp_path / "m.nerve")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["generate", str(tmp_path / "m.nerve"), "--prompt", "xyz", "--tokens", "3"])
    assert exit_info.value.code == 2 and "characters 'xyz' are not in the vocabulary" in capsys.readouterr().err


def test_nanogpt_optimizer_decays_matrices_only_even_before_the_model_is_built():
    """A model not yet called has no weights; the exclusion must still find every LayerNorm scale."""
    m = GPT(**SMALL)
    optimizer = gpt_training.nanogpt_optimizer(m, iters=10)
    excluded = [w for w in m.trainable_weights if id(w) in optimizer._exclude_ids]
    assert excluded and {w.ndim for w in excluded} == {1} and all(w.path.endswith("gamma") for w in excluded)
    assert len(excluded) == 2 * SMALL["n_layer"] + 1

"""GPT: a decoder-only transformer language model, as nanoGPT (Karpathy) writes GPT-2.

    x₀ = wte[ids] + wpe[0:T]
    xₗ₊₁ = xₗ' + MLP(LN₂(xₗ')),   xₗ' = xₗ + Attn(LN₁(xₗ))      (pre-LayerNorm blocks, l < n_layer)
    logits = LN_f(x) · wteᵀ                                      (output weights tied to the embedding)

Attn is causal multi-head self-attention (one projection to Q, K, V of n_embd each, then
n_head heads of n_embd/n_head, then an output projection); MLP is n_embd → 4·n_embd → GELU
(exact, erf) → n_embd. Weights are drawn from N(0, 0.02), the two residual output
projections of each block from N(0, 0.02/√(2·n_layer)), biases (when ``bias=True``) start at
zero; LayerNorm ε = 1e-5. These are nanoGPT's choices, so its recipes work through the plain
constructor. References: Radford et al. 2018 (GPT), 2019 (GPT-2); github.com/karpathy/nanoGPT.
"""

import math

import numpy

from .. import backend, initializers, layers, ops
from ..autodiff import no_grad
from ..layers.layer import Layer
from ..layers.layer_utils import positive_int
from ..models import Model
from ..tensor import Tensor
from ..text import CharTokenizer


def _normal(stddev):
    return initializers.RandomNormal(mean=0.0, stddev=stddev)


class CausalSelfAttention(Layer):
    """Multi-head causal self-attention with one fused Q/K/V projection (nanoGPT's ``c_attn``).

    Weights: ``c_attn`` Dense(3·n_embd) (columns [Q | K | V], heads consecutive within each),
    ``c_proj`` Dense(n_embd). The attention itself is ``ops.scaled_dot_product_attention``.

    Call with ``cache`` (a dict, filled on the first call) to decode incrementally: the keys and
    values of earlier steps are kept there and the new steps attend to them.
    """

    def __init__(self, n_embd, n_head, n_layer, dropout=0.0, bias=False, **kwargs):
        super().__init__(**kwargs)
        if n_embd % n_head:
            raise ValueError(f"CausalSelfAttention: n_embd ({n_embd}) must be a multiple of n_head ({n_head})")
        self.n_embd, self.n_head, self.n_layer, self.dropout, self.bias = n_embd, n_head, n_layer, dropout, bias
        self.c_attn = layers.Dense(3 * n_embd, use_bias=bias, kernel_initializer=_normal(0.02))
        self.c_proj = layers.Dense(n_embd, use_bias=bias,
                                   kernel_initializer=_normal(0.02 / math.sqrt(2 * n_layer)))
        self.resid_dropout = layers.Dropout(dropout)

    def call(self, x, training=None, cache=None):
        batch, steps, width = x.shape
        heads, size = self.n_head, width // self.n_head
        qkv = ops.reshape(self.c_attn(x), (batch, steps, 3, heads, size))
        qkv = ops.transpose(qkv, (2, 0, 3, 1, 4))                # (3, batch, heads, steps, size)
        q, k, v = qkv[0], qkv[1], qkv[2]
        mask, causal = None, True
        if cache is not None:
            if "k" in cache:
                k = ops.concatenate([cache["k"], k], axis=2)
                v = ops.concatenate([cache["v"], v], axis=2)
            cache["k"], cache["v"] = k, v
            past = k.shape[2] - steps
            if past:        # new step i sits at position past + i: it sees keys 0 … past + i
                mask, causal = backend.xp.tri(steps, k.shape[2], k=past, dtype=bool), False
        rate = self.dropout if training else 0.0
        y = ops.scaled_dot_product_attention(q, k, v, mask=mask, is_causal=causal, dropout_rate=rate)
        y = ops.reshape(ops.transpose(y, (0, 2, 1, 3)), (batch, steps, width))
        return self.resid_dropout(self.c_proj(y), training=training)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "n_embd": self.n_embd, "n_head": self.n_head, "n_layer": self.n_layer,
                "dropout": self.dropout, "bias": self.bias}


class TransformerBlock(Layer):
    """x + Attn(LN(x)), then + MLP(LN(·)): nanoGPT's pre-LayerNorm ``Block``."""

    def __init__(self, n_embd, n_head, n_layer, dropout=0.0, bias=False, **kwargs):
        super().__init__(**kwargs)
        self.n_embd, self.n_head, self.n_layer, self.dropout, self.bias = n_embd, n_head, n_layer, dropout, bias
        self.ln_1 = layers.LayerNormalization(epsilon=1e-5, center=bias)
        self.attn = CausalSelfAttention(n_embd, n_head, n_layer, dropout, bias)
        self.ln_2 = layers.LayerNormalization(epsilon=1e-5, center=bias)
        self.c_fc = layers.Dense(4 * n_embd, use_bias=bias, kernel_initializer=_normal(0.02))
        self.mlp_proj = layers.Dense(n_embd, use_bias=bias,
                                     kernel_initializer=_normal(0.02 / math.sqrt(2 * n_layer)))
        self.mlp_dropout = layers.Dropout(dropout)

    def call(self, x, training=None, cache=None):
        x = x + self.attn(self.ln_1(x), training=training, cache=cache)
        h = ops.gelu(self.c_fc(self.ln_2(x)), approximate=False)
        return x + self.mlp_dropout(self.mlp_proj(h), training=training)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "n_embd": self.n_embd, "n_head": self.n_head, "n_layer": self.n_layer,
                "dropout": self.dropout, "bias": self.bias}


class GPT(Model):
    """A GPT language model: token ids (batch, T) -> next-token logits (batch, T, vocab_size).

    Args:
        vocab_size: number of token ids (65 for Shakespeare's characters).
        block_size: the longest context (positions 0 … block_size − 1).
        n_layer, n_head, n_embd: depth, heads and width (n_embd a multiple of n_head);
            nanoGPT's defaults are GPT-2 small's (12, 12, 768).
        dropout: on the embeddings, the attention weights and each residual branch (training only).
        bias: biases in the Dense and LayerNormalization layers (nanoGPT's train.py: False).
        tokenizer: optional ``CharTokenizer`` (or its config dict): saved in the model's config,
            so that ``generate`` and the ``nerve generate`` command can take and return text.

    Train it with ``compile(loss=SparseCategoricalCrossentropy(from_logits=True))`` on
    (ids, next ids) pairs; ``nerve.applications.gpt_training.pretrain`` is nanoGPT's loop.

    Example:
        >>> model = GPT(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=128)
        >>> model(numpy.zeros((2, 10), "int32")).shape     # doctest: +SKIP
        (2, 10, 65)
    """

    def __init__(self, vocab_size, block_size, n_layer=12, n_head=12, n_embd=768, dropout=0.0, bias=False,
                 tokenizer=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        for argument, value in (("vocab_size", vocab_size), ("block_size", block_size), ("n_layer", n_layer),
                                ("n_head", n_head), ("n_embd", n_embd)):
            positive_int(value, argument, f"GPT '{self.name}'")
        if isinstance(tokenizer, dict):
            tokenizer = CharTokenizer.from_config(tokenizer)
        if tokenizer is not None and tokenizer.vocabulary_size != vocab_size:
            raise ValueError(f"GPT: the tokenizer has {tokenizer.vocabulary_size} tokens, vocab_size is {vocab_size}")
        self.vocab_size, self.block_size = vocab_size, block_size
        self.n_layer, self.n_head, self.n_embd = n_layer, n_head, n_embd
        self.dropout, self.bias, self.tokenizer = dropout, bias, tokenizer
        self.wte = layers.Embedding(vocab_size, n_embd, embeddings_initializer=_normal(0.02))
        self.wpe = layers.PositionEmbedding(block_size, initializer=_normal(0.02))
        self.drop = layers.Dropout(dropout)
        self.blocks = [TransformerBlock(n_embd, n_head, n_layer, dropout, bias) for _ in range(n_layer)]
        self.ln_f = layers.LayerNormalization(epsilon=1e-5, center=bias)

    def call(self, inputs, training=None):
        return self._forward(inputs, training=training)

    def hidden_states(self, ids, training=None, caches=None, start=0):
        """The final LayerNorm's output (batch, T, n_embd): the features the logits are made from
        (and that a fine-tuning head reads, as GPT-1's classifier reads the last token's)."""
        ids = self._check_ids(ids, start)
        tokens = self.wte(ids)
        x = self.drop(tokens + self.wpe(tokens, start_index=start), training=training)
        for i, block in enumerate(self.blocks):
            x = block(x, training=training, cache=None if caches is None else caches[i])
        self.built = True                       # the layers made their weights on this first pass
        return self.ln_f(x)

    def logits(self, hidden):
        """Next-token logits from ``hidden_states``: hidden · wteᵀ (the tied output weights)."""
        return ops.matmul(hidden, ops.transpose(self.wte.embeddings))

    def _forward(self, ids, training=None, caches=None, start=0):
        return self.logits(self.hidden_states(ids, training=training, caches=caches, start=start))

    def _check_ids(self, ids, start=0):
        data = ids.data if isinstance(ids, Tensor) else numpy.asarray(ids)
        if data.ndim != 2:
            raise ValueError(f"GPT '{self.name}': expected token ids of shape (batch, time), received shape "
                             f"{tuple(data.shape)}")
        if data.dtype.kind == "f":
            if data.size and not (data == numpy.round(data)).all():
                raise ValueError(f"GPT '{self.name}': token ids must be integers, received non-integer floats")
            data = data.astype("int32")
        elif data.dtype.kind not in "iu":
            raise ValueError(f"GPT '{self.name}': token ids must be integers, received dtype {data.dtype}")
        if data.size and (int(data.min()) < 0 or int(data.max()) >= self.vocab_size):
            raise ValueError(
                f"GPT '{self.name}': token ids must lie in [0, {self.vocab_size}) (vocab_size), received ids "
                f"from {int(data.min())} to {int(data.max())} in a batch of shape {tuple(data.shape)}"
            )
        if start + data.shape[1] > self.block_size:
            raise ValueError(
                f"GPT '{self.name}': a sequence of {data.shape[1]} tokens (shape {tuple(data.shape)}) is longer "
                f"than block_size {self.block_size}; crop it to the last {self.block_size} tokens"
            )
        return data

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.vocab_size,)

    def get_build_config(self):
        """Token ids of any batch and length: loading rebuilds the weights from one (1, 1) call."""
        return {"input_shape": [None, None], "input_dtype": "int32"}

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, "vocab_size": self.vocab_size,
                "block_size": self.block_size, "n_layer": self.n_layer, "n_head": self.n_head,
                "n_embd": self.n_embd, "dropout": self.dropout, "bias": self.bias,
                "tokenizer": None if self.tokenizer is None else self.tokenizer.get_config()}

    # ---- generation --------------------------------------------------------------------
    def generate(self, ids, max_new_tokens, temperature=1.0, top_k=None, seed=None, use_cache=True):
        """Sample ``max_new_tokens`` tokens after ``ids``, one at a time.

            p(next) = softmax(logits[-1] / temperature), restricted to the top_k largest logits

        A prompt longer than ``block_size`` is cropped to its last ``block_size`` tokens (as
        nanoGPT does); the model is only ever run on at most ``block_size`` positions.

        With ``use_cache`` (default) the keys and values of past positions are kept (a KV cache)
        and each new token costs one position's forward pass. The cache holds block_size
        positions; when it is full, the last block_size // 2 tokens are run again to refill it
        (positions restart at 0), so past block_size tokens the model conditions on the last
        block_size // 2 to block_size tokens. Without the cache each token reruns the model on
        the last block_size tokens (nanoGPT's loop): the two agree token for token until the
        sequence reaches block_size.

        Args:
            ids: (batch, T) or (T,) integer ids, or a string when the model has a tokenizer.
            max_new_tokens: how many tokens to add.
            temperature: > 0 divides the logits (< 1 sharper); 0 picks the most likely token.
            top_k: keep only the k most likely tokens (None: all).
            seed: an int for a reproducible sample (same seed, same text), or None.
            use_cache: use the KV cache (see above).
        Returns:
            The ids with the new tokens appended (same rank as given), or a string for a string.
        """
        as_text = isinstance(ids, str)
        if as_text:
            if self.tokenizer is None:
                raise ValueError(f"GPT '{self.name}': a text prompt needs a model built with a tokenizer")
            ids = self.tokenizer.encode(ids)
        ids = numpy.asarray(ids.numpy() if hasattr(ids, "numpy") else ids)
        single = ids.ndim == 1
        ids = ids[None] if single else ids
        if ids.ndim != 2 or ids.shape[1] == 0:
            raise ValueError(f"GPT '{self.name}': generate needs a non-empty prompt of shape (batch, T) or (T,), "
                             f"received shape {ids.shape}")
        if temperature < 0 or (top_k is not None and not 1 <= top_k):
            raise ValueError(f"GPT '{self.name}': generate needs temperature >= 0 and top_k >= 1, received "
                             f"temperature={temperature}, top_k={top_k}")
        self._check_ids(ids[:, -self.block_size:])
        rng = numpy.random.default_rng(seed)
        step = self._cached_steps if use_cache else self._uncached_steps
        with no_grad():
            out = step(ids.astype("int32"), max_new_tokens, lambda logits: _sample(logits, temperature, top_k, rng))
        out = out[0] if single else out
        return self.tokenizer.decode(out) if as_text else out

    def _uncached_steps(self, ids, count, sample):
        for _ in range(count):
            logits = self._forward(ids[:, -self.block_size:], training=False)
            ids = numpy.concatenate([ids, sample(backend.to_numpy(logits.data[:, -1]))[:, None]], axis=1)
        return ids

    def _cached_steps(self, ids, count, sample):
        caches, logits = self._prime(ids[:, -self.block_size:])
        for _ in range(count):
            ids = numpy.concatenate([ids, sample(backend.to_numpy(logits.data[:, -1]))[:, None]], axis=1)
            filled = caches[0]["k"].shape[2]
            if filled == self.block_size:
                caches, logits = self._prime(ids[:, -(self.block_size // 2 or 1):])
            else:
                logits = self._forward(ids[:, -1:], training=False, caches=caches, start=filled)
        return ids

    def _prime(self, ids):
        caches = [{} for _ in self.blocks]
        return caches, self._forward(ids, training=False, caches=caches)


def _sample(logits, temperature, top_k, rng):
    """One id per row of ``logits`` (batch, vocab): softmax(logits/temperature) over the top_k."""
    logits = logits.astype("float64")
    if temperature == 0:
        return logits.argmax(axis=-1).astype("int32")
    logits = logits / temperature
    if top_k is not None and top_k < logits.shape[-1]:
        kth = numpy.partition(logits, -top_k, axis=-1)[:, -top_k][:, None]
        logits = numpy.where(logits < kth, -numpy.inf, logits)
    p = numpy.exp(logits - logits.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    u = rng.random((len(p), 1))
    return numpy.minimum((p.cumsum(axis=-1) < u).sum(axis=-1), p.shape[-1] - 1).astype("int32")


def shakespeare_char_gpt(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=0.0, **kwargs):
    """The GPT of nanoGPT's shakespeare_char CPU recipe: 4 layers, 4 heads, 128 wide, block 64
    (804,096 parameters with its 65-character vocabulary), built; ``nerve train gpt`` trains it."""
    model = GPT(vocab_size, block_size, n_layer, n_head, n_embd, dropout=dropout, **kwargs)
    model.build_from_config(model.get_build_config())
    return model

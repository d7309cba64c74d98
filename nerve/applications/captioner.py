"""Show and Tell: a CNN encodes the image, an LSTM writes its caption word by word.

Vinyals, Toshev, Bengio and Erhan, "Show and Tell: A Neural Image Caption Generator", CVPR 2015.
The CNN's features set the LSTM's initial state (h₀, c₀); each step reads the previous word's
embedding and predicts the next word:

    p(w_t | image, w_<t) = softmax(W · h_t),   h_t, c_t = LSTM(embed(w_{t−1}), h_{t−1}, c_{t−1})

Training uses teacher forcing: the true previous word is fed at every step and the loss is the
cross-entropy of each next word (padding left out). Decoding feeds back the model's own words:
greedily (the most likely word each step) or by beam search (the ``beam_width`` most likely
partial captions kept at every step, ranked by total log-probability).
"""

import numpy

from .. import layers
from ..models import Model

PAD, START, END = "<pad>", "<start>", "<end>"


class CaptionVocabulary:
    """Words <-> ids: 0 is padding, 1 starts a caption, 2 ends it, then the words in sorted order."""

    def __init__(self, words):
        words = sorted(set(words) - {PAD, START, END})
        self.words = [PAD, START, END] + words
        self.index = {word: i for i, word in enumerate(self.words)}

    @classmethod
    def from_captions(cls, captions):
        return cls(word for caption in captions for word in caption.split())

    def __len__(self):
        return len(self.words)

    def encode(self, captions, length):
        """(n, length + 1) ids: <start> words <end>, padded with 0; a word not in the vocabulary is an error."""
        ids = numpy.zeros((len(captions), length + 1), numpy.int32)
        for row, caption in enumerate(captions):
            words = caption.split()
            if len(words) + 2 > length + 1:
                raise ValueError(f"CaptionVocabulary: caption {caption!r} has {len(words)} words; at most "
                                 f"{length - 1} fit in {length} steps")
            unknown = [w for w in words if w not in self.index]
            if unknown:
                raise ValueError(f"CaptionVocabulary: caption {caption!r} has words outside the vocabulary: {unknown}")
            ids[row, :len(words) + 2] = [self.index[START]] + [self.index[w] for w in words] + [self.index[END]]
        return ids

    def decode(self, ids):
        """The words of ``ids`` up to the first <end> (padding and <start> dropped)."""
        words = []
        for i in ids:
            i = int(i)
            if i == self.index[END]:
                break
            if i >= len(self.words):
                raise ValueError(f"CaptionVocabulary: id {i} is outside the vocabulary of {len(self.words)} words")
            if i > self.index[END]:
                words.append(self.words[i])
        return " ".join(words)


def Captioner(vocabulary_size=25, steps=20, input_shape=(64, 64, 1), filters=(16, 32, 32), units=256,
              embedding_dim=64, name="captioner"):
    """The Show-and-Tell model for teacher forcing: ([images, words (batch, steps)]) -> logits (batch, steps, V).

    The encoder is three Conv-Conv-MaxPool blocks, flattened (the layout matters: "to the left of")
    into Dense layers ``init_h`` (tanh) and ``init_c`` giving the LSTM's initial state; the decoder
    is ``embedding`` (mask_zero) -> ``lstm`` -> ``logits``. :func:`decoder_parts` takes them apart
    for step-by-step decoding. The defaults fit mnist_scenes' captions (25 words with the three
    markers, at most 20 steps).
    """
    image = layers.Input(shape=tuple(input_shape), name="image")
    x = image
    for block, width in enumerate(filters, start=1):
        x = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"block{block}_conv1")(x)
        x = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"block{block}_conv2")(x)
        x = layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
    features = layers.Dense(units, activation="relu", name="features")(layers.Flatten(name="flatten")(x))
    h0 = layers.Dense(units, activation="tanh", name="init_h")(features)
    c0 = layers.Dense(units, name="init_c")(features)
    words = layers.Input(shape=(steps,), dtype="int32", name="words")
    embedded = layers.Embedding(vocabulary_size, embedding_dim, mask_zero=True, name="embedding")(words)
    lstm = layers.LSTM(units, return_sequences=True, return_state=True, name="lstm")   # states: for decoding
    sequence, _, _ = lstm(embedded, initial_state=[h0, c0])
    logits = layers.Dense(vocabulary_size, name="logits")(sequence)
    return Model([image, words], logits, name=name)


def decoder_parts(model):
    """(encoder image -> [h₀, c₀], embedding, lstm, logits) of a :func:`Captioner`, sharing its weights."""
    encoder = Model(model.inputs[0], [model.get_layer("init_h").output, model.get_layer("init_c").output])
    return encoder, model.get_layer("embedding"), model.get_layer("lstm"), model.get_layer("logits")


def _step(parts, tokens, state):
    """One decoding step for a batch: log-probabilities of the next word, and the new state."""
    _, embedding, lstm, head = parts
    out, h, c = lstm(embedding(tokens[:, None]), initial_state=list(state))
    logits = numpy.asarray(head(out).numpy()[:, 0], numpy.float64)
    logits -= logits.max(axis=1, keepdims=True)
    return logits - numpy.log(numpy.exp(logits).sum(axis=1, keepdims=True)), (h, c)


def greedy_decode(parts, images, max_steps, start=1, end=2):
    """The most likely word at every step, fed back, until <end> or ``max_steps`` words: (n, ≤ max_steps) ids."""
    from ..autodiff import no_grad
    with no_grad():
        state = parts[0](images)
        tokens = numpy.full(len(images), start, numpy.int32)
        out, done = [], numpy.zeros(len(images), bool)
        for _ in range(max_steps):
            log_probs, state = _step(parts, tokens, state)
            tokens = log_probs.argmax(axis=1).astype(numpy.int32)
            out.append(numpy.where(done, end, tokens))
            done |= tokens == end
            if done.all():
                break
    return numpy.stack(out, axis=1)


def beam_search(step, initial_state, beam_width, max_steps, start=1, end=2):
    """Beam search over one caption: the ids of the best-scoring finished sequence.

    ``step(tokens (k,), state) -> (log_probs (k, V), state)`` advances ``k`` partial captions at
    once (the state is a list of arrays with the beams on axis 0). At every step each live beam is
    extended by every word; the ``beam_width`` best extensions by total log-probability survive; a
    beam that emits <end> is finished. The best finished caption (by total log-probability) wins;
    beams still open after ``max_steps`` count as finished there.
    """
    beams = [((), 0.0)]
    state = [numpy.asarray(getattr(s, "data", s)) for s in initial_state]
    finished = []
    for _ in range(max_steps):          # (for-else: the open beams count as finished after max_steps)
        tokens = numpy.asarray([seq[-1] if seq else start for seq, _ in beams], numpy.int32)
        log_probs, new_state = step(tokens, state)
        new_state = [numpy.asarray(getattr(s, "data", s)) for s in new_state]
        scores = numpy.asarray([score for _, score in beams])[:, None] + log_probs
        flat = numpy.argsort(-scores, axis=None, kind="stable")[:beam_width]
        rows, words = numpy.unravel_index(flat, scores.shape)
        next_beams, keep = [], []
        for row, word in zip(rows, words):
            sequence = beams[row][0] + (int(word),)
            if word == end:
                finished.append((sequence, float(scores[row, word])))
            else:
                next_beams.append((sequence, float(scores[row, word])))
                keep.append(row)
        if not next_beams or (finished and max(s for _, s in finished) >= max(s for _, s in next_beams)):
            break                       # no open beam can overtake the best finished one: scores only fall
        beams = next_beams
        state = [s[numpy.asarray(keep)] for s in new_state]
    else:
        finished.extend(beams)
    best = max(finished, key=lambda item: item[1])
    return numpy.asarray(best[0], numpy.int32)


def beam_decode(parts, images, beam_width, max_steps, start=1, end=2):
    """:func:`beam_search` for each image with the captioner's layers; a list of id arrays."""
    from ..autodiff import no_grad
    results = []
    with no_grad():
        h, c = parts[0](images)
        for i in range(len(images)):
            initial = [h.numpy()[i:i + 1], c.numpy()[i:i + 1]]
            results.append(beam_search(lambda tokens, state: _step(parts, tokens, state), initial, beam_width,
                                       max_steps, start, end))
    return results

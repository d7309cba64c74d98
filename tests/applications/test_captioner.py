"""Show and Tell: the vocabulary, beam search on a fixed toy model, greedy = beam of width 1."""

import numpy as np
import pytest

import nerve
from nerve.applications.captioner import (CaptionVocabulary, Captioner, beam_decode, beam_search, decoder_parts,
                                          greedy_decode)


def test_vocabulary_round_trip_and_errors():
    vocabulary = CaptionVocabulary.from_captions(["a seven to the left of a two", "a large one"])
    assert vocabulary.words[:3] == ["<pad>", "<start>", "<end>"] and len(vocabulary) == 12
    ids = vocabulary.encode(["a large one"], 6)
    assert ids.shape == (1, 7) and ids[0, 0] == 1 and ids[0, 4] == 2 and (ids[0, 5:] == 0).all()
    assert vocabulary.decode(ids[0]) == "a large one"
    with pytest.raises(ValueError, match=r"outside the vocabulary: \['nine'\]"):
        vocabulary.encode(["a nine"], 6)
    with pytest.raises(ValueError, match="at most 3"):
        vocabulary.encode(["a seven to the left"], 4)


# next-word probabilities of a toy model that sees only the last word (1 <start>, 2 <end>, 3 A, 4 B)
TABLE = {1: {3: 0.6, 4: 0.4}, 3: {2: 0.3, 3: 0.35, 4: 0.35}, 4: {2: 0.9, 3: 0.05, 4: 0.05}}


def _toy_step(tokens, state):
    log_probs = np.full((len(tokens), 5), -np.inf)
    for row, token in enumerate(tokens):
        for word, p in TABLE[int(token)].items():
            log_probs[row, word] = np.log(p)
    return log_probs, state


def test_beam_search_finds_what_greedy_misses():
    state = [np.zeros((1, 1))]
    # greedy (width 1) takes A (0.6) and then never ends: A A A after three steps
    np.testing.assert_array_equal(beam_search(_toy_step, state, 1, 3), [3, 3, 3])
    # width 2 keeps B (0.4), whose ending (0.4 x 0.9 = 0.36) beats every continuation of A
    np.testing.assert_array_equal(beam_search(_toy_step, state, 2, 3), [4, 2])


def test_greedy_equals_beam_of_width_one():
    nerve.utils.set_random_seed(0)
    model = Captioner(vocabulary_size=7, steps=5, input_shape=(16, 16, 1), filters=(2, 2, 2), units=8,
                      embedding_dim=4)
    images = np.random.default_rng(0).random((3, 16, 16, 1)).astype("float32")
    parts = decoder_parts(model)
    greedy = greedy_decode(parts, images, max_steps=5)
    for row, beam in zip(greedy, beam_decode(parts, images, beam_width=1, max_steps=5)):
        ends = np.flatnonzero(row == 2)
        expected = row[:ends[0] + 1] if len(ends) else row
        np.testing.assert_array_equal(beam, expected)


def test_bleu4_is_sacrebleus():
    pytest.importorskip("sacrebleu")
    from nerve.applications.captioning_run import bleu4
    assert bleu4(["a seven to the left of a two"], ["a seven to the left of a two"]) == pytest.approx(100.0)
    assert bleu4(["a seven"], ["a large two above a one"]) < 10

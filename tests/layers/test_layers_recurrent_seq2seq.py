"""An image-captioning shape of model (issue 16): CNN features -> the LSTM's initial states; the LSTM
reads the caption with teacher forcing. It is expressible as a functional model, learns, sends its
gradient back into the CNN through the initial states, and decodes step by step with the same layers."""

import numpy as np

import nerve
from nerve import layers

VOCAB, STEPS, UNITS = 6, 5, 16


def captioner():
    image = nerve.Input((8, 8, 1))
    features = layers.GlobalAveragePooling2D()(layers.Conv2D(8, 3, activation="relu")(image))
    h0 = layers.Dense(UNITS, activation="tanh", name="init_h")(features)
    c0 = layers.Dense(UNITS, name="init_c")(features)
    tokens = nerve.Input((STEPS,), dtype="int32")
    embedding = layers.Embedding(VOCAB, 8, mask_zero=True)
    lstm = layers.LSTM(UNITS, return_sequences=True, return_state=True)
    head = layers.Dense(VOCAB)
    sequence, _, _ = lstm(embedding(tokens), initial_state=[h0, c0])
    model = nerve.Model([image, tokens], head(sequence))
    encoder = nerve.Model(image, [h0, c0])
    return model, encoder, embedding, lstm, head


def data(n, rng):
    """Two classes of images (bright top or bright bottom); each has its own caption."""
    labels = rng.integers(0, 2, n)
    images = rng.random((n, 8, 8, 1)).astype("float32") * 0.2
    images[labels == 0, :4] += 1.0
    images[labels == 1, 4:] += 1.0
    captions = np.array([[1, 2, 3, 4, 5, 0], [1, 4, 2, 5, 3, 0]])[labels]     # <start> w w w w <end>
    return images, captions[:, :-1], captions[:, 1:]                        # teacher forcing


def test_captioner_learns_with_teacher_forcing_and_decodes_greedily(rng):
    nerve.utils.set_random_seed(0)
    model, encoder, embedding, lstm, head = captioner()
    images, inputs, targets = data(64, rng)
    model.compile(optimizer=nerve.optimizers.Adam(0.02),
                  loss=nerve.losses.SparseCategoricalCrossentropy(from_logits=True))
    conv = next(layer for layer in model.layers if isinstance(layer, layers.Conv2D))
    before = conv.get_weights()[0].copy()
    history = model.fit([images, inputs], targets, batch_size=16, epochs=15, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.2 * losses[0], losses
    assert not np.allclose(conv.get_weights()[0], before)      # the gradient reached the CNN

    # greedy decoding, one step at a time with the states carried: the same layers, no teacher
    test_images, _, test_targets = data(8, rng)
    h, c = encoder(test_images)
    token = np.ones((8, 1), "int32")                            # <start>
    decoded = []
    for _ in range(STEPS):
        out, h, c = lstm(embedding(token), initial_state=[h, c])
        token = np.argmax(head(out).numpy(), axis=-1).astype("int32")
        decoded.append(token[:, 0])
    np.testing.assert_array_equal(np.stack(decoded, axis=1), test_targets)


def test_step_by_step_equals_the_whole_sequence(rng):
    model, encoder, embedding, lstm, head = captioner()
    images, inputs, _ = data(4, rng)
    whole = model([images, inputs]).numpy()
    h, c = encoder(images)
    for t in range(STEPS):
        out, h, c = lstm(embedding(inputs[:, t:t + 1]), initial_state=[h, c])
        np.testing.assert_allclose(head(out).numpy()[:, 0], whole[:, t], rtol=1e-5, atol=1e-5)

"""Training resumes exactly: 2 epochs, save, load, 1 epoch == 3 epochs, bit for bit, with shuffling,
Dropout (global and seeded) and augmentation on; loading draws no random numbers."""

import numpy as np
import pytest

import nerve
from nerve import backend, layers


def _model():
    return nerve.Sequential([
        nerve.Input((4, 4, 1)),
        layers.RandomFlip("horizontal"),                 # augmentation from the global generator
        layers.RandomTranslation(0.2, 0.2, seed=5),      # augmentation from its own generator
        layers.Flatten(),
        layers.Dense(16, activation="relu"),
        layers.Dropout(0.3),                            # the global generator
        layers.Dropout(0.2, seed=3),                    # its own generator
        layers.Dense(3, activation="softmax"),
    ])


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(48, 4, 4, 1)).astype("float32"), rng.integers(0, 3, 48)


def _compiled():
    model = _model()
    model.compile(nerve.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    return model


def test_two_epochs_save_load_one_epoch_equals_three_epochs(tmp_path):
    x, y = _data()
    nerve.utils.set_random_seed(1)
    straight = _compiled()
    straight.fit(x, y, epochs=3, batch_size=8, shuffle=True, verbose=0)

    nerve.utils.set_random_seed(1)
    first = _compiled()
    first.fit(x, y, epochs=2, batch_size=8, shuffle=True, verbose=0)
    first.save(tmp_path / "m.nerve")
    backend.rng().normal(size=1000)                     # the process draws on: the file remembers
    nerve.utils.set_random_seed(99)
    resumed = nerve.models.load_model(tmp_path / "m.nerve")
    resumed.fit(x, y, epochs=3, initial_epoch=2, batch_size=8, shuffle=True, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_loading_draws_no_random_numbers(tmp_path):
    model = _compiled()
    model.fit(*_data(), epochs=1, batch_size=16, verbose=0)
    model.save(tmp_path / "m.nerve")
    nerve.utils.set_random_seed(7)
    expected = np.random.default_rng(7).normal(size=3)  # what the global generator gives next
    nerve.models.load_model(tmp_path / "m.nerve", compile=False)
    np.testing.assert_array_equal(backend.rng().normal(size=3), expected)


def test_a_tampered_random_state_is_refused(tmp_path):
    import io
    import json
    import zipfile
    model = _compiled()
    model.fit(*_data(), epochs=1, batch_size=16, verbose=0)
    model.save(tmp_path / "m.nerve")
    with zipfile.ZipFile(tmp_path / "m.nerve") as z:
        members = {n: z.read(n) for n in z.namelist()}
    state = json.loads(members["random_state.json"])
    for edit in ({"bit_generator": "MT19937"}, {"has_uint32": 7}):
        bad = json.loads(json.dumps(state))
        bad["global"].update(edit)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            for name, data in dict(members, **{"random_state.json": json.dumps(bad)}).items():
                z.writestr(name, data)
        (tmp_path / "bad.nerve").write_bytes(buffer.getvalue())
        with pytest.raises(ValueError, match="not a valid PCG64 state"):
            nerve.models.load_model(tmp_path / "bad.nerve")

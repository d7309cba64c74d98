"""What fit promises around the optimizer (Keras 3): the loss is scaled by ``scale_loss`` before the
gradient (and divided out in ``apply``), and ``finalize_variable_values`` runs when fit ends, so
``use_ema=True`` leaves the averaged weights in the model."""

import numpy as np

import nerve
from nerve import layers, optimizers


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 3)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")


def _fit(optimizer, epochs=1, **fit_kwargs):
    nerve.utils.set_random_seed(1)
    model = nerve.Sequential([nerve.Input((3,)), layers.Dense(1)])
    model.compile(optimizer, "mse")
    x, y = _data()
    model.fit(x, y, batch_size=4, epochs=epochs, shuffle=False, verbose=0, **fit_kwargs)
    return model


def test_loss_scale_factor_is_applied_and_divided_out():
    seen = []

    class Recording(optimizers.SGD):
        def apply(self, grads, trainable_variables=None):
            seen.append(np.array(grads[0].data))
            return super().apply(grads, trainable_variables)

    plain = _fit(optimizers.SGD(0.05))
    scaled_opt = Recording(0.05, loss_scale_factor=128.0)
    scaled = _fit(scaled_opt)
    for a, b in zip(plain.get_weights(), scaled.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)       # the same step, not 128x smaller
    # the gradient apply() received is the scaled loss's gradient: 128x the plain one
    unscaled_opt = Recording(0.05)
    _fit(unscaled_opt)
    np.testing.assert_allclose(seen[0], 128.0 * seen[len(seen) // 2], rtol=1e-5)


def test_use_ema_weights_are_copied_in_when_fit_ends():
    opt = optimizers.SGD(0.05, use_ema=True, ema_momentum=0.5)
    model = _fit(opt, epochs=2)
    averages = [opt._slot(opt._ema, w).numpy() for w in model.trainable_weights]
    for w, average in zip(model.trainable_weights, averages):
        np.testing.assert_array_equal(w.numpy(), average)
    plain = _fit(optimizers.SGD(0.05), epochs=2)                    # the raw iterate differs from its average
    assert not np.allclose(plain.get_weights()[0], model.get_weights()[0])


def test_a_custom_train_step_is_what_fit_runs():
    calls = []

    class Custom(nerve.Sequential):
        def train_step(self, data):
            calls.append(len(data[0]))
            return super().train_step(data)

    model = Custom([nerve.Input((3,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = _data()
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert calls == [8, 8, 8, 8]

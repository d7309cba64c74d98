"""FCN: bilinear upsampling initialisation, the three variants' shapes, a short fit that learns."""

import numpy as np
import pytest

import nerve
from nerve import layers, ops
from nerve.applications.fcn import FCN, bilinear_kernel


@pytest.mark.parametrize("factor", [2, 8, 32])
def test_bilinear_kernel_upsamples_as_bilinear_resize(factor):
    inputs = nerve.Input((4, 4, 2))
    up = layers.Conv2DTranspose(2, 2 * factor, strides=factor, padding="same", use_bias=False)
    model = nerve.Model(inputs, up(inputs))
    up.set_weights([bilinear_kernel((2 * factor, 2 * factor, 2, 2))])
    x = np.random.default_rng(0).random((1, 4, 4, 2)).astype(np.float32)
    expected = np.asarray(ops.image.resize(x, (4 * factor, 4 * factor), interpolation="bilinear").data)
    got = model.predict(x, verbose=0)
    inner = slice(factor, -factor)                    # the border differs: resize clamps, the kernel sees zeros
    np.testing.assert_allclose(got[:, inner, inner], expected[:, inner, inner], atol=1e-5)


@pytest.mark.parametrize("variant, params", [("32s", 1_447_931), ("16s", 1_078_870), ("8s", 988_593)])
def test_variants(variant, params):
    model = FCN(variant=variant)
    assert model.output_shape == (None, 64, 64, 11)
    assert model.count_params() == params
    assert ("score_pool3" in [layer.name for layer in model.layers]) == (variant == "8s")


def test_bad_arguments():
    with pytest.raises(ValueError, match="multiples of 32"):
        FCN(input_shape=(60, 64, 1))
    with pytest.raises(ValueError, match="variant"):
        FCN(variant="4s")


def test_a_short_fit_learns_a_mask():
    from nerve.vision import segmentation_iou
    nerve.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = np.zeros((16, 32, 32, 1), np.float32)
    y = np.zeros((16, 32, 32), np.int64)
    for i in range(16):                                  # a bright square is class 1
        r, c = rng.integers(0, 20, 2)
        x[i, r:r + 12, c:c + 12] = 1.0
        y[i, r:r + 12, c:c + 12] = 1
    model = FCN(input_shape=(32, 32, 1), classes=2, filters=(8, 8, 8, 8, 8), head=16)
    model.compile(optimizer=nerve.optimizers.Adam(1e-2),
                  loss=nerve.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, batch_size=16, epochs=30, verbose=0)
    assert history.history["loss"][-1] < 0.4 * history.history["loss"][0]
    per_class, _ = segmentation_iou(y, model.predict(x, verbose=0).argmax(-1), 2)
    assert per_class[1] > 0.4                            # the squares are found, not only the background

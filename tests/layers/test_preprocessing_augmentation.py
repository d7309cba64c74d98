"""Augmentation layers: shapes, identity at inference, per-sample draws, seeds, exact geometry."""

import numpy as np
import pytest

import nerve
import numpy_reference as ref
from nerve import layers
from nerve.layers.preprocessing.image_warp import affine_warp, rotation_matrices

RANDOM_LAYERS = [
    lambda: layers.RandomFlip(),
    lambda: layers.RandomBrightness(0.3),
    lambda: layers.RandomContrast(0.5),
    lambda: layers.RandomZoom(0.3),
    lambda: layers.RandomZoom((-0.3, 0.2), (0.1, 0.4), fill_mode="constant", interpolation="nearest"),
    lambda: layers.RandomTranslation(0.2, 0.3),
    lambda: layers.RandomTranslation((-0.2, 0.1), 0.3, fill_mode="wrap"),
    lambda: layers.RandomRotation(0.2),
    lambda: layers.RandomRotation(0.1, fill_mode="nearest"),
]


@pytest.fixture
def images(rng):
    return (rng.random((6, 9, 11, 3)) * 255).astype("float32")


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layer_shape_dtype_inference_identity(make, images):
    layer = make()
    out = layer(images, training=True).numpy()
    assert out.shape == images.shape and out.dtype == np.float32
    assert not np.allclose(out, images)
    np.testing.assert_array_equal(layer(images, training=False).numpy(), images)
    single = layer(images[0], training=True)
    assert single.shape == images.shape[1:]


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layer_reproducible_with_seed(make, images):
    nerve.utils.set_random_seed(7)
    first = make()(images, training=True).numpy()
    nerve.utils.set_random_seed(7)
    second = make()(images, training=True).numpy()
    np.testing.assert_array_equal(first, second)
    third = make()(images, training=True).numpy()     # the generator moved on
    assert not np.array_equal(first, third)


def test_layer_seed_gives_its_own_generator(images):
    a = layers.RandomRotation(0.2, seed=3)(images, training=True).numpy()
    nerve.utils.set_random_seed(123)
    b = layers.RandomRotation(0.2, seed=3)(images, training=True).numpy()
    np.testing.assert_array_equal(a, b)


def test_parameters_are_drawn_per_sample():
    batch = np.ones((64, 4, 4, 1), "float32") * 100
    out = layers.RandomBrightness(0.2)(batch, training=True).numpy()
    per_image = out.reshape(64, -1)
    assert np.allclose(per_image, per_image[:, :1])           # one offset per image
    assert len(np.unique(per_image[:, 0])) == 64               # different images, different offsets
    assert np.all(np.abs(per_image[:, 0] - 100) <= 0.2 * 255 + 1e-3)


def test_random_flip_flips_each_image_or_not(images):
    out = layers.RandomFlip("horizontal")(np.repeat(images[:1], 32, 0), training=True).numpy()
    flipped = np.array([np.array_equal(o, images[0, :, ::-1]) for o in out])
    kept = np.array([np.array_equal(o, images[0]) for o in out])
    assert np.all(flipped | kept) and flipped.any() and kept.any()
    out = layers.RandomFlip("vertical")(images, training=True).numpy()
    assert all(np.array_equal(o, i) or np.array_equal(o, i[::-1]) for o, i in zip(out, images))


def test_random_crop_windows_come_from_the_image(images):
    layer = layers.RandomCrop(5, 6)
    out = layer(images, training=True).numpy()
    assert out.shape == (6, 5, 6, 3)
    for o, image in zip(out, images):
        found = [(t, l) for t in range(5) for l in range(6) if np.array_equal(image[t:t + 5, l:l + 6], o)]
        assert found
    centre = layer(images, training=False).numpy()   # inference: largest centred window, resized (Keras)
    expected = layers.Resizing(5, 6, crop_to_aspect_ratio=True)(images).numpy()
    np.testing.assert_array_equal(centre, expected)
    assert layer.compute_output_shape((None, 9, 11, 3)) == (None, 5, 6, 3)


def test_random_crop_upsamples_small_images():
    out = layers.RandomCrop(8, 8)(np.ones((2, 4, 6, 1), "float32"), training=True)
    assert out.shape == (2, 8, 8, 1)


def test_rotation_by_a_quarter_turn_is_rot90(rng):
    image = rng.random((1, 7, 7, 2)).astype("float32")
    out = layers.RandomRotation((0.25, 0.25))(image, training=True).numpy()
    np.testing.assert_allclose(out[0], np.rot90(image[0]), atol=1e-5)   # counter-clockwise


def test_translation_by_whole_pixels_is_a_roll(rng):
    image = rng.random((1, 10, 8, 1)).astype("float32")
    layer = layers.RandomTranslation((0.2, 0.2), (-0.25, -0.25), fill_mode="wrap", interpolation="nearest")
    out = layer(image, training=True).numpy()
    np.testing.assert_array_equal(out, np.roll(image, (2, -2), axis=(1, 2)))


def test_zoom_in_twice_reads_the_centre(rng):
    image = rng.random((1, 9, 9, 1)).astype("float32")
    out = layers.RandomZoom((-0.5, -0.5))(image, training=True).numpy()
    np.testing.assert_allclose(out[0, ::2, ::2], image[0, 2:7, 2:7], atol=1e-6)   # scale 1/2 about 4


@pytest.mark.parametrize("mode, expected", [
    ("reflect", [1, 0, 0, 1, 2, 3, 3, 2]),
    ("wrap", [2, 3, 0, 1, 2, 3, 0, 1]),
    ("nearest", [0, 0, 0, 1, 2, 3, 3, 3]),
    ("constant", [9, 9, 0, 1, 2, 3, 9, 9]),
])
def test_fill_modes(mode, expected):
    row = np.arange(4, dtype="float32").reshape(1, 1, 4, 1)
    matrix = np.array([[[1, 0, 0], [0, 1, -2]]], "float32")      # x_in = x - 2, 8 columns out
    out = affine_warp(row, matrix, (1, 8), "nearest", mode, fill_value=9)
    np.testing.assert_array_equal(out.ravel(), expected)


@pytest.mark.parametrize("fill_value", [0.0, -2.0])
def test_bilinear_warp_matches_numpy_reference(rng, fill_value):
    images = rng.random((3, 6, 7, 2)).astype("float32")
    matrices = rotation_matrices(np, rng.uniform(-1, 1, 3), 6, 7, "float32")
    ours = affine_warp(images, matrices, None, "bilinear", "constant", fill_value)
    np.testing.assert_allclose(ours, ref.bilinear_warp(images, matrices, fill_value), atol=1e-5)


def test_bilinear_warp_matches_torch_grid_sample(torch, rng):
    images = rng.random((3, 6, 7, 2)).astype("float32")
    angles = rng.uniform(-1, 1, 3)
    matrices = rotation_matrices(np, angles, 6, 7, "float32")
    ours = affine_warp(images, matrices, None, "bilinear", "constant", 0.0)
    ys, xs = np.meshgrid(np.arange(6), np.arange(7), indexing="ij")
    src_y = matrices[:, 0, 0, None, None] * ys + matrices[:, 0, 1, None, None] * xs + matrices[:, 0, 2, None, None]
    src_x = matrices[:, 1, 0, None, None] * ys + matrices[:, 1, 1, None, None] * xs + matrices[:, 1, 2, None, None]
    grid = np.stack([src_x / 6 * 2 - 1, src_y / 5 * 2 - 1], -1).astype("float32")   # align_corners=True
    ref = torch.nn.functional.grid_sample(torch.tensor(images).permute(0, 3, 1, 2), torch.tensor(grid),
                                          mode="bilinear", padding_mode="zeros", align_corners=True)
    np.testing.assert_allclose(ours, ref.permute(0, 2, 3, 1).numpy(), atol=1e-5)


def test_color_value_ranges(images):
    unit = images / 255
    out = layers.RandomBrightness(0.9, value_range=(0, 1))(unit, training=True).numpy()
    assert out.min() >= 0 and out.max() <= 1
    out = layers.RandomContrast((0.0, 3.0), value_range=(0, 255))(images, training=True).numpy()
    assert out.min() >= 0 and out.max() <= 255
    contrast = layers.RandomContrast(0.5, value_range=(-1e9, 1e9))(images, training=True).numpy()
    np.testing.assert_allclose(contrast.mean(axis=(1, 2)), images.mean(axis=(1, 2)), rtol=1e-4)


def test_integer_images_become_float():
    out = layers.RandomFlip()(np.zeros((2, 4, 4, 1), "uint8"), training=True)
    assert out.dtype == np.float32


def test_inside_a_model_fit_augments_and_predict_does_not(images):
    model = nerve.Sequential([nerve.Input((9, 11, 3)), layers.RandomRotation(0.3)])
    np.testing.assert_array_equal(model.predict(images, verbose=0), images)
    assert not np.allclose(model(images, training=True).numpy(), images)


@pytest.mark.parametrize("bad", [
    lambda: layers.RandomFlip("diagonal"),
    lambda: layers.RandomZoom(1.5),
    lambda: layers.RandomRotation((0.1, 0.2, 0.3)),
    lambda: layers.RandomTranslation(0.1, 0.1, fill_mode="mirror"),
    lambda: layers.RandomCrop(0, 3),
    lambda: layers.RandomBrightness(0.1, value_range=(0,)),
])
def test_bad_arguments_raise_value_error(bad):
    with pytest.raises(ValueError):
        bad()


def test_rank_is_checked():
    with pytest.raises(ValueError, match="rank 4"):
        layers.RandomFlip()(np.zeros((4, 4), "float32"))


def test_config_round_trip():
    layer = layers.RandomZoom((-0.2, 0.1), 0.3, fill_mode="constant", fill_value=1.0, seed=5)
    clone = layers.RandomZoom.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config() | {"name": clone.name}

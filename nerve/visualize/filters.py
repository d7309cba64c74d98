"""What a convnet learned: its first filters beside hand-designed ones, and feature maps."""

import numpy

from ..autodiff import no_grad
from ..tensor import Tensor
from ._figure import as_numpy, new_figure, save, show_image


def classic_filters():
    """Hand-designed 2-D filters of classical image processing, as {name: array}."""
    sobel_x = numpy.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype="float32")
    grid = numpy.arange(5, dtype="float32") - 2
    gaussian = numpy.exp(-(grid[:, None] ** 2 + grid[None, :] ** 2) / 2.0)      # sigma = 1
    laplacian = numpy.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype="float32")
    return {"Sobel x (vertical edges)": sobel_x, "Sobel y (horizontal edges)": sobel_x.T,
            "Gaussian σ=1 (blur)": gaussian / gaussian.sum(), "Laplacian (spots)": laplacian}


def conv_layers(model):
    """The 2-D convolution layers of ``model`` (nested models included), in order."""
    found = []
    for layer in _layers_of(model):
        kernel = getattr(layer, "kernel", None)
        if kernel is not None and len(kernel.shape) == 4:
            found.append(layer)
    return found


def plot_filters(model, path=None, max_filters=32):
    """Show the first convolution layer's filters next to classic hand-designed filters.

    Each weight is a pixel: red positive, blue negative, white zero (each filter scaled to
    its own largest |weight|). Filters over several input channels are averaged over them,
    except RGB filters (3 input channels), drawn in colour.

    Args:
        model: a model with a Conv2D layer.
        path: where to write the PNG (None: do not write).
        max_filters: the most filters drawn.

    Returns:
        the matplotlib Figure.
    """
    convs = conv_layers(model)
    if not convs:
        raise ValueError(f"plot_filters: model '{getattr(model, 'name', model)}' has no Conv2D layer")
    layer = convs[0]
    kernel = as_numpy(layer.kernel)                                   # (kh, kw, in, out)
    kh, kw, channels, count = kernel.shape
    shown = min(count, max_filters)
    columns = min(shown, 8)
    rows = -(-shown // columns)
    figure = new_figure(max(columns, 4) * 1.25, 1.35 * rows + 2.3)
    learned, classic = figure.subfigures(2, 1, height_ratios=[1.35 * rows + 0.5, 1.8])
    what = "RGB" if channels == 3 else ("mean over input channels" if channels > 1 else "one input channel")
    learned.suptitle(f"Learned: the {count} filters {kh}x{kw} of '{layer.name}' ({what}); "
                     f"red +, blue −", fontsize=10)
    for i in range(shown):
        axes = learned.add_subplot(rows, columns, i + 1)
        weights = kernel[:, :, :, i]
        if channels == 3:
            low, high = weights.min(), weights.max()
            axes.imshow((weights - low) / (high - low + 1e-12), interpolation="nearest")
        else:
            _diverging(axes, weights.mean(axis=-1))
        axes.set_title(f"#{i}", fontsize=8)
        axes.set_xticks([])
        axes.set_yticks([])
    classic.suptitle("Hand-designed filters, for comparison", fontsize=10)
    for i, (name, weights) in enumerate(classic_filters().items()):
        axes = classic.add_subplot(1, 4, i + 1)
        _diverging(axes, weights)
        axes.set_title(name, fontsize=8)
        axes.set_xticks([])
        axes.set_yticks([])
    return save(figure, path)


def plot_feature_maps(model, image, path=None, max_maps=8):
    """Show one image's feature maps after each convolution layer of ``model``.

    The image goes through the model's layers in order (inference mode); the output of
    every Conv2D layer (after its activation) is drawn, up to ``max_maps`` channels per
    layer, each map scaled to its own range (bright = strong response). Layers whose maps
    are 1x1 are left out.

    Args:
        model: a Sequential model (or any model whose ``layers`` run in a chain).
        image: one image (H, W, C) or (H, W), scaled as the model expects.
        path: where to write the PNG (None: do not write).
        max_maps: the most channels drawn per layer.

    Returns:
        the matplotlib Figure.
    """
    image = as_numpy(image).astype("float32")
    if image.ndim == 2:
        image = image[..., None]
    maps = [(layer, out) for layer, out in _conv_outputs(model, image) if out.shape[0] * out.shape[1] > 1]
    if not maps:
        raise ValueError(f"plot_feature_maps: model '{getattr(model, 'name', model)}' has no Conv2D layer "
                         "with maps larger than 1x1")
    columns = min(max_maps, max(out.shape[-1] for _, out in maps))
    figure = new_figure(1.3 * max(columns, 3), 1.6 * (len(maps) + 1))
    rows = figure.subfigures(len(maps) + 1, 1)
    rows[0].suptitle("Input image; below, each convolution's feature maps (bright = strong response)",
                     fontsize=10)
    show_image(rows[0].add_subplot(1, columns, 1), image)
    for row, (layer, out) in zip(rows[1:], maps):
        height, width, channels = out.shape
        row.suptitle(f"'{layer.name}': {channels} feature maps {height}x{width}"
                     + (f" (first {columns})" if channels > columns else ""), fontsize=10)
        for c in range(min(channels, columns)):
            axes = row.add_subplot(1, columns, c + 1)
            axes.imshow(out[:, :, c], cmap="viridis", interpolation="nearest")
            axes.set_xticks([])
            axes.set_yticks([])
    return save(figure, path)


def _conv_outputs(model, image):
    """(layer, output (H, W, C)) for each convolution, running the layers in order."""
    convs = {id(layer) for layer in conv_layers(model)}
    x = Tensor(image[None])
    results = []
    with no_grad():
        for layer in _chain_of(model):
            x = layer(x, training=False)
            if id(layer) in convs:
                results.append((layer, as_numpy(x)[0]))
    return results


def _chain_of(model):
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def _layers_of(model):
    for layer in getattr(model, "layers", []):
        yield layer
        if getattr(layer, "layers", None):
            yield from _layers_of(layer)


def _diverging(axes, weights):
    bound = float(numpy.abs(weights).max()) or 1.0
    axes.imshow(weights, cmap="RdBu_r", vmin=-bound, vmax=bound, interpolation="nearest")

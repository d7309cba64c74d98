"""Figures on the Agg canvas (no pyplot, no global backend switch), saved as PNG."""

from ..utils.file_utils import atomic_write


def new_figure(width, height, layout="constrained"):
    """A matplotlib Figure of ``width`` x ``height`` inches, attached to an Agg canvas.

    ``layout=None`` leaves the placement to the caller (``subplots_adjust``): much faster
    than the constrained layout for grids of many small images.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    figure = Figure(figsize=(width, height), layout=layout)
    FigureCanvasAgg(figure)
    return figure


def save(figure, path, dpi=110):
    """Write ``figure`` to ``path`` as PNG, atomically (folders created), when a path is given;
    return the figure."""
    if path is not None:
        with atomic_write(path) as f:
            figure.savefig(f, dpi=dpi, format="png")
    return figure


def as_numpy(value):
    """A NumPy array from an array, a list or a nerve Tensor."""
    import numpy
    if hasattr(value, "numpy") and not isinstance(value, numpy.ndarray):
        value = value.numpy()
    return numpy.asarray(value)


def labels_of(y):
    """Class indices from indices, one-hot rows or probability rows."""
    y = as_numpy(y)
    return y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y)).astype("int64")


def show_image(axes, image):
    """Draw an (H, W), (H, W, 1) or (H, W, 3) image, grayscale or RGB, scaled to [0, 1] if needed."""
    image = as_numpy(image).astype("float32")
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.max() > 1.0:
        image = image / 255.0
    axes.imshow(image.clip(0, 1), cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1,
                interpolation="nearest")
    axes.set_xticks([])
    axes.set_yticks([])

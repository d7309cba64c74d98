"""Pictures of unsupervised learning: PCA projections and spectra, k-means centroids and elbows."""

import numpy

from ._figure import as_numpy, new_figure, save, show_image


def plot_pca_projection(projected, labels=None, path=None, class_names=None, title=None, max_points=20_000):
    """Scatter the samples on their first two principal components, coloured by label.

    Args:
        projected: (n_samples, >= 2) projections, e.g. ``PCA(2).fit_transform(X)``.
        labels: optional (n_samples,) class indices for the colours and the legend.
        path: where to write the PNG (None: do not write).
        class_names: names of the classes (default: their indices).
        max_points: draw at most this many samples (an evenly spaced subset) to keep the picture legible.
    """
    projected = as_numpy(projected)
    if projected.ndim != 2 or projected.shape[1] < 2:
        raise ValueError(f"plot_pca_projection: expected projections of shape (n_samples, >= 2), "
                         f"received {projected.shape}")
    keep = numpy.linspace(0, len(projected) - 1, min(max_points, len(projected))).astype(int)
    figure = new_figure(6.5, 5.5)
    axes = figure.add_subplot(1, 1, 1)
    if labels is None:
        axes.scatter(projected[keep, 0], projected[keep, 1], s=2, alpha=0.5)
    else:
        labels = as_numpy(labels).reshape(-1)[keep]
        classes = numpy.unique(labels)
        colours = _palette(len(classes))
        for colour, c in zip(colours, classes):
            picked = labels == c
            name = class_names[int(c)] if class_names is not None else str(c)
            axes.scatter(projected[keep][picked, 0], projected[keep][picked, 1], s=2, alpha=0.5, color=colour,
                         label=name, rasterized=True)
        legend = axes.legend(markerscale=5, fontsize=8, loc="best", title="label")
        for handle in legend.legend_handles:
            handle.set_alpha(1)
    axes.set_xlabel("principal component 1")
    axes.set_ylabel("principal component 2")
    axes.set_title(title or f"{len(keep)} samples on the first two principal components")
    axes.grid(alpha=0.3)
    return save(figure, path)


def plot_explained_variance(explained_variance_ratio, path=None, marks=(0.5, 0.9, 0.95), title=None):
    """The fraction of variance each principal component explains (bars) and the running total (line),
    with the number of components needed to reach each fraction in ``marks``."""
    ratios = as_numpy(explained_variance_ratio).astype("float64")
    cumulative = numpy.cumsum(ratios)
    k = numpy.arange(1, len(ratios) + 1)
    figure = new_figure(7.0, 4.2)
    axes = figure.add_subplot(1, 1, 1)
    axes.bar(k, ratios, color="tab:blue", alpha=0.6, width=1.0, label="each component")
    twin = axes.twinx()
    twin.plot(k, cumulative, color="tab:orange", linewidth=2, label="cumulative")
    for mark in marks:
        if cumulative[-1] >= mark:
            needed = int(numpy.searchsorted(cumulative, mark) + 1)
            twin.axhline(mark, color="gray", linestyle=":", linewidth=0.8)
            twin.plot([needed], [cumulative[needed - 1]], "o", color="tab:orange")
            twin.annotate(f"{mark:.0%}: {needed} components", (needed, cumulative[needed - 1]),
                          textcoords="offset points", xytext=(8, -12), fontsize=8)
    axes.set_xlabel("principal component")
    axes.set_ylabel("fraction of variance explained")
    twin.set_ylabel("cumulative fraction")
    twin.set_ylim(0, 1.02)
    axes.set_title(title or "explained variance")
    axes.grid(alpha=0.3)
    return save(figure, path)


def plot_centroids(centers, path=None, image_shape=(28, 28), titles=None, columns=5, title=None):
    """Each k-means centre drawn as an image (the mean of its cluster's images).

    Args:
        centers: (k, n_features) centres, e.g. ``KMeans(10).fit(X).cluster_centers_``.
        image_shape: the shape each centre is reshaped to (784 -> 28 x 28).
        titles: optional k captions (cluster sizes, majority labels...).
    """
    centers = as_numpy(centers)
    if centers.ndim != 2 or centers.shape[1] != int(numpy.prod(image_shape)):
        raise ValueError(f"plot_centroids: expected centres of shape (k, {int(numpy.prod(image_shape))}) for "
                         f"images {tuple(image_shape)}, received {centers.shape}")
    count = len(centers)
    columns = min(columns, count)
    rows = -(-count // columns)
    figure = new_figure(1.6 * columns, 1.8 * rows + 0.4, layout=None)
    for i, center in enumerate(centers):
        axes = figure.add_subplot(rows, columns, i + 1)
        image = center.reshape(image_shape)
        low, high = float(image.min()), float(image.max())
        show_image(axes, (image - low) / (high - low) if high > low else image * 0)
        axes.set_title(titles[i] if titles is not None else f"cluster {i}", fontsize=8)
    figure.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.86 if title else 0.92,
                           wspace=0.1, hspace=0.35)
    if title:
        figure.suptitle(title, fontsize=10)
    return save(figure, path)


def plot_elbow(ks, inertias, path=None, title=None):
    """Inertia (the k-means objective) against the number of clusters k: the elbow plot."""
    ks, inertias = as_numpy(ks), as_numpy(inertias)
    figure = new_figure(6.0, 4.0)
    axes = figure.add_subplot(1, 1, 1)
    axes.plot(ks, inertias, "o-", color="tab:blue")
    axes.set_xlabel("number of clusters k")
    axes.set_ylabel("inertia (sum of squared distances)")
    axes.set_xticks(ks)
    axes.set_title(title or "k-means inertia against k (the elbow)")
    axes.grid(alpha=0.3)
    return save(figure, path)


def _palette(count):
    from matplotlib import colormaps
    cmap = colormaps["tab10" if count <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(count)]

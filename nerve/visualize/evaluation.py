"""How a classifier errs: the confusion matrix and a grid of misclassified images."""

import numpy

from ._figure import as_numpy, labels_of, new_figure, save, show_image


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Counts C[i, j] of samples of true class i predicted as class j (labels, one-hot or probabilities)."""
    y_true, y_pred = labels_of(y_true), labels_of(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"confusion_matrix: y_true has {y_true.shape[0]} labels, y_pred {y_pred.shape[0]}")
    n = num_classes or int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1
    return numpy.bincount(y_true * n + y_pred, minlength=n * n).reshape(n, n)


def plot_confusion_matrix(y_true, y_pred, path=None, class_names=None, title=None):
    """Draw the confusion matrix: rows are true classes, columns predicted ones, counts in the cells.

    Args:
        y_true: true labels (indices or one-hot).
        y_pred: predicted labels or class probabilities.
        path: where to write the PNG (None: do not write).
        class_names: a name per class (default: the class indices).
        title: the title (default: the accuracy).

    Returns:
        the matplotlib Figure.
    """
    n = len(class_names) if class_names is not None else None
    matrix = confusion_matrix(y_true, y_pred, n)
    n = matrix.shape[0]
    names = list(class_names) if class_names is not None else [str(i) for i in range(n)]
    accuracy = numpy.trace(matrix) / max(matrix.sum(), 1)
    size = max(4.5, 0.55 * n + 2)
    figure = new_figure(size + 1, size)
    axes = figure.add_subplot(1, 1, 1)
    shown = numpy.log1p(matrix)            # a log scale, so the few errors show beside the diagonal
    image = axes.imshow(shown, cmap="Blues", interpolation="nearest")
    colorbar = figure.colorbar(image, ax=axes, shrink=0.8)
    ticks = [t for t in (0, 1, 10, 100, 1000, 10000, 100000) if t <= matrix.max()]
    colorbar.set_ticks(numpy.log1p(ticks), labels=[str(t) for t in ticks])
    colorbar.set_label("samples (log scale)")
    threshold = shown.max() / 2
    for i in range(n):
        for j in range(n):
            if matrix[i, j]:
                axes.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=8 if n <= 12 else 6,
                          color="white" if shown[i, j] > threshold else "black")
    axes.set_xticks(range(n), labels=names, rotation=45 if max(map(len, names)) > 3 else 0, ha="right"
                    if max(map(len, names)) > 3 else "center")
    axes.set_yticks(range(n), labels=names)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    axes.set_title(title or f"Confusion matrix: {matrix.sum()} samples, accuracy {accuracy:.2%}")
    return save(figure, path)


def plot_misclassified(x, y_true, y_pred, path=None, class_names=None, max_images=36):
    """A grid of misclassified images, each captioned with its true and predicted class.

    Args:
        x: the images (N, H, W, C) or (N, H, W).
        y_true: true labels (indices or one-hot).
        y_pred: predicted labels or class probabilities (then the most confident mistakes
            come first, and each caption shows the predicted class's probability).
        path: where to write the PNG (None: do not write).
        class_names: a name per class (default: the class indices).
        max_images: the most images drawn.

    Returns:
        the matplotlib Figure.
    """
    x, probabilities = as_numpy(x), as_numpy(y_pred)
    true, predicted = labels_of(y_true), labels_of(y_pred)
    wrong = numpy.flatnonzero(true != predicted)
    scored = probabilities.ndim > 1 and probabilities.shape[-1] > 1
    if scored:      # the most confident mistakes first
        wrong = wrong[numpy.argsort(-probabilities[wrong, predicted[wrong]], kind="stable")]
    shown = wrong[:max_images]
    columns = min(max(len(shown), 1), 6)
    rows = max(-(-len(shown) // columns), 1)
    width, height = 1.7 * columns + 0.4, 1.85 * rows + 0.6
    figure = new_figure(width, height, layout=None)
    figure.subplots_adjust(left=0.2 / width, right=1 - 0.2 / width, bottom=0.1 / height,
                           top=1 - 0.85 / height, wspace=0.15, hspace=0.45 * 1.85 / 1.4)
    which = "most confident" if scored else "first"
    figure.suptitle(f"Misclassified: {len(wrong)} of {len(true)} images"
                    + (f" ({which} {len(shown)} shown)" if len(wrong) > len(shown) else ""), fontsize=11)
    if not len(shown):
        axes = figure.add_subplot(1, 1, 1)
        axes.text(0.5, 0.5, "no misclassified images", ha="center", va="center")
        axes.set_axis_off()
        return save(figure, path)

    def name(label):
        return str(class_names[label]) if class_names is not None else str(label)

    for k, i in enumerate(shown):
        axes = figure.add_subplot(rows, columns, k + 1)
        show_image(axes, x[i])
        caption = f"true {name(true[i])}\npred {name(predicted[i])}"
        if scored:
            caption += f" ({probabilities[i, predicted[i]]:.0%})"
        axes.set_title(caption, fontsize=8, color="firebrick")
    return save(figure, path)

"""Training curves: loss and accuracy per epoch, training against validation."""

import csv

from ._figure import new_figure, save


def plot_history(history, path=None, title=None):
    """Plot the loss (and accuracy, when recorded) per epoch, training vs validation.

    Args:
        history: what ``model.fit`` returned (a History), its ``.history`` dict
            (``{"loss": [...], "val_loss": [...], ...}``), or the path of a CSVLogger file.
        path: where to write the PNG (None: do not write).
        title: a title over the plots.

    Returns:
        the matplotlib Figure.
    """
    logs = _logs_of(history)
    keys = [k for k in logs if not k.startswith("val_") and k not in ("epoch", "learning_rate", "lr")]
    if not keys:
        raise ValueError(f"plot_history: no training metric in the history (keys: {sorted(logs)})")
    metrics = [k for k in ("loss", "accuracy") if k in keys]
    metrics = (metrics + [k for k in keys if k not in metrics])[:2]    # loss and accuracy, or what there is
    figure = new_figure(5.0 * len(metrics), 3.8)
    for i, name in enumerate(metrics):
        axes = figure.add_subplot(1, len(metrics), i + 1)
        train = logs[name]
        epochs = list(range(1, len(train) + 1))
        axes.plot(epochs, train, "o-", color="tab:blue", label=f"training {name}")
        if f"val_{name}" in logs:
            axes.plot(epochs, logs[f"val_{name}"], "s--", color="tab:orange", label=f"validation {name}")
        axes.set_xlabel("epoch")
        axes.set_ylabel(name)
        axes.set_title(f"{name} per epoch")
        axes.grid(alpha=0.3)
        axes.legend()
        if len(epochs) < 15:
            axes.set_xticks(epochs)
    if title:
        figure.suptitle(title)
    return save(figure, path)


def _logs_of(history):
    if hasattr(history, "history"):
        history = history.history
    if isinstance(history, dict):
        return {k: [float(v) for v in values] for k, values in history.items()}
    with open(history, newline="") as f:          # a CSVLogger file: one row per epoch
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"plot_history: the file {history!r} holds no epochs")
    return {key: [float(row[key]) for row in rows] for key in rows[0] if key != "epoch"}

"""Which way is better for a monitored quantity: shared by EarlyStopping, ModelCheckpoint and
ReduceLROnPlateau."""

import warnings

_MAXIMIZED = ("acc", "auc", "precision", "recall", "fmeasure", "f1", "iou")


def resolve_mode(owner, model, monitor, mode):
    """"min" or "max" for ``monitor``: as given, else from the metric's ``_direction``, else from
    its name (a loss is minimized; accuracy, AUC, precision, recall... maximized)."""
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{owner} mode {mode} is unknown, fallback to auto mode.", stacklevel=3)
        mode = "auto"
    if mode != "auto":
        return mode
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name == "loss" or name.endswith("_loss"):
        return "min"
    for metric in getattr(model, "metrics", None) or []:
        direction = getattr(metric, "_direction", None)
        if getattr(metric, "name", None) == name and direction in ("up", "down"):
            return "max" if direction == "up" else "min"
    if any(key in name for key in _MAXIMIZED):
        return "max"
    if name in ("mae", "mse", "mape", "msle") or "error" in name or "crossentropy" in name:
        return "min"
    raise ValueError(
        f"{owner} callback received monitor={monitor} but nerve isn't able to automatically determine "
        "whether that metric should be maximized or minimized. Pass `mode='max'` in order to monitor "
        "based on the highest metric value, or pass `mode='min'` in order to use the lowest value."
    )


def monitor_value(owner, logs, monitor):
    """``logs[monitor]`` as a float, or None with a warning naming the available keys."""
    value = (logs or {}).get(monitor)
    if value is None:
        warnings.warn(
            f"{owner} conditioned on metric `{monitor}` which is not available. Available metrics "
            f"are: {','.join(logs or {})}", stacklevel=3,
        )
        return None
    return float(value)

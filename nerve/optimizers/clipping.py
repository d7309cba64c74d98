"""Gradient clipping on raw arrays, as Keras's optimizers clip (``clipnorm``, ``global_clipnorm``)."""

from .. import backend


def clip_by_norm(gradient, clip_norm):
    """g · c / max(‖g‖₂, c)"""
    xp = backend.array_module(gradient)
    flat = gradient.reshape(-1)
    norm = float(xp.sqrt(xp.dot(flat, flat)))
    if norm <= clip_norm:
        return gradient
    return gradient * (clip_norm / norm)


def global_norm(grads):
    """√(Σ ‖g‖₂²) over a list of arrays (None skipped)."""
    total = 0.0
    for g in grads:
        if g is not None:
            flat = g.reshape(-1)
            total += float(backend.array_module(g).dot(flat, flat))
    return total ** 0.5


def clip_by_global_norm(grads, clip_norm):
    """Each g · c / max(‖G‖, c), ‖G‖ the global norm; NaN everywhere when ‖G‖ is not finite."""
    norm = global_norm(grads)
    if norm != norm or norm == float("inf"):
        scale = float("nan")
    elif norm <= clip_norm:
        return grads
    else:
        scale = clip_norm / norm
    return [None if g is None else g * scale for g in grads]

"""Reverse-mode automatic differentiation over a graph recorded while the code runs.

Every differentiable op is a :class:`Function`: ``forward`` maps raw arrays to a
raw array, ``backward`` maps the gradient of the output to the gradients of the
inputs (the chain rule, one local step). Calling a Function on Tensors runs the
forward and, when some input requires a gradient, records the Function as the
output's ``creator``: that link is the computational graph.

:func:`backward` then walks the graph from the output in reverse topological
order, seeding dL/dL = 1 and handing each Function the summed gradient of its
output. Gradients of broadcast inputs are summed back to the input's shape
(:func:`sum_to`), so no op has to undo broadcasting itself.

Ops may hand the same array to several inputs (``a + b`` returns ``gy`` twice) or
a view of their ``gy``; every gradient that leaves the walk (``.grad``, the result
of :func:`grad`) owns its buffer: one already handed out, or a view, is copied.
"""

import contextlib
import math

from . import backend
from .tensor import Tensor, as_tensor

_grad_enabled = True


@contextlib.contextmanager
def no_grad():
    """Run a block without recording any graph (inference, weight updates)."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


def is_grad_enabled():
    return _grad_enabled


class Function:
    """One differentiable op: ``forward`` and ``backward`` on raw arrays, side by side.

    Subclasses keep in ``self`` what backward needs (inputs, outputs, masks) and
    may read ``self.needs_grad[i]`` to skip gradients nobody asked for.
    ``backward`` returns one gradient per input (``None`` for none).
    """

    needs_grad = ()
    released = False

    def __call__(self, *inputs):
        # list comprehensions, not generators: this runs once per op, and small ops are
        # dominated by such per-call Python costs
        tensors = [x if isinstance(x, Tensor) else as_tensor(x) for x in inputs]
        data = self.forward(*[t.data for t in tensors])
        if backend._check_numerics:
            _check_finite(data, type(self).__name__, "forward")
        out = Tensor.wrap(data)
        if _grad_enabled:
            needs = tuple([t.requires_grad for t in tensors])
            if True in needs:
                self.inputs = tensors
                self.needs_grad = needs
                out.requires_grad = True
                out.creator = self
        return out

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    def release(self):
        """Drop what backward kept, so the buffers can be freed."""
        self.__dict__.clear()
        self.released = True

    def __repr__(self):
        return f"<{type(self).__name__}>"


def _check_finite(array, op_name, phase):
    xp = backend.array_module(array)
    if backend.is_float_dtype(array.dtype) and not bool(xp.isfinite(array).all()):
        raise FloatingPointError(
            f"check_numerics: op '{op_name}' produced NaN or Inf in its {phase} pass"
        )


def sum_to(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape``."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and grad.shape[i + lead] != 1
    )
    if axes == tuple(range(len(axes))):     # the leading axes only: a bias's gradient
        return sum_leading_axes(grad, len(axes)).reshape(shape)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


def sum_leading_axes(array, count):
    """Σ of ``array`` over its first ``count`` axes.

    On a contiguous array of k kept values per row this folds b rows into one before summing,
    Σ_rows = Σ_b (Σ_{rows/b} array.reshape(rows/b, b·k)), b a power of two with b·k about 512:
    NumPy's own sum over leading axes runs an inner loop only as long as the kept axes (a bias
    of 6 channels on (128, 28, 28, 6): 1.17 ms, folded 0.05). Folding sums in a tree-like order
    more accurate than one row after another. Not BLAS's ones @ array (0.10 ms there, 0.21
    against 0.28 on (131072, 32)): OpenBLAS's threads busy-wait after it and take a core from
    nerve's own (:mod:`nerve.ops.cpu_products`).
    Anything else (a broadcast view, which the reshape would copy) goes to ``sum``.
    """
    kept = array.shape[count:]
    if count == array.ndim or not array.size or not array.flags.c_contiguous:
        return array.sum(axis=tuple(range(count)))
    width = math.prod(kept)
    rows = array.size // width
    fold = 1
    while fold * 2 * width <= 512 and rows % (fold * 2) == 0:
        fold *= 2
    return array.reshape(rows // fold, fold * width).sum(axis=0).reshape(fold, *kept).sum(axis=0)


def _topological_order(root):
    """Functions reachable from ``root`` (a Function), each after everything that uses it."""
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        fn, expanded = stack.pop()
        if expanded:
            order.append(fn)
            continue
        if id(fn) in visited:
            continue
        visited.add(id(fn))
        stack.append((fn, True))
        if fn.released:
            raise RuntimeError(
                "backward: this graph was already walked once and its buffers were freed; "
                "pass retain_graph=True to the first backward() to walk it again"
            )
        for t in fn.inputs:
            if t.creator is not None and id(t.creator) not in visited:
                stack.append((t.creator, False))
    order.reverse()    # uses first: the walk goes from the output down
    return order


def _walk(output, seed, retain_graph, wanted=None):
    """Propagate ``seed`` from ``output`` to every tensor of the graph.

    With ``wanted`` (a dict id -> None), the gradients of those tensors are
    stored there and no ``.grad`` is touched; otherwise leaf gradients are
    accumulated into ``.grad``.
    """
    if not output.requires_grad:
        raise RuntimeError(
            "backward: the output does not require a gradient (no input with "
            "requires_grad=True was used to compute it, or it was computed under no_grad())"
        )
    handed = set()   # ids of the arrays given out in this walk: a second hand-out is copied
    if output.creator is None:       # the output is itself a leaf
        _deliver(output, seed, wanted, handed)
        return
    grads = {id(output.creator): seed}
    if wanted is not None and id(output) in wanted:
        wanted[id(output)] = _owned(seed, handed)
    for fn in _topological_order(output.creator):
        gy = grads.pop(id(fn), None)
        if gy is None:
            continue
        gxs = fn.backward(gy)
        if backend._check_numerics:
            for g in gxs:
                if g is not None:
                    _check_finite(g, type(fn).__name__, "backward")
        for x, gx, needed in zip(fn.inputs, gxs, fn.needs_grad):
            if gx is None or not needed:
                continue
            if gx.shape != x.shape:
                gx = sum_to(gx, x.shape)
            if x.creator is None:
                _deliver(x, gx, wanted, handed)
                continue
            key = id(x.creator)
            grads[key] = gx if key not in grads else grads[key] + gx
            if wanted is not None and id(x) in wanted:
                wanted[id(x)] = _owned(grads[key], handed)
        if not retain_graph:
            fn.release()


def _owned(grad, handed):
    """``grad`` itself the first time a whole array is handed out; a copy for a view or a repeat."""
    if grad.base is not None or id(grad) in handed:
        grad = grad.copy()
    handed.add(id(grad))
    return grad


def _deliver(leaf, grad, wanted, handed):
    if wanted is None:
        if leaf.grad is None:
            leaf.grad = Tensor.wrap(_owned(grad, handed))
        else:
            leaf.grad = Tensor.wrap(leaf.grad.data + grad)
    elif id(leaf) in wanted:
        previous = wanted[id(leaf)]
        wanted[id(leaf)] = _owned(grad, handed) if previous is None else previous + grad


def _seed_for(output, grad):
    if grad is None:
        if output.size != 1:
            raise RuntimeError(
                f"backward: the output has shape {output.shape}; backward() without `grad` "
                "needs a scalar (reduce it with .sum() or .mean(), or pass grad=)"
            )
        # asarray + reshape, not ones(): both run in C, ones() is a Python wrapper twice as slow
        return backend.array_module(output.data).asarray(1, dtype=output.dtype).reshape(output.shape)
    grad = grad.data if isinstance(grad, Tensor) else grad
    xp = backend.array_module(output.data)
    grad = xp.array(grad, dtype=output.dtype)     # a copy: a leaf's .grad never aliases the caller's array
    if grad.shape != output.shape:
        raise ValueError(f"backward: grad has shape {grad.shape}, expected the output's {output.shape}")
    return grad


def backward(output, grad=None, retain_graph=False):
    """Accumulate d(output)/d(leaf) into ``leaf.grad`` for every leaf that requires one."""
    _walk(output, _seed_for(output, grad), retain_graph)


def grad(output, inputs, grad_output=None, retain_graph=False):
    """Gradients of ``output`` with respect to each of ``inputs``, without touching ``.grad``.

    Returns a list of Tensors (``None`` for an input the output does not depend on).
    """
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    wanted = {id(x): None for x in inputs}
    _walk(output, _seed_for(output, grad_output), retain_graph, wanted)
    result = [None if wanted[id(x)] is None else Tensor.wrap(wanted[id(x)]) for x in inputs]
    return result[0] if single else result

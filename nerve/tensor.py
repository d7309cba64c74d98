"""Tensor: an array of the active backend plus what autodiff needs to know about it.

A Tensor created by an op remembers its ``creator`` (the op's Function), which
remembers its inputs: following those links backwards is the computational
graph that :meth:`Tensor.backward` walks. A :class:`Variable` is a Tensor that
layers own and optimizers update in place.
"""

# The methods call nerve.ops and nerve.autodiff, which import this module: they reach them through the
# package when called (one attribute lookup, ~20 ns), so neither module needs the other while loading.
import nerve

from . import backend

_variable_counter = [0]


class Tensor:
    """An n-dimensional array that records the ops applied to it.

    Args:
        data: array-like (NumPy/CuPy array, list, scalar or Tensor).
        requires_grad: whether gradients should flow back to this tensor.
        dtype: dtype to convert to. Python numbers and lists become ``floatx()``
            (float32) when they hold floats; arrays keep their dtype.

    Example:
        >>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad.numpy()
        array([2., 4., 6.], dtype=float32)
    """

    # _keras_mask: the boolean mask a masking layer attached (nerve.layers.layer.get_keras_mask); unset on most
    __slots__ = ("data", "requires_grad", "grad", "creator", "name", "_keras_mask", "__weakref__")
    __array_priority__ = 1000     # NumPy defers `array + tensor` to Tensor.__radd__
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        self.data = _to_array(data, dtype)
        self.grad = None
        self.creator = None
        self.name = name
        self.requires_grad = False
        if requires_grad:
            self._require_grad()

    @classmethod
    def wrap(cls, data):
        """A Tensor around a raw array, without checks or copies: the ops' fast path."""
        t = object.__new__(Tensor)
        t.data = data
        t.requires_grad = False
        t.grad = None
        t.creator = None
        t.name = None
        return t

    def _require_grad(self):
        if not backend.is_float_dtype(self.data.dtype):
            raise TypeError(
                f"Tensor of dtype {self.data.dtype} cannot require a gradient: "
                "only floating-point tensors are differentiable"
            )
        self.requires_grad = True

    # ---- array facts ----------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    @property
    def device(self):
        return backend.device_of(self.data)

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def numpy(self):
        """The values as a NumPy array (copied from the GPU when they live there)."""
        return backend.to_numpy(self.data)

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def item(self):
        return self.data.item()

    def tolist(self):
        return self.numpy().tolist()

    def __float__(self):
        return float(self.data)

    def __int__(self):
        return int(self.data)

    def __bool__(self):
        return bool(self.data)

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        body = repr(self.numpy()).replace("\n", "\n" + " " * 7)
        return f"Tensor({body}{grad})"

    def __hash__(self):
        return id(self)

    # ---- autodiff -------------------------------------------------------------------
    def backward(self, grad=None, retain_graph=False):
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf of the graph."""
        nerve.autodiff.backward(self, grad, retain_graph)

    def detach(self):
        """The same values, cut from the graph."""
        return Tensor.wrap(self.data)

    def to(self, device):
        """A copy on ``"cpu"`` or ``"gpu"`` (the tensor itself when already there)."""
        if device == self.device:
            return self
        moved = Tensor.wrap(backend.to_device(self.data, device))
        moved.requires_grad = self.requires_grad
        return moved

    def zero_grad(self):
        self.grad = None

    # ---- operators and methods (all defined in nerve.ops) ---------------------------
    def __add__(self, other):
        return nerve.ops.add(self, other)

    def __radd__(self, other):
        return nerve.ops.add(other, self)

    def __sub__(self, other):
        return nerve.ops.subtract(self, other)

    def __rsub__(self, other):
        return nerve.ops.subtract(other, self)

    def __mul__(self, other):
        return nerve.ops.multiply(self, other)

    def __rmul__(self, other):
        return nerve.ops.multiply(other, self)

    def __truediv__(self, other):
        return nerve.ops.divide(self, other)

    def __rtruediv__(self, other):
        return nerve.ops.divide(other, self)

    def __pow__(self, other):
        return nerve.ops.power(self, other)

    def __rpow__(self, other):
        return nerve.ops.power(other, self)

    def __matmul__(self, other):
        return nerve.ops.matmul(self, other)

    def __rmatmul__(self, other):
        return nerve.ops.matmul(other, self)

    def __neg__(self):
        return nerve.ops.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return nerve.ops.abs(self)

    def __getitem__(self, key):
        return nerve.ops.getitem(self, key)

    def __eq__(self, other):
        return nerve.ops.equal(self, other)

    def __ne__(self, other):
        return nerve.ops.not_equal(self, other)

    def __lt__(self, other):
        return nerve.ops.less(self, other)

    def __le__(self, other):
        return nerve.ops.less_equal(self, other)

    def __gt__(self, other):
        return nerve.ops.greater(self, other)

    def __ge__(self, other):
        return nerve.ops.greater_equal(self, other)

    def sum(self, axis=None, keepdims=False):
        return nerve.ops.sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        return nerve.ops.mean(self, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        return nerve.ops.max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        return nerve.ops.min(self, axis, keepdims)

    def var(self, axis=None, keepdims=False):
        return nerve.ops.var(self, axis, keepdims)

    def std(self, axis=None, keepdims=False):
        return nerve.ops.std(self, axis, keepdims)

    def argmax(self, axis=None):
        return nerve.ops.argmax(self, axis)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return nerve.ops.reshape(self, shape)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = axes[0]
        return nerve.ops.transpose(self, axes or None)

    @property
    def T(self):
        return nerve.ops.transpose(self)

    def squeeze(self, axis=None):
        return nerve.ops.squeeze(self, axis)

    def expand_dims(self, axis):
        return nerve.ops.expand_dims(self, axis)

    def astype(self, dtype):
        return nerve.ops.cast(self, dtype)

    def flatten(self):
        return nerve.ops.reshape(self, (-1,))


class Variable(Tensor):
    """A trainable Tensor: the weights a layer holds and an optimizer updates.

    Its ``trainable`` flag decides whether gradients reach it; ``assign`` and
    friends change its values in place (no graph is recorded).
    """

    __slots__ = ("_trainable", "path", "regularizer", "constraint", "__dict__")

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, name=None):
        if callable(initializer):
            if shape is None:
                raise ValueError(f"Variable {name!r}: an initializer needs a shape")
            value = initializer(tuple(shape), dtype=dtype or backend.floatx())
        else:
            value = initializer
        dtype = dtype or (value.dtype if backend.is_array(value) else None)
        super().__init__(value, dtype=dtype or backend.floatx())
        if name is None:
            _variable_counter[0] += 1
            name = f"variable_{_variable_counter[0]}"
        self.name = name
        self.path = name
        self.regularizer = None
        self.constraint = None
        self._trainable = False
        self.trainable = trainable

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        self.requires_grad = False
        if value:
            self._require_grad()

    @property
    def value(self):
        return Tensor.wrap(self.data)

    def assign(self, value):
        value = value.data if isinstance(value, Tensor) else value
        xp = backend.array_module(self.data)
        value = xp.asarray(value, dtype=self.data.dtype)
        if value.shape != self.data.shape:
            raise ValueError(
                f"Variable '{self.name}': cannot assign a value of shape {value.shape} "
                f"to a variable of shape {self.data.shape}"
            )
        self.data[...] = value
        return self

    def assign_add(self, value):
        self.data += value.data if isinstance(value, Tensor) else value
        return self

    def assign_sub(self, value):
        self.data -= value.data if isinstance(value, Tensor) else value
        return self

    def __repr__(self):
        return f"<Variable path={self.path} shape={self.shape} dtype={self.dtype.name}>"


def _to_array(data, dtype=None):
    if isinstance(data, Tensor):
        data = data.data
    if backend.is_array(data):
        if dtype is not None and data.dtype != dtype:
            data = data.astype(dtype)
        return data
    xp = backend.xp
    array = xp.asarray(data)
    if dtype is not None:
        return array.astype(dtype, copy=False)
    if array.dtype.kind == "f" or (array.dtype == object):
        return array.astype(backend.floatx(), copy=False)
    if array.dtype.kind in "iu":
        return array.astype("int64", copy=False)  # as Keras: Python ints -> int
    return array


def as_tensor(value, dtype=None):
    """``value`` as a Tensor (itself when it already is one)."""
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype != dtype:
            return Tensor.wrap(value.data.astype(dtype))
        return value
    return Tensor.wrap(_to_array(value, dtype))


def as_float_tensor(value):
    """``value`` as a Tensor of a float dtype: integers and booleans are cast to floatx."""
    tensor = as_tensor(value)
    return tensor if backend.is_float_dtype(tensor.dtype) else as_tensor(tensor, backend.floatx())

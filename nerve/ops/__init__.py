"""nerve.ops: the differentiable primitives, named and called as ``keras.ops``.

A module per family; each op is a Function (forward and backward side by side)
plus the lowercase function that users call.
"""

from .creation import (  # noqa: F401
    arange, convert_to_numpy, convert_to_tensor, eye, full, ones, ones_like, shape, zeros, zeros_like,
)
from .math import (  # noqa: F401
    add, divide, equal, greater, greater_equal, less, less_equal, logical_and, logical_or, maximum, minimum,
    multiply, not_equal, power, subtract, true_divide, where,
)
from .unary import abs, absolute, cast, clip, erf, exp, log, log1p, negative, sign, sqrt, square  # noqa: F401
from .linalg import cholesky, det, dot, eigh, einsum, inv, matmul, norm, qr, solve, svd  # noqa: F401
from .reduction import amax, amin, argmax, argmin, logsumexp, max, mean, min, std, sum, var  # noqa: F401
from .shape_ops import (  # noqa: F401
    broadcast_to, concatenate, expand_dims, flatten, getitem, moveaxis, one_hot, pad, repeat, reshape,
    scatter, scatter_add, split, squeeze, stack, stop_gradient, swapaxes, take, take_along_axis, tile,
    transpose,
)
from .activations import *  # noqa: F401,F403
from .axis_activations import *  # noqa: F401,F403
from .nn import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .image import *  # noqa: F401,F403
from .random import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .loss_functions import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .roi import roi_align  # noqa: F401  (Fast R-CNN's region pooling; not a keras.ops name)

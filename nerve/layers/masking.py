"""Masking: the layer that marks padded timesteps, and the checks layers run on the masks they get.

A mask is a boolean Tensor of shape (batch, steps): True where a step holds data, False where it
is padding. ``Masking(mask_value)`` and ``Embedding(mask_zero=True)`` create one; it then rides
on their output tensor (``get_keras_mask``) and ``Layer.__call__`` hands it to the next layer's
``mask`` argument and on to its outputs (nerve/layers/layer.py, "masks"). Layers that honour it:
the recurrent layers (a masked step carries the state over), GlobalAveragePooling1D (averages the
real steps only), the attention layers, the merging layers (a step is kept where every input keeps
it), Softmax.
"""

from .. import backend
from ..tensor import Tensor, as_tensor
from .layer import Layer, get_keras_mask, set_keras_mask  # noqa: F401  (re-exported: the mask API)
from .layer_utils import describe


def check_mask(layer, mask, inputs, steps_axis=1):
    """``mask`` as a boolean Tensor, checked against ``inputs``: shape (batch, steps).

    Raises:
        ValueError naming ``layer`` when the mask's shape is not the input's first two sizes.
    """
    if mask is None:
        return None
    mask = mask if isinstance(mask, Tensor) else as_tensor(backend.xp.asarray(mask))
    expected = (inputs.shape[0], inputs.shape[steps_axis])
    if tuple(mask.shape) != expected:
        raise ValueError(
            f"{describe(layer)}: expected a mask of shape (batch, steps) = {expected} for inputs of "
            f"shape {tuple(inputs.shape)}, received a mask of shape {tuple(mask.shape)}"
        )
    if mask.dtype != bool:
        mask = Tensor.wrap(mask.data.astype(bool))
    return mask


class Masking(Layer):
    """Marks the timesteps whose features all equal ``mask_value`` as padding.

        mask[b, t] = any_f(inputs[b, t, f] != mask_value)
        outputs = inputs where mask[b, t], else 0

    The layers after it skip the masked steps (recurrent layers carry their state over them).

    Args:
        mask_value: the value of every feature of a padded step (default 0.0).

    Shape:
        (batch, steps, features...) -> the same; the mask is (batch, steps).

    Example:
        >>> x = np.zeros((2, 4, 3), "float32"); x[0, :2] = 1.0
        >>> y = nerve.layers.Masking()(x)
        >>> get_keras_mask(y).numpy()[0]
        array([ True,  True, False, False])
    """

    supports_masking = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.built = True

    def compute_mask(self, inputs, mask=None):
        return Tensor.wrap(self._kept(inputs).squeeze(-1))

    def _kept(self, inputs):
        """(batch, steps, 1): whether any feature of a step differs from ``mask_value``."""
        return (inputs.data != self.mask_value).any(axis=-1, keepdims=True)

    def call(self, inputs):
        from .. import ops
        kept = self._kept(inputs)
        outputs = ops.where(Tensor.wrap(kept), inputs, 0.0)
        set_keras_mask(outputs, Tensor.wrap(kept.squeeze(-1)))
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}

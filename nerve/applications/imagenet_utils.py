"""The keras.applications signature, shared by the image-classification families.

Every builder takes ``include_top=True, weights=None, input_tensor=None, input_shape=None,
pooling=None, classes=1000, classifier_activation="softmax"`` and means by them what
keras.applications does: the input shape defaults to the family's ImageNet size when the
top is on and to ``(None, None, 3)`` otherwise;
``pooling`` ("avg" or "max") ends a headless model with a global pooling; ``weights`` is
None (random initialisation) or the path of a weight file, loaded after the model is built.
nerve downloads nothing, so Keras's ``"imagenet"`` is not accepted: pass the file's path.
"""

import os

from .. import layers


def check_arguments(model_name, include_top, weights, pooling, classes):
    """Raise a clear ValueError for arguments keras.applications would refuse."""
    if weights is not None and not isinstance(weights, (str, os.PathLike)):
        raise TypeError(f"{model_name}: `weights` must be None or the path of a weight file, received {weights!r}")
    if weights is not None and not os.path.isfile(weights):
        hint = (" (nerve downloads nothing: download the weight file and pass its path)"
                if weights == "imagenet" else "")
        raise ValueError(f"{model_name}: `weights` must be None or the path of an existing weight file, "
                         f"received {weights!r}{hint}")
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"{model_name}: `pooling` must be None, 'avg' or 'max', received {pooling!r}")
    if include_top and (isinstance(classes, bool) or not isinstance(classes, int) or classes < 1):
        raise ValueError(f"{model_name}: `classes` must be a positive int, received {classes!r}")


def image_input(model_name, input_tensor, input_shape, default_size, min_size, require_flatten):
    """The model's input placeholder: ``input_tensor`` when given, else ``Input(input_shape)``.

    ``input_shape`` defaults, as in keras.applications, to (default_size, default_size, 3) with
    the top (``require_flatten``: then the size must be known) and to (None, None, 3) without;
    known sides must be at least ``min_size`` pixels (the family's downsampling needs them).
    """
    if input_tensor is not None:
        if not isinstance(input_tensor, layers.KerasTensor):
            raise TypeError(f"{model_name}: `input_tensor` must be a symbolic tensor (from keras.Input or a "
                            f"layer's output), received {type(input_tensor).__name__}")
        shape = tuple(input_tensor.shape[1:])
        if input_shape is not None and tuple(input_shape) != shape:
            raise ValueError(f"{model_name}: `input_shape` {tuple(input_shape)} disagrees with `input_tensor`'s "
                             f"shape {shape}")
    elif input_shape is None:
        shape = (default_size, default_size, 3) if require_flatten else (None, None, 3)
    else:
        shape = tuple(input_shape)
    if len(shape) != 3:
        raise ValueError(f"{model_name}: `input_shape` must be (height, width, channels), received {shape}")
    if require_flatten and None in shape[:2]:
        raise ValueError(f"{model_name}: with include_top=True the input size must be known (the classifier "
                         f"flattens it), received input_shape={shape}; pass e.g. "
                         f"({default_size}, {default_size}, 3)")
    for side in shape[:2]:
        if side is not None and side < min_size:
            raise ValueError(f"{model_name}: input height and width must be at least {min_size}, "
                             f"received input_shape={shape}")
    return input_tensor if input_tensor is not None else layers.Input(shape=shape)


def source_inputs(tensor):
    """The Input placeholders a symbolic tensor was computed from (the model's inputs)."""
    found, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        node = t.node
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node.layer, layers.InputLayer):
            found.append(t)
        stack.extend(node.input_tensors)
    return found[0] if len(found) == 1 else found[::-1]


def global_pooling(x, pooling, avg_name=None, max_name=None):
    """``x`` followed by the global pooling a headless model asked for (or unchanged)."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def load_weights(model, weights):
    """``model`` with the weights of file ``weights`` (None: left as initialised)."""
    if weights is not None:
        model.load_weights(weights)
    return model

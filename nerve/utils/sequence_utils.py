"""pad_sequences: lists of variable-length sequences to one padded array, as Keras's."""

import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pads (or truncates) every sequence to ``maxlen`` steps: an array (num_samples, maxlen, ...).

    Shorter sequences get ``value`` before them (``padding="pre"``, the default) or after
    (``"post"``); longer ones lose their first steps (``truncating="pre"``) or their last (``"post"``).
    ``maxlen`` defaults to the longest sequence. Each step may itself be an array (all of one shape).

    Example:
        >>> pad_sequences([[1], [2, 3], [4, 5, 6]])
        array([[0, 0, 1],
               [0, 2, 3],
               [4, 5, 6]], dtype=int32)
        >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2, padding="post")
        array([[1, 0],
               [2, 3],
               [5, 6]], dtype=int32)

    Raises:
        ValueError: ``sequences`` is not a list of sequences, ``padding``/``truncating`` is not
            "pre"/"post", steps of different shapes, or a string ``value`` for a non-string dtype.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"pad_sequences: `sequences` must be a list of sequences, received {type(sequences).__name__}")
    for name, option in (("padding", padding), ("truncating", truncating)):
        if option not in ("pre", "post"):
            raise ValueError(f"pad_sequences: `{name}` must be 'pre' or 'post', received {option!r}")
    lengths, sample_shape = [], None
    for i, s in enumerate(sequences):
        if not hasattr(s, "__len__"):
            raise ValueError(f"pad_sequences: sequence {i} is not a sequence (received {s!r}); "
                             "`sequences` must be a list of lists or arrays")
        lengths.append(len(s))
        if sample_shape is None and len(s):
            sample_shape = np.asarray(s).shape[1:]
    sample_shape = sample_shape or ()
    if maxlen is None:
        maxlen = max(lengths, default=0)
    elif isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 0:
        raise ValueError(f"pad_sequences: `maxlen` must be None or an int >= 0, received {maxlen!r}")
    is_text = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_text:
        raise ValueError(f"pad_sequences: dtype {dtype} cannot hold the string padding value {value!r}; "
                         "pass dtype=object for strings")
    padded = np.full((len(sequences), maxlen) + tuple(sample_shape), value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s) or not maxlen:
            continue
        kept = np.asarray(s[-maxlen:] if truncating == "pre" else s[:maxlen], dtype=dtype)
        if kept.shape[1:] != tuple(sample_shape):
            raise ValueError(f"pad_sequences: the steps of sequence {i} have shape {kept.shape[1:]}, "
                             f"those of the first non-empty sequence {tuple(sample_shape)}")
        if padding == "post":
            padded[i, :len(kept)] = kept
        else:
            padded[i, maxlen - len(kept):] = kept
    return padded

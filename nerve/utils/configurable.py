"""Objects described by their ``get_config()``: the one home of what they share.

``get_config()`` returns the constructor's arguments, so ``from_config(config)`` is
``cls(**config)`` (:class:`FromConfig`: losses, metrics, constraints, schedules, seed
generators, tokenizers). Initializers and regularizers are plain values on top of that
(:class:`ConfigValue`): equal when of the same class with the same config, shown as ``L2(l2=0.01)``.

    >>> import nerve
    >>> nerve.regularizers.L2(0.01) == nerve.regularizers.L2.from_config({"l2": 0.01})
    True
    >>> nerve.initializers.Constant(2.0)
    Constant(value=2.0)
"""


class FromConfig:
    """``from_config(config)`` = ``cls(**config)``, the inverse of ``get_config``."""

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class ConfigValue(FromConfig):
    """Equal by class and config; hashed by identity (each object stays its own dict key)."""

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self):
        return id(self)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

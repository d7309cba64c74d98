"""SeedGenerator and the one rule that turns a ``seed`` argument into a random generator.

Keras 3's seeding semantics, which every function of :mod:`nerve.random` follows:

- ``seed=None``: the global generator, reseeded by ``nerve.utils.set_random_seed`` (so a
  seeded program draws the same values on every run, and different values on every call);
- ``seed=<int>``: stateless: the same int gives the same values on every call;
- ``seed=SeedGenerator(...)``: a fresh key per call from the generator's state
  ``(seed, counter)``, the counter advancing by one per draw: different values on every call,
  the same sequence from the same initial seed. A SeedGenerator made without a seed takes one
  from Python's ``random``, which ``set_random_seed`` seeds too.

A draw key ``(seed, counter)`` becomes a generator through NumPy's SeedSequence, so neighbouring
keys give independent streams.
"""

import numbers
import random as _python_random

import numpy

from .. import backend
from ..tensor import Variable
from ..utils.configurable import FromConfig


class SeedGenerator(FromConfig):
    """The state of a sequence of random draws: ``state = [seed, counter]`` (an int64 Variable).

    Args:
        seed: an int, or None for one drawn from Python's ``random`` (reproducible under
            ``nerve.utils.set_random_seed``).
    Example:
        >>> gen = nerve.random.SeedGenerator(42)
        >>> a = nerve.random.normal((2,), seed=gen)    # differs from the next draw ...
        >>> b = nerve.random.normal((2,), seed=gen)    # ... and repeats with SeedGenerator(42)
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            raise TypeError(f"SeedGenerator: unrecognized arguments {sorted(kwargs)}")
        if seed is None:
            seed = _python_random.randint(1, int(1e9))
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise ValueError(f"SeedGenerator: `seed` must be an int or None, received {seed!r}")
        self._initial_seed = int(seed)
        self.name = name or "seed_generator"
        self.state = Variable(numpy.array([seed, 0], dtype="int64"), trainable=False, name=f"{self.name}_state")

    def next(self, ordered=True):
        """The current ``(seed, counter)`` key; advances the counter by one."""
        seed, counter = (int(v) for v in backend.to_numpy(self.state.data))
        self.state.data[1] += 1
        return seed, counter

    def get_config(self):
        return {"seed": self._initial_seed}

    def __repr__(self):
        return f"<SeedGenerator seed={self._initial_seed}>"


def draw_generator(seed, xp=None, where="random"):
    """The random Generator (of ``xp``: NumPy or CuPy) for a ``seed`` argument (see the module rules).

    A NumPy/CuPy Generator passed as ``seed`` is used as it is (an extension of Keras's rules).
    """
    xp = xp or backend.xp
    if seed is None:
        return backend.rng(xp)
    if isinstance(seed, SeedGenerator):
        return xp.random.default_rng(_key_to_int(*seed.next()))
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return xp.random.default_rng(_key_to_int(int(seed), 0))
    if hasattr(seed, "random") and hasattr(seed, "integers"):
        return seed
    raise TypeError(f"{where}: `seed` must be None, an int, a SeedGenerator or a random Generator, "
                    f"received {seed!r}")


def _key_to_int(seed, counter):
    """One 64-bit int seed from the key, through SeedSequence (independent neighbouring streams)."""
    words = numpy.random.SeedSequence([seed & 0xFFFFFFFFFFFFFFFF, counter]).generate_state(2, dtype=numpy.uint32)
    return int(words[0]) << 32 | int(words[1])

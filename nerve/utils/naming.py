"""Default names: Keras's snake_case of a class name, numbered when it repeats.

    >>> from nerve.utils.naming import to_snake_case
    >>> to_snake_case("Conv2D"), to_snake_case("ReLU"), to_snake_case("KLDivergence"), to_snake_case("MeanIoU")
    ('conv2d', 're_lu', 'kl_divergence', 'mean_io_u')

Layers and metrics number their names separately (``dense``, ``dense_1``...; ``auc``, ``auc_1``...):
each family is its own namespace, as before this module gathered them.
"""

import collections
import re

_counts = collections.defaultdict(lambda: collections.defaultdict(int))    # namespace -> name -> uses


def to_snake_case(name):
    """``"MeanIoU"`` -> ``"mean_io_u"``, ``"Conv2D"`` -> ``"conv2d"`` (Keras's rule for default names)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base, namespace):
    """``base`` the first time in ``namespace``, then ``base_1``, ``base_2``, ... (as Keras numbers them)."""
    count = _counts[namespace][base]
    _counts[namespace][base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def auto_name(class_name, namespace):
    """The default name of an object of class ``class_name``: its snake_case, numbered in ``namespace``."""
    return unique_name(to_snake_case(class_name), namespace)

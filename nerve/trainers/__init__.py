"""nerve.trainers: the training loop and its helpers, in one home (Keras 3's ``trainers/``).

- ``trainer.py``: :class:`Trainer`, the base of ``Model``: compile / fit / evaluate / predict;
  ``train_step`` is the one place a step of training happens.
- ``compile_utils.py``: what ``compile(loss=..., metrics=...)`` turns into.
- ``data_adapter.py``: batches from arrays, generators and PyDatasets.
"""

from .trainer import Trainer

__all__ = ["Trainer"]

"""Optimizer: the base every update rule shares (Keras 3's contract, on raw arrays).

One call to :meth:`Optimizer.apply` (or ``apply_gradients``) does, in Keras's order:

1. build the state on first use (``build(var_list)``: one slot per variable and kind);
2. drop ``None`` gradients and non-trainable variables, unscale by ``loss_scale_factor``;
3. clip: ``clipnorm`` per variable (g · c / max(‖g‖, c)), or ``global_clipnorm`` over all
   (g · c / max(‖G‖, c)), or ``clipvalue`` elementwise;
4. decoupled weight decay: w ← w − w · weight_decay · lr;
5. the subclass's ``update_step(gradient, variable, learning_rate)`` for each pair;
6. EMA of the weights when ``use_ema``; variable constraints; ``iterations += 1``.

Updates happen in place on ``Variable.data`` with plain array arithmetic: no graph is
recorded and float32 stays float32. ``learning_rate`` is a float or a
:class:`~nerve.optimizers.schedules.LearningRateSchedule` evaluated at ``iterations``.
"""

import re
import warnings

from .. import backend
from ..autodiff import no_grad
from ..distribution import data_parallel as distribution_lib
from ..tensor import Tensor, Variable
from . import schedules
from .clipping import clip_by_global_norm, clip_by_norm


class Optimizer:
    """Base class of nerve's optimizers; subclasses define ``build`` and ``update_step``.

    Args:
        learning_rate: float, or a ``LearningRateSchedule``, or a callable of no argument.
        weight_decay: decoupled decay coefficient (w ← w − w·wd·lr before each update).
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient element to [−clipvalue, clipvalue].
        global_clipnorm: clip all gradients together to this global L2 norm.
        use_ema: keep an exponential moving average of the weights
            (``finalize_variable_values`` copies it into them).
        ema_momentum: the EMA's momentum.
        ema_overwrite_frequency: copy the EMA into the weights every this many iterations.
        loss_scale_factor: gradients are divided by it (pair with ``scale_loss``).
        gradient_accumulation_steps: apply the mean of this many calls' gradients every
            this many calls (``iterations`` then counts applied updates).
        name: the optimizer's name.
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        cls = type(self).__name__
        if kwargs:
            raise TypeError(f"{cls}: unexpected keyword argument(s) {sorted(kwargs)}")
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                f"{cls}: only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        if gradient_accumulation_steps is not None and (
                not isinstance(gradient_accumulation_steps, int) or gradient_accumulation_steps < 2):
            raise ValueError(
                f"{cls}: `gradient_accumulation_steps` must be an integer >= 2. "
                f"Received: gradient_accumulation_steps={gradient_accumulation_steps}"
            )
        if use_ema and not 0 <= ema_momentum <= 1:
            raise ValueError(f"{cls}: `ema_momentum` must be in [0, 1]. Received: ema_momentum={ema_momentum}")
        self.name = name or cls.lower()
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables = []
        self._trainable_variables = []
        self._index = {}                # id(variable) -> position in _trainable_variables
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._iterations = self.add_variable((), name="iteration", dtype="int64")
        self._learning_rate = None
        self.learning_rate = learning_rate

    # ---- learning rate and step count -----------------------------------------------
    @property
    def iterations(self):
        """The number of updates applied so far: the int64 ``Variable`` Keras exposes.

        With ``gradient_accumulation_steps`` it is a Tensor, calls // steps (applied updates),
        as in Keras. ``int(optimizer.iterations)`` gives the plain number.
        """
        if self.gradient_accumulation_steps:
            return Tensor(self._iterations.data // self.gradient_accumulation_steps)
        return self._iterations

    def _updates_applied(self):
        """``iterations`` as a Python int (what the update rules read)."""
        calls = int(self._iterations.data)
        return calls // self.gradient_accumulation_steps if self.gradient_accumulation_steps else calls

    @property
    def learning_rate(self):
        """The current learning rate (a float; a schedule is evaluated at ``iterations``)."""
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            return float(lr(int(self._iterations.data)))
        if isinstance(lr, Variable):
            return float(lr.data)
        return float(lr())

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, schedules.LearningRateSchedule) or (
                callable(value) and not isinstance(value, Tensor)):
            if isinstance(self._learning_rate, Variable):        # untrack the float rate's variable
                self._variables.remove(self._learning_rate)
            self._learning_rate = value
            return
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise TypeError(
                f"{type(self).__name__}: this optimizer was created with a `LearningRateSchedule` "
                "as its `learning_rate`, hence its learning rate is not settable; create the "
                "optimizer with a float `learning_rate` to set it."
            )
        value = float(value.data if isinstance(value, Tensor) else value)
        if isinstance(self._learning_rate, Variable):
            self._learning_rate.data[...] = value
        else:
            self._learning_rate = self.add_variable((), name="learning_rate", initializer=value)

    @property
    def variables(self):
        """The optimizer's state, in creation order: iterations, learning rate, slots."""
        return list(self._variables)

    # ---- state ----------------------------------------------------------------------
    def add_variable(self, shape, name, initializer="zeros", dtype=None):
        """A new non-trainable state Variable (tracked in ``variables``)."""
        value = 0.0 if initializer == "zeros" else initializer
        xp = backend.xp
        data = xp.full(shape, value, dtype=dtype or backend.floatx())
        variable = Variable(data, trainable=False, name=name)
        self._variables.append(variable)
        return variable

    def add_variable_from_reference(self, reference_variable, name, initializer="zeros"):
        """A state Variable shaped, typed and placed like ``reference_variable``."""
        xp = backend.array_module(reference_variable.data)
        value = 0.0 if initializer == "zeros" else initializer
        data = xp.full(reference_variable.shape, value, dtype=reference_variable.dtype)
        path = getattr(reference_variable, "path", None) or reference_variable.name
        variable = Variable(data, trainable=False, name=f"{str(path).replace('/', '_')}_{name}")
        self._variables.append(variable)
        return variable

    def add_optimizer_variables(self, var_list, names, initializer="zeros"):
        """One slot per variable for each name, created variable by variable (Keras's order).

        Returns a list of slots per name (a single list when ``names`` is a string).
        """
        single = isinstance(names, str)
        names = [names] if single else list(names)
        slots = [[] for _ in names]
        for variable in var_list:
            for i, name in enumerate(names):
                slots[i].append(self.add_variable_from_reference(variable, name, initializer))
        return slots[0] if single else slots

    def build(self, var_list):
        """Create the state for ``var_list``; subclasses call this first, then add their slots."""
        self._trainable_variables = list(var_list)
        self._index = {id(v): i for i, v in enumerate(self._trainable_variables)}
        if self.use_ema:
            self._ema = self.add_optimizer_variables(var_list, "average")
        if self.gradient_accumulation_steps:
            self._accumulators = self.add_optimizer_variables(var_list, "gradient_accumulator")
        self.built = True

    def _slot(self, slots, variable):
        return slots[self._index[id(variable)]]

    def save_own_variables(self, store):
        """Write the state into ``store`` under keys "0", "1", ... (``variables`` order)."""
        for i, variable in enumerate(self._variables):
            store[str(i)] = backend.to_numpy(variable.data)

    def load_own_variables(self, store):
        """Restore the state written by ``save_own_variables`` (the optimizer must be built)."""
        if len(store.keys()) != len(self._variables):
            message = (f"Skipping variable loading for optimizer '{self.name}', because it has "
                       f"{len(self._variables)} variables whereas the saved optimizer has "
                       f"{len(store.keys())} variables.")
            if not self.built:
                message += " This is likely because the optimizer has not been called/built yet."
            warnings.warn(message, stacklevel=2)
            return
        for i, variable in enumerate(self._variables):
            variable.assign(store[str(i)])

    def set_weights(self, weights):
        """Assign ``weights`` (arrays in ``variables`` order) to the built optimizer's state."""
        if not self.built:
            raise ValueError(
                f"Optimizer '{self.name}': set_weights() was called before the optimizer was built; "
                "call `optimizer.build(trainable_variables)` first."
            )
        for variable, weight in zip(self._variables, weights):
            variable.assign(weight)

    def get_state(self):
        """The state as a list of arrays in ``variables`` order (nerve extra)."""
        return [backend.to_numpy(v.data).copy() for v in self._variables]

    def set_state(self, values):
        """Restore ``get_state``'s list; raises ValueError when the counts differ (nerve extra)."""
        if len(values) != len(self._variables):
            raise ValueError(
                f"Optimizer '{self.name}': set_state received {len(values)} arrays, expected "
                f"{len(self._variables)} (build the optimizer on the same variables first)"
            )
        for variable, value in zip(self._variables, values):
            variable.assign(value)

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempt these variables, or those whose name matches one of ``var_names``, from decay."""
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the optimizer is built.")
        self._exclude_ids = {id(v) for v in (var_list or [])}
        self._exclude_pattern = "|".join(set(var_names)) if var_names else None

    # ---- applying gradients ---------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """Apply ``[(gradient, variable), ...]``; returns ``iterations``."""
        grads_and_vars = list(grads_and_vars)
        grads = [g for g, _ in grads_and_vars]
        variables = [v for _, v in grads_and_vars]
        self.apply(grads, variables)
        return self.iterations

    def apply(self, grads, trainable_variables=None):
        """One update of ``trainable_variables`` from ``grads`` (Tensors, arrays or None)."""
        grads = list(grads)
        if not grads:
            return
        dist = distribution_lib.distribution()
        if dist is not None:              # data parallel: every replica applies the global-batch gradient
            grads = dist.reduce_gradients(grads)
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    f"Optimizer '{self.name}': when `trainable_variables` is not given, the optimizer "
                    "must already be built (call `build(variables)` or pass them once)."
                )
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(
                f"Optimizer '{self.name}': `grads` and `trainable_variables` must have the same length. "
                f"Received: {len(grads)} gradients and {len(trainable_variables)} variables."
            )
        if not self.built:
            self.build([v for v in trainable_variables if v.trainable])
        pairs = [(g, v) for g, v in zip(grads, trainable_variables) if g is not None and v.trainable]
        self._check_missing_gradients(grads, trainable_variables, pairs)
        for _, v in pairs:
            if id(v) not in self._index:
                raise ValueError(
                    f"Optimizer '{self.name}': unknown variable {v!r}. This optimizer can only be called "
                    "for the variables it was originally built with; create a new optimizer for a "
                    "new set of variables."
                )
        grads = [self._prepare_gradient(g, v) for g, v in pairs]
        variables = [v for _, v in pairs]
        with no_grad():
            if self.gradient_accumulation_steps:
                self._accumulate_or_update(grads, variables)
            else:
                self._update(grads, variables)
            if self.use_ema:
                self._update_ema()
            for variable in variables:
                if getattr(variable, "constraint", None) is not None:
                    variable.assign(variable.constraint(variable))
        self._iterations.data += 1

    def _check_missing_gradients(self, grads, variables, pairs):
        """Keras's rule: no gradient at all is an error; some missing is a warning (given once here)."""
        missing = [v.path for g, v in zip(grads, variables) if g is None and v.trainable]
        if not pairs and missing:
            raise ValueError(f"Optimizer '{self.name}': no gradients provided for any variable.")
        if missing and not getattr(self, "_warned_missing", False):
            self._warned_missing = True
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the loss. If using "
                "`model.compile()`, did you forget to provide a `loss` argument?", stacklevel=3,
            )

    def _prepare_gradient(self, gradient, variable):
        data = gradient.data if isinstance(gradient, Tensor) else gradient
        xp = backend.array_module(variable.data)
        data = xp.asarray(data, dtype=variable.dtype)
        if data.shape != variable.shape:
            raise ValueError(
                f"Optimizer '{self.name}': gradient of shape {data.shape} for variable "
                f"'{variable.name}' of shape {variable.shape}"
            )
        if self.loss_scale_factor is not None:
            data = data / self.loss_scale_factor
        return data

    def _update(self, grads, variables):
        grads = self._clip_gradients(grads)
        learning_rate = self.learning_rate
        self._apply_weight_decay(variables, learning_rate)
        self._update_step_all(grads, variables, learning_rate)

    def _update_step_all(self, grads, variables, learning_rate):
        """Run ``update_step`` on each pair (Nadam overrides to advance its shared state first)."""
        for gradient, variable in zip(grads, variables):
            self.update_step(gradient, variable, learning_rate)

    def _accumulate_or_update(self, grads, variables):
        steps = self.gradient_accumulation_steps
        accumulators = [self._slot(self._accumulators, v) for v in variables]
        if (int(self._iterations.data) + 1) % steps != 0:
            for gradient, acc in zip(grads, accumulators):
                acc.data += gradient
            return
        grads = [(g + acc.data) / steps for g, acc in zip(grads, accumulators)]
        self._update(grads, variables)
        for acc in self._accumulators:
            acc.data[...] = 0

    def update_step(self, gradient, variable, learning_rate):
        """Update ``variable.data`` in place from the raw array ``gradient``."""
        raise NotImplementedError(f"{type(self).__name__} must define update_step")

    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            v = self.clipvalue
            return [backend.array_module(g).clip(g, -v, v) for g in grads]
        return grads

    def _use_weight_decay(self, variable):
        if id(variable) in self._exclude_ids:
            return False
        return self._exclude_pattern is None or re.search(self._exclude_pattern, variable.name) is None

    def _apply_weight_decay(self, variables, learning_rate):
        if not self.weight_decay:
            return
        factor = 1.0 - float(self.weight_decay) * learning_rate
        for variable in variables:
            if self._use_weight_decay(variable):
                variable.data *= factor

    def _update_ema(self):
        momentum = self.ema_momentum if self._updates_applied() != 0 else 0.0
        for variable, average in zip(self._trainable_variables, self._ema):
            average.data *= momentum
            average.data += (1.0 - momentum) * variable.data
        frequency = self.ema_overwrite_frequency
        if frequency and (self._updates_applied() + 1) % frequency == 0:
            self.finalize_variable_values(self._trainable_variables)

    def finalize_variable_values(self, var_list):
        """With ``use_ema``, copy the moving averages into the variables (end of training)."""
        if self.use_ema:
            for variable in var_list:
                variable.data[...] = self._slot(self._ema, variable).data

    def scale_loss(self, loss):
        """``loss · loss_scale_factor`` (the loss itself when no factor is set)."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    # ---- config ---------------------------------------------------------------------
    def get_config(self):
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            lr = schedules.serialize(lr)
        elif isinstance(lr, Variable):
            lr = float(lr.data)
        return {
            "name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue, "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name} learning_rate={self.learning_rate:g}>"


"""TensorBoard: event files that the ``tensorboard`` command shows, as Keras 3's callback writes them.

Written through tensorboardX's ``SummaryWriter`` (``pip install nerve[tensorboard]``), one run
folder per phase, as Keras does: ``<log_dir>/train`` and ``<log_dir>/validation``.

- every epoch: ``epoch_<metric>`` scalars (``epoch_loss``, ``epoch_accuracy``, ...) at step
  ``epoch``, in ``train`` and, for the ``val_`` ones, in ``validation`` under the same tag; and
  ``epoch_learning_rate`` in ``train``;
- with ``update_freq=N`` (batches), ``batch_<metric>`` every N training batches, at the step
  counted over all epochs;
- with ``histogram_freq=N``, a histogram of every weight (``<layer>/<weight>/histogram``) every
  N epochs;
- with ``write_graph``, the model's layer graph (one node per layer, its class as the op, its
  inbound layers as inputs) once, when training starts.
"""

import os
import time

import numpy

from .callback import Callback


def _summary_writer():
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        raise ImportError("callbacks.TensorBoard writes through tensorboardX: pip install 'nerve[tensorboard]' "
                          "(or pip install tensorboardX)") from None
    return SummaryWriter


class TensorBoard(Callback):
    """Log scalars, weight histograms and the layer graph for TensorBoard.

    Args:
        log_dir: the folder of the run (``train/`` and ``validation/`` are made inside).
        histogram_freq: every how many epochs to write weight histograms (0: never).
        write_graph: write the model's layer graph when training starts.
        write_images, write_steps_per_second, profile_batch, embeddings_freq, embeddings_metadata:
            accepted for Keras compatibility; ``write_steps_per_second`` logs
            ``epoch_steps_per_second``, the others write nothing.
        update_freq: "epoch", or an int N: also log ``batch_<metric>`` every N batches.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        if update_freq != "epoch" and (isinstance(update_freq, bool) or not isinstance(update_freq, int)
                                       or update_freq < 1):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch' or a positive int, received {update_freq!r}")
        if isinstance(histogram_freq, bool) or not isinstance(histogram_freq, int) or histogram_freq < 0:
            raise ValueError(f"TensorBoard: histogram_freq must be an int >= 0, received {histogram_freq!r}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq
        self._writers = {}
        self._global_batch = 0
        self._epoch_start = None
        self._epoch_steps = 0
        _summary_writer()          # fail at construction, not in the middle of fit

    def _writer(self, run):
        if run not in self._writers:
            self._writers[run] = _summary_writer()(log_dir=os.path.join(self.log_dir, run))
        return self._writers[run]

    # ---- hooks -----------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._global_batch = 0
        if self.write_graph:
            self._write_graph()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start, self._epoch_steps = time.time(), 0

    def on_train_batch_end(self, batch, logs=None):
        self._global_batch += 1
        self._epoch_steps += 1
        if self.update_freq != "epoch" and self._global_batch % self.update_freq == 0:
            writer = self._writer("train")
            for name, value in _scalars(logs):
                writer.add_scalar(f"batch_{name}", value, self._global_batch)

    def on_epoch_end(self, epoch, logs=None):
        train, validation = self._writer("train"), None
        for name, value in _scalars(logs):
            if name.startswith("val_"):
                validation = validation or self._writer("validation")
                validation.add_scalar(f"epoch_{name[4:]}", value, epoch)
            else:
                train.add_scalar(f"epoch_{name}", value, epoch)
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            train.add_scalar("epoch_learning_rate", float(optimizer.learning_rate), epoch)
        if self.write_steps_per_second and self._epoch_start is not None:
            elapsed = max(time.time() - self._epoch_start, 1e-9)
            train.add_scalar("epoch_steps_per_second", self._epoch_steps / elapsed, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            for weight in self.model.weights:
                train.add_histogram(f"{weight.path}/histogram", numpy.asarray(weight.numpy()), epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # ---- the graph -------------------------------------------------------------------------
    def _write_graph(self):
        from tensorboardX.proto import event_pb2, graph_pb2, node_def_pb2
        graph = graph_pb2.GraphDef()
        for name, op, inputs in _layer_graph(self.model):
            graph.node.append(node_def_pb2.NodeDef(name=name, op=op, input=inputs))
        event = event_pb2.Event(graph_def=graph.SerializeToString(), wall_time=time.time())
        writer = self._writer("train")
        writer._get_file_writer().add_event(event)


def _scalars(logs):
    for name, value in (logs or {}).items():
        try:
            yield name, float(value)
        except (TypeError, ValueError):
            continue                  # a non-scalar log entry (an output array) is no scalar


def _layer_graph(model):
    """``[(layer name, class name, [inbound layer names])]``: a chain for a Sequential, the nodes
    of a functional model, one node for anything else."""
    layers = list(getattr(model, "layers", []))
    if not layers:
        return [(model.name, type(model).__name__, [])]
    result, previous = [], []
    for layer in layers:
        inbound = _inbound_layer_names(layer)
        result.append((layer.name, type(layer).__name__, inbound if inbound is not None else previous))
        previous = [layer.name]
    return result


def _inbound_layer_names(layer):
    nodes = getattr(layer, "inbound_nodes", None)
    if not nodes:
        return None
    names = []
    for node in nodes:
        for tensor in getattr(node, "input_tensors", None) or ():
            history = getattr(tensor, "node", None)
            if history is not None and getattr(history, "layer", None) is not None:
                names.append(history.layer.name)
    return sorted(set(names)) if names else None

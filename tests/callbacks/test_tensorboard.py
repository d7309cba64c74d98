"""callbacks.TensorBoard writes real event files: read back here record by record (TFRecord
framing, CRC-checked) and parsed as TensorBoard's Event protocol buffers."""

import glob
import os
import struct

import numpy as np
import pytest

import nerve
from nerve import callbacks, layers

tensorboardX = pytest.importorskip("tensorboardX")


def _masked(crc):
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def read_events(run_dir):
    """Every Event in the event files of ``run_dir``, checking each record's length and data CRCs."""
    from tensorboardX.crc32c import crc32c
    from tensorboardX.proto import event_pb2
    events = []
    for path in sorted(glob.glob(os.path.join(run_dir, "events.out.tfevents.*"))):
        data = open(path, "rb").read()
        offset = 0
        while offset < len(data):
            header = data[offset:offset + 8]
            (length,) = struct.unpack("<Q", header)
            (length_crc,) = struct.unpack("<I", data[offset + 8:offset + 12])
            body = data[offset + 12:offset + 12 + length]
            (body_crc,) = struct.unpack("<I", data[offset + 12 + length:offset + 16 + length])
            assert _masked(crc32c(header)) == length_crc and _masked(crc32c(body)) == body_crc
            events.append(event_pb2.Event.FromString(body))
            offset += 16 + length
    return events


def _scalars(events):
    found = {}
    for event in events:
        for value in event.summary.value:
            if value.HasField("simple_value"):
                found.setdefault(value.tag, []).append((event.step, value.simple_value))
    return found


@pytest.fixture
def trained(tmp_path, rng):
    x = rng.normal(size=(32, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    inputs = nerve.Input((4,))
    model = nerve.Model(inputs, layers.Dense(1, name="out")(layers.Dense(3, name="hidden")(inputs)))
    model.compile(nerve.optimizers.SGD(0.05), "mse", metrics=["mae"])
    board = callbacks.TensorBoard(tmp_path / "logs", histogram_freq=1, update_freq=2)
    history = model.fit(x, y, batch_size=8, epochs=3, validation_data=(x, y), callbacks=[board], verbose=0)
    return tmp_path / "logs", history


def test_epoch_and_batch_scalars_read_back(trained):
    log_dir, history = trained
    train = _scalars(read_events(log_dir / "train"))
    validation = _scalars(read_events(log_dir / "validation"))
    assert [step for step, _ in train["epoch_loss"]] == [0, 1, 2]
    np.testing.assert_allclose([v for _, v in train["epoch_loss"]], history.history["loss"], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in validation["epoch_loss"]], history.history["val_loss"], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in validation["epoch_mae"]], history.history["val_mae"], rtol=1e-6)
    assert [v for _, v in train["epoch_learning_rate"]] == pytest.approx([0.05] * 3)
    assert [step for step, _ in train["batch_loss"]] == [2, 4, 6, 8, 10, 12]      # every 2 of 12 batches


def test_histograms_and_graph_read_back(trained):
    from tensorboardX.proto import graph_pb2
    log_dir, _ = trained
    events = read_events(log_dir / "train")
    histograms = {(v.tag, e.step): v.histo for e in events for v in e.summary.value if v.HasField("histo")}
    assert {tag for tag, _ in histograms} == {"hidden/kernel/histogram", "hidden/bias/histogram",
                                             "out/kernel/histogram", "out/bias/histogram"}
    assert histograms[("hidden/kernel/histogram", 2)].num == 12                 # 4 x 3 weights
    graphs = [graph_pb2.GraphDef.FromString(e.graph_def) for e in events if e.graph_def]
    assert len(graphs) == 1
    nodes = {node.name: node for node in graphs[0].node}
    assert nodes["out"].op == "Dense" and list(nodes["out"].input) == ["hidden"]


def test_bad_arguments():
    with pytest.raises(ValueError, match="update_freq"):
        callbacks.TensorBoard(update_freq="batch")
    with pytest.raises(ValueError, match="histogram_freq"):
        callbacks.TensorBoard(histogram_freq=-1)


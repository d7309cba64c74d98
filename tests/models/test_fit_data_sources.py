"""fit on sources that yield their own batches, as Keras 3: a PyDataset ignores ``batch_size``
with a warning, and a re-iterable source (``__iter__`` + ``__len__``, like a torch DataLoader)
is iterated afresh every epoch instead of being used up by the first."""

import warnings

import pytest

import nerve
from nerve import layers


class Batches(nerve.utils.PyDataset):
    def __init__(self, x, y, size):
        super().__init__()
        self.x, self.y, self.size = x, y, size

    def __len__(self):
        return len(self.x) // self.size

    def __getitem__(self, i):
        return self.x[i * self.size:(i + 1) * self.size], self.y[i * self.size:(i + 1) * self.size]


class ReIterable:
    """A DataLoader-like object: no __getitem__, a fresh iterator per __iter__ call."""

    def __init__(self, x, y, size):
        self.x, self.y, self.size, self.passes = x, y, size, 0

    def __len__(self):
        return len(self.x) // self.size

    def __iter__(self):
        self.passes += 1
        for i in range(len(self)):
            yield self.x[i * self.size:(i + 1) * self.size], self.y[i * self.size:(i + 1) * self.size]


@pytest.fixture
def data(rng):
    x = rng.normal(size=(24, 3)).astype("float32")
    return x, x.sum(axis=1, keepdims=True)


def _model():
    model = nerve.Sequential([nerve.Input((3,)), layers.Dense(1)])
    model.compile(nerve.optimizers.SGD(0.05), "mse")
    return model


def test_py_dataset_ignores_batch_size_with_a_warning(data):
    x, y = data
    batches = []

    class Counting(nerve.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            batches.append(batch)

    with pytest.warns(UserWarning, match="batch_size=5 is ignored"):
        _model().fit(Batches(x, y, 8), batch_size=5, epochs=2, verbose=0, callbacks=[Counting()])
    assert batches == [0, 1, 2, 0, 1, 2]                 # the dataset's 3 batches of 8, each epoch
    with pytest.raises(ValueError, match="`y` must not be given"):
        _model().fit(Batches(x, y, 8), y, verbose=0)


def test_a_re_iterable_source_is_iterated_afresh_each_epoch(data):
    x, y = data
    source = ReIterable(x, y, 6)
    model = _model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # no "ran out of data"
        history = model.fit(source, epochs=4, verbose=0)
    assert len(history.history["loss"]) == 4 and source.passes == 4
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.evaluate(source, verbose=0) > 0 and source.passes == 5
    assert model.predict(ReIterable(x, y, 6), verbose=0).shape == (24, 1)


def test_a_torch_dataloader_trains_for_every_epoch(data):
    torch = pytest.importorskip("torch")
    x, y = data
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)),
                                         batch_size=8)
    history = _model().fit(loader, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3

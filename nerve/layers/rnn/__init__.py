"""Recurrent layers: the RNN loop, the SimpleRNN/LSTM/GRU cells and layers, Bidirectional and
TimeDistributed wrappers (a module per family)."""

from .base_cell import BaseRecurrentCell  # noqa: F401
from .rnn import RNN  # noqa: F401
from .simple_rnn import SimpleRNN, SimpleRNNCell  # noqa: F401
from .lstm import LSTM, LSTMCell  # noqa: F401
from .gru import GRU, GRUCell  # noqa: F401
from .bidirectional import Bidirectional  # noqa: F401
from .time_distributed import TimeDistributed  # noqa: F401

"""nerve.classic: the algorithms that came before deep learning, for comparison and teaching."""

from .perceptron import Perceptron

__all__ = ["Perceptron"]

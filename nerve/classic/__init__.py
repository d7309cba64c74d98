"""nerve.classic: the algorithms that came before deep learning, for comparison and teaching.

- ``Perceptron``: Rosenblatt's linear threshold unit and its learning rule.
- ``KMeans``: k-means clustering (k-means++ starts, Lloyd's iterations).
- ``PCA``: principal component analysis (projection on the directions of largest variance).
"""

from .kmeans import KMeans, kmeans_plusplus
from .pca import PCA
from .perceptron import Perceptron

__all__ = ["KMeans", "PCA", "Perceptron", "kmeans_plusplus"]

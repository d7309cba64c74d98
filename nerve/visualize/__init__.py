"""nerve.visualize: pictures of training and of what a network learned (matplotlib, PNG).

Each function draws one figure, writes it as a PNG when given a path, and returns the
matplotlib Figure (a notebook shows it). Figures are drawn on the Agg canvas directly,
without pyplot, so nothing here changes the matplotlib backend of the caller.

- ``plot_history(history, path)``: loss and accuracy per epoch, training vs validation.
- ``plot_filters(model, path)``: the first convolution's filters beside hand-designed ones
  (Sobel x and y, Gaussian, Laplacian).
- ``plot_feature_maps(model, image, path)``: one image's feature maps after each convolution.
- ``plot_confusion_matrix(y_true, y_pred, path, class_names=None)``.
- ``plot_misclassified(x, y_true, y_pred, path, class_names=None)``: a grid of the errors.
- ``plot_pca_projection``, ``plot_explained_variance``, ``plot_centroids``, ``plot_elbow``:
  PCA and k-means pictures (nerve.classic).
- ``plot_learning_curve(episode_returns, path)``: a reinforcement-learning agent's returns (nerve.rl).
"""

from .evaluation import confusion_matrix, plot_confusion_matrix, plot_misclassified
from .filters import classic_filters, conv_layers, plot_feature_maps, plot_filters
from .reinforcement import plot_learning_curve
from .training import plot_history
from .unsupervised import plot_centroids, plot_elbow, plot_explained_variance, plot_pca_projection

__all__ = [
    "classic_filters", "confusion_matrix", "conv_layers", "plot_confusion_matrix", "plot_feature_maps",
    "plot_filters", "plot_history", "plot_misclassified",
    "plot_centroids", "plot_elbow", "plot_explained_variance", "plot_learning_curve", "plot_pca_projection",
]

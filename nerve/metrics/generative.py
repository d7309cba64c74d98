"""Scoring a generator of digits with a trained classifier (NumPy, after the fact; not Keras Metrics).

Three numbers, each computed from a classifier's predictions on generated images (the
classifier is the LeNet-5 that ``make demo`` trains; real test digits give the reference row):

- **confident share**: the fraction of samples whose top class probability is ≥ 0.9: does the
  classifier see a definite digit?
- **class entropy**: H = −Σ_c p_c log p_c of the histogram p of predicted classes (natural log):
  mode coverage. log 10 ≈ 2.303 is all ten digits equally often; 0 is one digit only.
- **Fréchet distance** between the classifier's penultimate-layer features of generated and real
  images, each set summarised by a Gaussian (mean μ, covariance Σ), as FID does with Inception
  features (Heusel et al., NeurIPS 2017):

      d² = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^½)

  Tr((Σ₁Σ₂)^½) is computed as Σ √λᵢ over the eigenvalues of the symmetric PSD matrix
  Σ₁^½ Σ₂ Σ₁^½ (same eigenvalues as Σ₁Σ₂), so no non-symmetric matrix square root is needed.
  Lower is closer; identical sets give 0. The numbers depend on the classifier, so they compare
  generators scored by the same classifier only.
"""

import math

import numpy


def confident_share(probabilities, threshold=0.9):
    """The fraction of rows of ``probabilities`` (n, classes) whose largest entry is ≥ ``threshold``."""
    probabilities = _matrix("confident_share", probabilities)
    return float((probabilities.max(axis=1) >= threshold).mean())


def class_entropy(probabilities, classes=None):
    """H = −Σ_c p_c log p_c (nats) of the histogram of ``argmax`` classes of ``probabilities`` (n, classes).

    Uniform over ten classes gives log 10 ≈ 2.303; a single class gives 0.
    """
    probabilities = _matrix("class_entropy", probabilities)
    counts = numpy.bincount(probabilities.argmax(axis=1), minlength=classes or probabilities.shape[1])
    p = counts[counts > 0] / counts.sum()
    return float(-(p * numpy.log(p)).sum()) + 0.0      # + 0.0: one class gives 0.0, not -0.0


def frechet_distance(features_a, features_b):
    """The Fréchet distance d² = ‖μa − μb‖² + Tr(Σa + Σb − 2 (Σa Σb)^½) between Gaussians fitted to
    two sets of feature vectors, each (n, d) with n ≥ 2. Computed in float64."""
    a, b = _matrix("frechet_distance", features_a), _matrix("frechet_distance", features_b)
    if a.shape[1] != b.shape[1] or len(a) < 2 or len(b) < 2:
        raise ValueError(f"frechet_distance: expected two sets (n, d) of the same d with n >= 2, "
                         f"received shapes {a.shape} and {b.shape}")
    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = numpy.cov(a, rowvar=False), numpy.cov(b, rowvar=False)
    return frechet_distance_gaussians(mean_a, cov_a, mean_b, cov_b)


def frechet_distance_gaussians(mean_a, cov_a, mean_b, cov_b):
    """d² between N(mean_a, cov_a) and N(mean_b, cov_b) (see the module docstring for the formula)."""
    mean_a, mean_b = numpy.atleast_1d(mean_a).astype("float64"), numpy.atleast_1d(mean_b).astype("float64")
    cov_a, cov_b = numpy.atleast_2d(cov_a).astype("float64"), numpy.atleast_2d(cov_b).astype("float64")
    root_a = _psd_sqrt(cov_a)
    cross = numpy.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_root = numpy.sqrt(numpy.clip(cross, 0, None)).sum()
    distance = ((mean_a - mean_b) ** 2).sum() + numpy.trace(cov_a) + numpy.trace(cov_b) - 2 * trace_root
    return float(max(distance, 0.0))


def classifier_outputs(classifier, images, batch_size=500):
    """(features, probabilities) of ``images`` for a Sequential classifier: its penultimate layer's
    outputs (n, d) and its last layer's outputs (n, classes), both NumPy float64."""
    from ..autodiff import no_grad
    from ..backend import to_numpy, xp
    stack = [layer for layer in classifier.layers if type(layer).__name__ != "InputLayer"]
    if len(stack) < 2:
        raise ValueError(f"classifier_outputs: expected a Sequential classifier of at least two layers, "
                         f"received {type(classifier).__name__} '{classifier.name}' with {len(stack)}")
    features, probabilities = [], []
    with no_grad():
        for start in range(0, len(images), batch_size):
            x = xp.asarray(images[start:start + batch_size], dtype="float32")
            for layer in stack[:-1]:
                x = layer(x, training=False)
            features.append(to_numpy(x.data).reshape(len(x.data), -1))
            probabilities.append(to_numpy(stack[-1](x, training=False).data))
    return (numpy.concatenate(features).astype("float64"), numpy.concatenate(probabilities).astype("float64"))


def score_generator(classifier, images, reference_images, threshold=0.9, batch_size=500):
    """The three scores of ``images`` (pixels in [0, 1], the classifier's input shape) against
    ``reference_images`` (real test digits): ``{"confident_share", "class_entropy",
    "frechet_distance", "samples"}``."""
    features, probabilities = classifier_outputs(classifier, images, batch_size)
    reference, _ = classifier_outputs(classifier, reference_images, batch_size)
    return {"confident_share": round(confident_share(probabilities, threshold), 4),
            "class_entropy": round(class_entropy(probabilities), 4),
            "frechet_distance": round(frechet_distance(features, reference), 3),
            "samples": int(len(images))}


MAX_CLASS_ENTROPY_10 = math.log(10)


def _psd_sqrt(matrix):
    values, vectors = numpy.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * numpy.sqrt(numpy.clip(values, 0, None))) @ vectors.T


def _matrix(name, value):
    array = numpy.asarray(value, dtype="float64")
    if array.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array (samples, values), received shape {array.shape}")
    return array

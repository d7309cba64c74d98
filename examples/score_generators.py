"""Score saved generators of digits with the LeNet-5 of ``make demo``; real digits are the reference.

Run: python examples/score_generators.py runs/dcgan/model.nerve runs/cgan/model.nerve runs/vae/model.nerve
         [--classifier runs/demo/model.nerve] [--samples 10000] [--seed 12345]

For each model: 10,000 samples (a conditional GAN: each digit 1,000 times), and the three scores of
nerve.metrics.generative against the 10,000 MNIST test digits: the share the classifier reads with
confidence >= 0.9, the entropy of its predicted-class histogram (log 10 = 2.303 is all ten
digits evenly), and the Fréchet distance of its penultimate-layer (84-unit) features. The
reference row scores 10,000 real *training* digits the same way (identical sets would give 0).
A conditional GAN also gets its label agreement: the share classified as the digit asked for.
"""

import argparse
import json

import numpy as np

from nerve.applications.generative_run import samples_of
from nerve.datasets import mnist
from nerve.metrics.generative import class_entropy, classifier_outputs, confident_share, frechet_distance
from nerve.models import load_model


def scores(classifier, images, reference_features, labels=None):
    features, probabilities = classifier_outputs(classifier, images)
    row = {"confident_share": round(confident_share(probabilities), 4),
           "class_entropy": round(class_entropy(probabilities), 4),
           "frechet_distance": round(frechet_distance(features, reference_features), 3)}
    if labels is not None:
        row["label_agreement"] = round(float((probabilities.argmax(axis=1) == labels).mean()), 4)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help="model files saved by nerve train dcgan|cgan|vae")
    parser.add_argument("--classifier", default="runs/demo/model.nerve")
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=12345)
    args = parser.parse_args()
    classifier = load_model(args.classifier)
    (x_train, _), (x_test, _) = mnist.load_data()
    unit = np.float32(255)
    x_test = x_test[..., None].astype("float32") / unit
    reference_features, _ = classifier_outputs(classifier, x_test)
    real = x_train[np.random.default_rng(args.seed).permutation(len(x_train))[:args.samples], ..., None]
    table = {"real training digits": scores(classifier, real.astype("float32") / unit, reference_features)}
    for path in args.models:
        model = load_model(path, compile=False)
        labels = np.arange(args.samples) % 10 if getattr(model, "classes", None) else None
        images = samples_of(model, args.samples, seed=args.seed, labels=labels)
        table[path] = scores(classifier, images, reference_features, labels)
    width = max(len(name) for name in table)
    print(f"{'':<{width}}  confident>=0.9  class entropy  Frechet distance  label agreement")
    for name, row in table.items():
        agreement = f"{row['label_agreement']:.4f}" if "label_agreement" in row else "-"
        print(f"{name:<{width}}  {row['confident_share']:>14.4f}  {row['class_entropy']:>13.4f}  "
              f"{row['frechet_distance']:>16.3f}  {agreement:>15}")
    print(json.dumps(table))


if __name__ == "__main__":
    main()

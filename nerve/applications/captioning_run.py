"""``nerve train captioner --dataset mnist_scenes``: train Show and Tell on digit scenes, score, draw.

The run folder holds the model (``model.nerve``), its vocabulary (``vocabulary.json``),
``metrics.json`` (BLEU-4 on the test scenes with greedy decoding and with beam search, scored by
sacrebleu, the standard scorer; exact-match rates; wall times; settings) and ``captions.png``
(test scenes with the true caption and both decodings).
"""

import json
import os
import time

import numpy

from ..utils.file_utils import atomic_write
from .captioner import CaptionVocabulary, Captioner, beam_decode, decoder_parts, greedy_decode

RECIPE = {"epochs": 8, "batch_size": 64, "lr": 2e-3, "train_scenes": 6000, "test_scenes": 1000, "beam_width": 3}
STEPS = 20                      # the longest caption of a four-digit scene is 17 words, plus <start>/<end>


def bleu4(hypotheses, references):
    """Corpus BLEU-4 (sacrebleu's defaults: 13a tokenisation, exponential smoothing off), 0-100."""
    try:
        import sacrebleu
    except ImportError as error:
        raise ImportError("BLEU needs sacrebleu: pip install 'nerve[scenes]' (or pip install sacrebleu)") from error
    return float(sacrebleu.corpus_bleu(list(hypotheses), [list(references)]).score)


def train_from_cli(args, parser):
    from .. import losses, optimizers
    from .scene_runs import prepare
    run = prepare(args, parser, "captioner", RECIPE)
    seed, epochs, batch_size, lr, train, test = run.seed, run.epochs, run.batch_size, run.lr, run.train, run.test
    vocabulary = CaptionVocabulary.from_captions(train.captions)
    ids = vocabulary.encode(train.captions, STEPS)
    model = Captioner(len(vocabulary), STEPS, input_shape=train.images.shape[1:], filters=(16, 32, 32))
    steps = epochs * -(-len(ids) // batch_size)
    model.compile(optimizer=optimizers.Adam(optimizers.schedules.CosineDecay(lr, steps)),
                  loss=losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0))
    out = args.out or os.path.join("runs", "captioner_mnist_scenes")
    print(f"nerve: training the captioner ({model.count_params():,} params, {len(vocabulary)} words) on "
          f"{len(ids)} scenes, {epochs} epochs, batch {batch_size}, adam lr={lr:g} (cosine)", flush=True)
    started = time.perf_counter()
    history = model.fit([train.images.astype("float32") / 255, ids[:, :-1]], ids[:, 1:], batch_size=batch_size,
                        epochs=epochs, verbose=args.verbose)
    seconds = time.perf_counter() - started
    images = test.images.astype("float32") / 255
    parts = decoder_parts(model)
    timed = {}
    started = time.perf_counter()
    greedy = [vocabulary.decode(row) for row in greedy_decode(parts, images, STEPS)]
    timed["greedy"] = time.perf_counter() - started
    started = time.perf_counter()
    beam = [vocabulary.decode(row) for row in beam_decode(parts, images, RECIPE["beam_width"], STEPS)]
    timed["beam"] = time.perf_counter() - started
    truth = list(test.captions)
    results = {
        "model": "captioner", "dataset": "mnist_scenes", "test_scenes": len(truth),
        "bleu4_greedy": round(bleu4(greedy, truth), 2), "bleu4_beam": round(bleu4(beam, truth), 2),
        "beam_width": RECIPE["beam_width"],
        "exact_greedy": round(float(numpy.mean([g == t for g, t in zip(greedy, truth)])), 4),
        "exact_beam": round(float(numpy.mean([b == t for b, t in zip(beam, truth)])), 4),
        "decode_seconds_greedy": round(timed["greedy"], 1), "decode_seconds_beam": round(timed["beam"], 1),
        "epochs": epochs, "batch_size": batch_size, "learning_rate": lr, "seed": seed, "train_scenes": len(ids),
        "train_seconds": round(seconds, 1), "params": model.count_params(),
        "final_loss": round(float(history.history["loss"][-1]), 4),
    }
    os.makedirs(out, exist_ok=True)
    model.save(os.path.join(out, "model.nerve"))
    with atomic_write(os.path.join(out, "vocabulary.json"), "w") as f:
        json.dump(vocabulary.words, f)
    with atomic_write(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(results, f, indent=2)
    draw_captions(test.images[:6], truth[:6], greedy[:6], beam[:6], os.path.join(out, "captions.png"))
    print(f"test BLEU-4: greedy {results['bleu4_greedy']:.2f}, beam {results['bleu4_beam']:.2f} (width "
          f"{RECIPE['beam_width']}); exact captions: greedy {results['exact_greedy']:.1%}, beam "
          f"{results['exact_beam']:.1%}; trained in {seconds:.0f} s")
    print(f"wrote {out}/model.nerve, vocabulary.json, metrics.json, captions.png")
    return results


def draw_captions(images, truth, greedy, beam, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(2, 3, figsize=(15, 11))
    for ax, image, t, g, b in zip(axes.ravel(), images, truth, greedy, beam):
        ax.imshow(image[..., 0], cmap="gray")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"truth: {t}\ngreedy: {g}\nbeam: {b}", fontsize=8, loc="left")
    with atomic_write(path) as f:
        figure.savefig(f, format="png", dpi=80, bbox_inches="tight")
    plt.close(figure)

"""PyTorch's ResNet-20 on nerve's CIFAR-10 data with nerve's recipe: is a CIFAR-10 figure nerve's or the data's?

    python benchmarks/resnet20_cifar10_torch.py [--epochs 30] [--threads 2] [--seed 0]

The same images as ``nerve train resnet20 --dataset cifar10 --validation-split 0`` (the offline
mirror's JPEG re-encodings, through ``classifier_run.load_dataset``), the same network
(``train.torch_resnet20``: option-A shortcuts, batch norm, no conv bias), the same recipe: batch
128, SGD momentum 0.9 from lr 0.1 with cosine decay to 0 per step, weight decay 5e-4 (PyTorch's
coupled form, which nerve's decoupled 5e-3 matches under momentum 0.9), pad-4 random crop and
horizontal flip per image. PyTorch's own defaults otherwise (batch norm momentum 0.1, eps 1e-5;
Kaiming-uniform init). Prints the test accuracy after each epoch. A recipe, not a test.
"""

import argparse
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))


def augment(x, rng):
    """Pad-4 random crop and horizontal flip, per image, NCHW float32."""
    n = len(x)
    padded = np.zeros((n, 3, 40, 40), np.float32)
    padded[:, :, 4:36, 4:36] = x
    dy, dx = rng.integers(0, 9, n), rng.integers(0, 9, n)
    rows = dy[:, None] + np.arange(32)
    cols = dx[:, None] + np.arange(32)
    out = padded[np.arange(n)[:, None, None, None], np.arange(3)[None, :, None, None],
                 rows[:, None, :, None], cols[:, None, None, :]]
    flip = rng.random(n) < 0.5
    out[flip] = out[flip][..., ::-1]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    import torch
    from train import torch_resnet20
    from nerve.applications.classifier_run import load_dataset

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    (x_train, y_train), (x_test, y_test), _ = load_dataset("cifar10")
    x_train, x_test = (np.ascontiguousarray(a.transpose(0, 3, 1, 2)) for a in (x_train, x_test))
    y_train, y_test = torch.from_numpy(y_train), torch.from_numpy(y_test)
    model = torch_resnet20()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    batch, steps_per_epoch = 128, math.ceil(len(x_train) / 128)
    total = args.epochs * steps_per_epoch
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * step / total)))
    loss_fn = torch.nn.CrossEntropyLoss()
    start = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = rng.permutation(len(x_train))
        correct = 0
        for first in range(0, len(order), batch):
            index = order[first:first + batch]
            xb = torch.from_numpy(augment(x_train[index], rng))
            optimizer.zero_grad()
            logits = model(xb)
            loss = loss_fn(logits, y_train[index])
            loss.backward()
            optimizer.step()
            schedule.step()
            correct += int((logits.argmax(1) == y_train[index]).sum())
        model.eval()
        with torch.no_grad():
            predicted = torch.cat([model(torch.from_numpy(x_test[i:i + 1000])).argmax(1)
                                   for i in range(0, len(x_test), 1000)])
        print(f"epoch {epoch + 1}/{args.epochs}: train accuracy {correct / len(x_train):.4f}, "
              f"test accuracy {float((predicted == y_test).float().mean()):.4f}, {time.time() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()

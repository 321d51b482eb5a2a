#!/usr/bin/env python3
"""The study's training step in PyTorch, timed as the reference for `npm run bench`.

Same network and step as bench/bench.ts measures in tfjs: Flatten -> 7 x [Linear(., 128) -> Sigmoid]
-> Linear(128, 10) with nn.Linear's default init, CrossEntropyLoss, plain SGD lr 1e-2, batch 512.
Each timed step also does what the tfjs step does around the math: builds the float batch from the
uint8 images (pixels / 255), and reads the loss and the number of correct predictions back as numbers.

Data: the real FashionMNIST training images when --data DIR holds train-images-idx3-ubyte.gz and
train-labels-idx1-ubyte.gz, else random bytes of the same shape.

Prints one JSON object on stdout: {"msPerStep": median, "msPerStepAll": [...], "threads": N, ...}.
"""
import argparse
import gzip
import json
import os
import statistics
import struct
import sys
import time

import torch
from torch import nn

from torch_build import blas_name, set_threads


def read_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    magic = struct.unpack(">I", raw[:4])[0]
    rank = magic & 0xFF
    dims = struct.unpack(">" + "I" * rank, raw[4 : 4 + 4 * rank])
    data = torch.frombuffer(bytearray(raw[4 + 4 * rank :]), dtype=torch.uint8)
    return data.reshape(dims)


def load(data_dir, n_random):
    images_file = os.path.join(data_dir or "", "train-images-idx3-ubyte.gz")
    labels_file = os.path.join(data_dir or "", "train-labels-idx1-ubyte.gz")
    if data_dir and os.path.exists(images_file) and os.path.exists(labels_file):
        images = read_idx(images_file).reshape(-1, 784)
        labels = read_idx(labels_file).long()
        return images, labels, "fashion-mnist"
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (n_random, 784), dtype=torch.uint8, generator=g)
    labels = torch.randint(0, 10, (n_random,), generator=g)
    return images, labels, "random"


def build(depth, width, classes):
    layers = [nn.Flatten()]
    fan_in = 784
    for _ in range(depth):
        layers += [nn.Linear(fan_in, width), nn.Sigmoid()]
        fan_in = width
    layers.append(nn.Linear(width, classes))
    return nn.Sequential(*layers)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1, help="PyTorch's own pool")
    ap.add_argument("--blas-threads", type=int, default=1, help="an MKL build's pool (its products run there); OpenBLAS reads OPENBLAS_NUM_THREADS")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=512)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--depth", type=int, default=7)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--data", default=None, help="folder with the FashionMNIST .gz files")
    args = ap.parse_args()

    set_threads(args.threads, args.blas_threads)
    torch.manual_seed(0)
    images, labels, source = load(args.data, 60000)
    n = images.shape[0]
    model = build(args.depth, args.width, 10)
    model.train()
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=args.lr)
    g = torch.Generator().manual_seed(1)
    order = torch.randperm(n, generator=g)
    cursor = [0]

    def next_indices():
        nonlocal order
        if cursor[0] + args.batch_size > n:
            order = torch.randperm(n, generator=g)
            cursor[0] = 0
        idx = order[cursor[0] : cursor[0] + args.batch_size]
        cursor[0] += args.batch_size
        return idx

    def step(idx):
        x = images[idx].float().div_(255)
        y = labels[idx]
        opt.zero_grad()
        logits = model(x)
        loss = loss_fn(logits, y)
        loss.backward()
        opt.step()
        hits = (logits.argmax(1) == y).sum()
        return loss.item(), hits.item()

    for _ in range(args.warmup):
        step(next_indices())
    per_rep = []
    for _ in range(args.reps):
        batches = [next_indices() for _ in range(args.steps)]
        t0 = time.perf_counter()
        for idx in batches:
            loss, _ = step(idx)
        per_rep.append((time.perf_counter() - t0) * 1000 / args.steps)
    json.dump(
        {
            "msPerStep": statistics.median(per_rep),
            "msPerStepAll": per_rep,
            "threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "blas": blas_name(),
            "python": sys.executable,
            "data": source,
            "batchSize": args.batch_size,
            "lastLoss": loss,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

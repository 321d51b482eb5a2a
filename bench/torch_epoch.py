#!/usr/bin/env python3
"""One epoch of any of the project's run specs in PyTorch, timed as the reference for `npm run bench -- --all`.

Reads a resolved run spec (JSON, as lib/spec/spec.ts resolves it, with the skip pairs resolved)
and builds the same network: per hidden layer Linear -> [BatchNorm1d | whole-tensor (x - mean) / std]
-> activation -> [+ an earlier layer's output] -> [gradient normalisation], then Linear(width, 10);
CrossEntropyLoss; SGD or Adam. It trains epochs over 54,000 training images in shuffled batches
(pixels / 255 built per batch, loss and hits read back per step, as the tfjs loop does) and validates
on the other 6,000 in eval mode, after a few warm-up steps. No statistics: this is the bare cost.

Prints one JSON object on stdout: {"secondsPerEpoch": ..., "trainSeconds": ..., "valSeconds": ..., ...}, the means
over `--epochs` epochs (default 1).
"""
import argparse
import json
import math
import sys
import time

import torch
from torch import nn

from torch_build import set_threads
from torch_step import load


class GradNorm(torch.autograd.Function):
    """Identity forward; backward (g - mean(g)) / (std(g) + 1e-6) over the whole tensor (the study's layer)."""

    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):
        return (g - g.mean()) / (g.std() + 1e-6)


class WholeTensorNorm(nn.Module):
    def forward(self, x):
        return (x - x.mean()) / x.std()


class Net(nn.Module):
    def __init__(self, model):
        super().__init__()
        depth, width = model["depth"], model["width"]
        self.linears = nn.ModuleList()
        fan_in = 784
        for _ in range(depth):
            self.linears.append(nn.Linear(fan_in, width))
            fan_in = width
        self.out = nn.Linear(width, 10)
        norm = model["normalization"]
        self.norms = nn.ModuleList(
            [nn.BatchNorm1d(width) if norm == "batchnorm" else WholeTensorNorm() if norm == "whole-tensor" else nn.Identity() for _ in range(depth)]
        )
        self.act = {"sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh}[model["activation"]]
        self.skips = [tuple(p) for p in model["skipPairs"]]
        self.grad_norm = model["gradNorm"]
        init = model["init"]
        for lin in self.linears:
            if init["kind"] == "normal":
                nn.init.normal_(lin.weight, 0, init["std"])
                nn.init.zeros_(lin.bias)
            elif init["kind"] == "glorot":
                nn.init.xavier_uniform_(lin.weight)
                nn.init.zeros_(lin.bias)
            elif init["kind"] == "he":
                nn.init.normal_(lin.weight, 0, math.sqrt(2 / lin.in_features))
                nn.init.zeros_(lin.bias)

    def forward(self, x):
        outputs = []
        h = x
        for i, (lin, norm) in enumerate(zip(self.linears, self.norms), start=1):
            h = self.act(norm(lin(h)))
            for src, dst in self.skips:
                if dst == i:
                    h = h + outputs[src - 1]
            if self.grad_norm:
                h = GradNorm.apply(h)
            outputs.append(h)
        return self.out(h)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", required=True, help="the resolved run spec as JSON, model.skipPairs resolved")
    ap.add_argument("--data", default=None, help="folder with the FashionMNIST .gz files")
    ap.add_argument("--warmup", type=int, default=5, help="untimed training steps first")
    ap.add_argument("--blas-threads", type=int, default=1, help="an MKL build's threads (PyTorch's pool, where its products run); OpenBLAS reads OPENBLAS_NUM_THREADS")
    ap.add_argument("--epochs", type=int, default=1, help="epochs timed; secondsPerEpoch is their mean")
    args = ap.parse_args()
    spec = json.loads(args.spec)

    set_threads(1, args.blas_threads)
    torch.manual_seed(0)
    images, labels, source = load(args.data, 60000)
    g = torch.Generator().manual_seed(0)
    order = torch.randperm(images.shape[0], generator=g)
    n_val = round(images.shape[0] * 0.1)
    val_idx, train_idx = order[:n_val], order[n_val:]
    model = Net(spec["model"])
    opt_spec = spec["optimizer"]
    opt = torch.optim.Adam(model.parameters(), lr=opt_spec["lr"]) if opt_spec["kind"] == "adam" else torch.optim.SGD(model.parameters(), lr=opt_spec["lr"])
    loss_fn = nn.CrossEntropyLoss()
    bs = spec["batchSize"]

    def step(idx):
        x = images[idx].float().div_(255)
        y = labels[idx]
        opt.zero_grad()
        logits = model(x)
        loss = loss_fn(logits, y)
        loss.backward()
        opt.step()
        return loss.item(), (logits.argmax(1) == y).sum().item()

    perm = train_idx[torch.randperm(train_idx.shape[0], generator=g)]
    model.train()
    for s in range(args.warmup):
        step(perm[s * bs : (s + 1) * bs])
    train_seconds = val_seconds = 0.0
    for _ in range(args.epochs):
        model.train()
        perm = train_idx[torch.randperm(train_idx.shape[0], generator=g)]
        t0 = time.perf_counter()
        for s in range(0, perm.shape[0], bs):
            step(perm[s : s + bs])
        t1 = time.perf_counter()
        model.eval()
        with torch.no_grad():
            for s in range(0, n_val, 1000):
                idx = val_idx[s : s + 1000]
                logits = model(images[idx].float().div_(255))
                loss_fn(logits, labels[idx]).item()
                (logits.argmax(1) == labels[idx]).sum().item()
        t2 = time.perf_counter()
        train_seconds += t1 - t0
        val_seconds += t2 - t1
    n = args.epochs
    json.dump(
        {"secondsPerEpoch": (train_seconds + val_seconds) / n, "trainSeconds": train_seconds / n, "valSeconds": val_seconds / n,
         "threads": torch.get_num_threads(), "torch": torch.__version__, "data": source},
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""
Reference values for test/training/train.torch.test.ts: one training step of a small fixed sigmoid MLP,
computed by PyTorch in float64 (torch.double throughout).

    /usr/bin/python3 test/training/train.torch.py > /tmp/ref.ts

prints a TypeScript `const REF = {...}` to paste over the one in the test. Written against Debian's
PyTorch 1.13; nothing else is needed.

The problem, mirrored exactly by the test:
  * inputs: 784 pixels (the library's runBatches always feeds IMAGE_SIZE = 784 pixels / 255), all
    zero except the 6 pixels PIX, whose bytes are BYTES; so the network effectively has 6 input features;
  * 3 hidden layers of width 4, sigmoid, then a Linear to 3 classes; labels LABELS; batches of 4;
  * every weight a multiple of 1/16 (exact in float32). Kernels are written [fan_in, fan_out] as the
    library stores them, i.e. the TRANSPOSE of nn.Linear.weight. hidden1's 778 rows for the always-zero
    pixels hold the filler ((5p + 3j) % 17 - 8) / 16: they never affect the output, their gradient is
    exactly 0 and they must come out of the step unchanged;
  * loss nn.CrossEntropyLoss (mean over the batch).
Cases:
  sgd       one step of torch.optim.SGD(lr=0.5), no momentum;
  batchnorm the same with nn.BatchNorm1d(4) (training mode, eps 1e-5, momentum 0.1, gamma 1, beta 0)
            between each hidden Linear and its sigmoid, one SGD step at lr 0.5;
  adam      three steps of torch.optim.Adam(lr=0.01) (betas 0.9/0.999, eps 1e-8), on batches A, B, A.
Printed per case: the loss of each step; for 'sgd' and 'batchnorm', dL/dh at every hidden layer's
output (after the sigmoid) and at the logits, dL/dW (kernel layout) and dL/db per layer (and dL/dgamma,
dL/dbeta, and the scale sum_n |dL/dz_n| of the hidden biases' gradient, which BatchNorm makes 0) at the
initial weights; for every case, the update (before - after) of every parameter over the step(s)
(and BatchNorm's running statistics after it). hidden1's kernel gradient and update are printed for
the PIX rows only; the script asserts that the other rows' are exactly zero.
"""
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)

IMAGE_SIZE = 784
PIX = [40, 161, 300, 433, 598, 741]
BYTES = [
    [204, 79, 29, 136, 54, 166],
    [117, 198, 149, 44, 219, 135],
    [209, 234, 239, 197, 100, 180],
    [233, 169, 29, 26, 64, 252],
    [153, 191, 80, 91, 81, 183],
    [13, 0, 161, 71, 82, 24],
    [109, 92, 176, 253, 160, 45],
    [236, 125, 132, 34, 140, 129],
]
LABELS = [0, 2, 1, 2, 2, 1, 1, 0]
# Examples of each step: 'sgd' and 'batchnorm' take one step on A; 'adam' steps on A, B, A, so that
# its moments mix two different gradients.
A, B = [0, 1, 2, 3], [4, 5, 6, 7]
STEPS = {'sgd': [A], 'batchnorm': [A], 'adam': [A, B, A]}

# Parameters in sixteenths; kernels [fan_in, fan_out]. hidden1's kernel lists the PIX rows only.
K16 = {
    'hidden1': [[-12, 9, -13, 3], [7, 12, -2, 7], [-8, 9, 10, -8], [-12, -9, -16, -5], [-10, 3, -11, 8], [-16, -7, -2, -12]],
    'hidden2': [[-8, 3, -15, -16], [0, 15, 13, 12], [-9, 7, -6, -16], [-9, 7, 12, 16]],
    'hidden3': [[11, 3, 11, -12], [3, 14, -7, 13], [1, 15, -14, 3], [2, 5, -13, -5]],
    'output': [[-11, -8, -17], [-6, 0, -5], [15, -16, -12], [6, 3, -7]],
}
B16 = {'hidden1': [6, 1, -5, -5], 'hidden2': [-4, -5, -7, -5], 'hidden3': [7, 8, 4, 3], 'output': [-1, -5, 4]}
NAMES = ['hidden1', 'hidden2', 'hidden3', 'output']
UNUSED = [p for p in range(IMAGE_SIZE) if p not in PIX]
WIDTH = 4


def filler(p, j):
    return ((5 * p + 3 * j) % 17 - 8) / 16


def hidden1_kernel():
    k = torch.tensor([[filler(p, j) for j in range(WIDTH)] for p in range(IMAGE_SIZE)])
    k[PIX] = torch.tensor(K16['hidden1']) / 16
    return k


def batch(indices):
    x = torch.zeros(len(indices), IMAGE_SIZE)
    x[:, PIX] = torch.tensor([BYTES[i] for i in indices], dtype=torch.float64) / 255
    return x, torch.tensor([LABELS[i] for i in indices])


class Net(nn.Module):
    def __init__(self, batchnorm):
        super().__init__()
        fans = [(IMAGE_SIZE, WIDTH), (WIDTH, WIDTH), (WIDTH, WIDTH), (WIDTH, 3)]
        self.linears = nn.ModuleList(nn.Linear(i, o) for i, o in fans)
        self.bns = nn.ModuleList(nn.BatchNorm1d(WIDTH, eps=1e-5, momentum=0.1) for _ in range(3)) if batchnorm else None
        with torch.no_grad():
            for name, lin in zip(NAMES, self.linears):
                k = hidden1_kernel() if name == 'hidden1' else torch.tensor(K16[name]) / 16
                lin.weight.copy_(k.T)  # nn.Linear.weight is [out, in]
                lin.bias.copy_(torch.tensor(B16[name]) / 16)
        self.h, self.z = [], []

    def forward(self, x):
        self.h, self.z = [], []
        h = x
        for i in range(3):
            z = self.linears[i](h)
            z.retain_grad()
            self.z.append(z)
            if self.bns is not None:
                z = self.bns[i](z)
            h = torch.sigmoid(z)
            h.retain_grad()
            self.h.append(h)
        logits = self.linears[3](h)
        logits.retain_grad()
        self.h.append(logits)
        return logits

    def kernels(self):
        return {n: lin.weight.T for n, lin in zip(NAMES, self.linears)}


def rows(t):
    """A tensor as (nested) lists of floats."""
    return t.detach().tolist()


def kernel_out(name, k):
    """A kernel-layout tensor as lists; hidden1's restricted to the PIX rows."""
    return rows(k[PIX]) if name == 'hidden1' else rows(k)


def run(case):
    net = Net(batchnorm=case == 'batchnorm')
    net.train()
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.Adam(net.parameters(), lr=0.01, betas=(0.9, 0.999), eps=1e-8) if case == 'adam' else torch.optim.SGD(net.parameters(), lr=0.5, momentum=0)
    before = {n: k.detach().clone() for n, k in net.kernels().items()}
    before_b = {n: lin.bias.detach().clone() for n, lin in zip(NAMES, net.linears)}
    out = {'loss': []}
    for indices in STEPS[case]:
        x, y = batch(indices)
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        if case != 'adam':
            out['dh'] = {n: rows(h.grad) for n, h in zip(NAMES, net.h)}
            kg = {n: lin.weight.grad.T for n, lin in zip(NAMES, net.linears)}
            # Pixels that are zero in every example get an exactly zero gradient.
            assert torch.all(kg['hidden1'][UNUSED] == 0)
            out['dW'] = {n: kernel_out(n, kg[n]) for n in NAMES}
            out['db'] = {n: rows(lin.bias.grad) for n, lin in zip(NAMES, net.linears)}
            if net.bns is not None:
                # The hidden biases' gradient is exactly 0 behind BatchNorm (it removes the batch mean):
                # db = sum_n dL/dz_n of terms that cancel. Their size sum_n |dL/dz_n| (z = the Linear's
                # output) is what the float32 noise in the library's db scales with.
                out['dzAbsSum'] = {n: rows(z.grad.abs().sum(0)) for n, z in zip(NAMES, net.z)}
                out['dgamma'] = {n: rows(bn.weight.grad) for n, bn in zip(NAMES, net.bns)}
                out['dbeta'] = {n: rows(bn.bias.grad) for n, bn in zip(NAMES, net.bns)}
        out['loss'].append(loss.item())
        opt.step()
    after = net.kernels()
    assert torch.equal(after['hidden1'][UNUSED], before['hidden1'][UNUSED])
    # The update W_before - W_after (and the same for every other parameter), not W_after itself: a
    # weight moves by ~1e-3 of its size, so comparing W_after to 1e-4 would leave the update untested.
    out['dW_step'] = {n: kernel_out(n, before[n] - after[n]) for n in NAMES}
    out['db_step'] = {n: rows(before_b[n] - lin.bias) for n, lin in zip(NAMES, net.linears)}
    if net.bns is not None:
        # gamma starts at 1 and beta at 0; running_mean at 0 and running_var at 1.
        out['dgamma_step'] = {n: rows(1 - bn.weight) for n, bn in zip(NAMES, net.bns)}
        out['dbeta_step'] = {n: rows(0 - bn.bias) for n, bn in zip(NAMES, net.bns)}
        out['runningMean'] = {n: rows(bn.running_mean) for n, bn in zip(NAMES, net.bns)}
        out['runningVar'] = {n: rows(bn.running_var) for n, bn in zip(NAMES, net.bns)}
    return out


def ts(v, indent=0):
    """JSON-like TypeScript, one vector or matrix row per line."""
    pad = ' ' * indent
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, list) and all(isinstance(e, float) for e in v):
        return '[' + ', '.join(repr(e) for e in v) + ']'
    if isinstance(v, list):
        return '[\n' + ''.join(f'{pad}  {ts(e, indent + 2)},\n' for e in v) + pad + ']'
    return '{\n' + ''.join(f'{pad}  {k}: {ts(e, indent + 2)},\n' for k, e in v.items()) + pad + '}'


if __name__ == '__main__':
    ref = {case: run(case) for case in ['sgd', 'batchnorm', 'adam']}
    print(f'// Generated by `/usr/bin/python3 test/training/train.torch.py` (PyTorch {torch.__version__}, float64).')
    print('const REF = ' + ts(ref) + ';')

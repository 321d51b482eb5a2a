import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { describeYardstick } from '../../lib/presentation/yardstick';
import { fakeHistory, fakeRunSet, studySpec } from '../helpers';

const LAYERS = ['hidden1', 'hidden2', 'output'];
const deep = (valAcc: number) => fakeHistory('baseline', 3, LAYERS, { epoch: () => ({ valAcc }) });
const shallow = (acc: (epoch: number, seed: number) => number, seeds = [0, 1, 2]) => fakeRunSet((seed) => fakeHistory('baseline', 3, ['hidden1', 'output'], {
  epoch: (e) => ({ valAcc: acc(e, seed) }),
  history: { label: 'shallow', config: studySpec({ label: 'shallow', model: { ...studySpec().model, depth: 1 }, schedule: { kind: 'plain', epochs: 3 } }) },
}), seeds);

describe('describeYardstick', () => {
  test("the shallow run's accuracy after the first and last epoch over its seeds, the deep run's beside it", () => {
    const text = describeYardstick(deep(0.1), shallow((e, seed) => 0.6 + 0.1 * e + 0.01 * seed));
    assert.match(text, /With 1 hidden layer and everything else the same \(SGD at 0\.01, .*3 seeds\)/);
    assert.match(text, /reaches 71 % \(70–72 % over 3 seeds\) validation accuracy after epoch 1 and 91 % \(90–92 % over 3 seeds\) after epoch 3/);
    assert.match(text, /with 2 hidden layers, 10 % and 10 %/);
    const alike = describeYardstick(deep(0.1), shallow((e, seed) => 0.9 + 0.001 * seed));
    assert.match(alike, /reaches 90 % validation accuracy after epoch 1/, 'seeds within a point: no range');
    assert.match(text, /do learn FashionMNIST within 3 epochs in a network shallow enough that neither the gradient nor the signal fades/);
  });

  test('a shallow run less than 20 points ahead is not said to show the optimizer learning', () => {
    const text = describeYardstick(deep(0.3), shallow(() => 0.45, [0]));
    assert.match(text, /reaches 45 % validation accuracy after epoch 1/);
    assert.match(text, /15 points apart after 3 epochs: too close/);
    assert.doesNotMatch(text, /do learn/);
  });
});

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { overSeeds, pct, sci, sentence, share, shareCell } from '../../lib/presentation/format';

describe('number formats', () => {
  test('share: a fraction 1/N below a tenth (two significant digits), a decimal up to 1, "times" above', () => {
    assert.equal(share(Math.log10(1 / 131826)), '1/130,000 of');
    assert.equal(share(-1), '1/10 of');
    assert.equal(share(Math.log10(0.35)), '0.35 of');
    assert.equal(share(Math.log10(4.07)), '4.1 times');
    assert.equal(share(Math.log10(9.96)), '10 times');
    assert.equal(share(Math.log10(203.7)), '200 times', 'no exponent notation: 2.0e+2 read as noise');
    assert.equal(share(Math.log10(123456)), '120,000 times');
    assert.equal(share(null), 'n/a of');
    assert.equal(shareCell(Math.log10(4.07)), '4.1×');
    assert.equal(shareCell(Math.log10(1 / 250)), '1/250');
  });

  test('sci: one significant digit times a whole power of ten', () => {
    assert.equal(sci(Math.log10(2.2e-6)), '2×10⁻⁶');
    assert.equal(sci(-3), '10⁻³');
    assert.equal(sci(Math.log10(9.7e-5)), '10⁻⁴', '9.7 rounds up to the next power');
    assert.equal(sci(null), 'n/a');
  });

  test('pct, sentence, and a range over seeds only where it prints differently', () => {
    assert.equal(pct(0.8403), '84.0 %');
    assert.equal(sentence('layer 1 gets'), 'Layer 1 gets');
    assert.equal(overSeeds([0.1040, 0.1041, 0.1039], pct), '10.4 %');
    assert.equal(overSeeds([0.7, 0.8, 0.9], pct), '80.0 % (70.0 % to 90.0 %)');
    assert.equal(overSeeds([null, 0.5], pct), '50.0 %');
    assert.equal(overSeeds([null], pct), 'n/a');
  });
});

import assert from 'node:assert/strict';
import { judgeGrowth, overallVerdict } from '../../support/soak/growth.js';

const tolerance = { absolute: 10, relative: 0.1 };

describe('soak growth verdict', () => {
  it('calls a series that settles flat, whatever its warm-up climb', () => {
    const settling = [10, 40, 70, 95, 100, 101, 99, 100, 102, 100, 99, 101, 100];
    const verdict = judgeGrowth(settling, tolerance);
    assert.equal(verdict.verdict, 'flat');
    assert.equal(verdict.first, 10);
    assert.equal(verdict.last, 100);
    assert.equal(verdict.max, 102);
  });

  it('calls a series that keeps climbing growing, measured from the middle third to the last', () => {
    const leak = Array.from({ length: 30 }, (_, i) => 100 + 5 * i);
    const verdict = judgeGrowth(leak, tolerance);
    assert.equal(verdict.verdict, 'growing');
    // thirds of 10: middle = samples 10..19, last = 20..29; each step is 5
    assert.equal(verdict.middleMean, 100 + 5 * 14.5);
    assert.equal(verdict.lastMean, 100 + 5 * 24.5);
    assert.equal(verdict.growth, 50);
  });

  it('tolerates the larger of the absolute part plus slack and the relative part of the middle mean', () => {
    const step = (delta: number) => [...Array(3).fill(0), ...Array(3).fill(1000), ...Array(3).fill(1000 + delta)];
    assert.equal(judgeGrowth(step(100), tolerance).verdict, 'flat', '10% of 1000 is tolerated');
    assert.equal(judgeGrowth(step(101), tolerance).verdict, 'growing');
    assert.equal(judgeGrowth(step(101), tolerance, 1).tolerated, 100, 'slack adds to the absolute part only');
    const small = (delta: number) => [...Array(3).fill(0), ...Array(3).fill(10), ...Array(3).fill(10 + delta)];
    assert.equal(judgeGrowth(small(15), tolerance, 5).verdict, 'flat', '10 + 5 slack');
    assert.equal(judgeGrowth(small(16), tolerance, 5).verdict, 'growing');
  });

  it('puts leftover samples into the first third, which is not judged', () => {
    const values = [1e9, 1e9, 5, 5, 5, 5, 5, 5];
    assert.equal(judgeGrowth([...values, 5, 5, 5], tolerance).verdict, 'flat');
  });

  it('is inconclusive with fewer than three samples per third', () => {
    assert.equal(judgeGrowth([1, 2, 3, 4, 5, 6, 7, 8], tolerance).verdict, 'inconclusive');
    assert.equal(judgeGrowth([], tolerance).verdict, 'inconclusive');
  });

  it('says growing when any metric grew, else inconclusive when any was, else flat', () => {
    assert.equal(overallVerdict(['flat', 'inconclusive', 'growing']), 'growing');
    assert.equal(overallVerdict(['flat', 'inconclusive']), 'inconclusive');
    assert.equal(overallVerdict(['flat', 'flat']), 'flat');
  });
});

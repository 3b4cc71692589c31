/** The Test Explorer's pure helpers: outcomes, statement coverage, what to run, mutation scores. */

import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { idsToRun, lineCoverage, mutationText, testFileLabel, verdict } from '../../common/testResults';

test('a flaky test shows as failed; other outcomes map to themselves', () => {
    assert.equal(verdict('flaky'), 'failed');
    for (const outcome of ['passed', 'failed', 'errored', 'skipped'] as const) {
        assert.equal(verdict(outcome), outcome);
    }
});

test('statement coverage marks each executable line covered or missed', () => {
    assert.deepEqual(lineCoverage({ measured: true, statements: [0, 1, 4], missing: [4] }),
        [{ line: 0, covered: true }, { line: 1, covered: true }, { line: 4, covered: false }]);
    assert.deepEqual(lineCoverage({ measured: false, statements: [0], missing: [] }), []);
});

test('picking the file runs everything; picking tests runs just those, once each', () => {
    assert.deepEqual(idsToRun([null, 'TestA.test_x']), []);
    assert.deepEqual(idsToRun(['TestA', 'TestA', 'test_f']), ['TestA', 'test_f']);
});

test('each function\'s mutation score reads as the inlay hint does: a timed-out mutant counts as caught', () => {
    const mutation = {
        moving_average: { score: 0.8, killed: 7, survived: 2, timeout: 1, total: 10 },
        main: { score: null, killed: 0, survived: 0, timeout: 0, total: 0 }, // no mutants: nothing to say
    };
    assert.equal(mutationText(mutation), 'moving_average: mutants 8/10 killed');
    assert.equal(mutationText({ ...mutation, mean: { score: 0, killed: 0, survived: 3, timeout: 0, total: 4 } }),
        'moving_average: mutants 8/10 killed · mean: mutants 0/3 killed');
    assert.equal(mutationText(null), undefined); // the run was not mutation tested
    assert.equal(testFileLabel('tests/test_m.py', mutationText(mutation)), 'tests/test_m.py · moving_average: mutants 8/10 killed');
    assert.equal(testFileLabel('tests/test_m.py', undefined), 'tests/test_m.py');
});

/** The Test Explorer's pure helpers: outcomes, statement coverage, what to run. */

import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { idsToRun, lineCoverage, verdict } from '../../common/testResults';

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

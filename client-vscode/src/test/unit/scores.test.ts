/** Reading the seed scores from diagnostics' data, the function under the cursor, the API key. */

import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskKey, resolveApiKey, serverEnvironment } from '../../common/apiKey';
import { enclosingFunction, scoreText, seedScores } from '../../common/scores';

const SCORES = { code_quality_score: 0.8, test_coverage_score: 0.6, overall_score: 0.7 };
const seed = (data: unknown, source = 'codegen', code: unknown = 'seed-scores') =>
    ({ message: 'Seed scores: quality 0.8 · test coverage 0.6 · overall 0.7', source, code: code as string, data });

test('the scores come from the seed-scores diagnostic\'s data, not its message', () => {
    assert.deepEqual(seedScores([seed({ scores: SCORES })]), SCORES);
    assert.deepEqual(seedScores([seed({ scores: SCORES }, 'codegen', { value: 'seed-scores' })]), SCORES);
    const reworded = { ...seed({ scores: SCORES }), message: 'Qualität 0,8' };
    assert.deepEqual(seedScores([reworded]), SCORES);
});

test('no scores from other sources, other codes, or data without three numbers', () => {
    assert.equal(seedScores([seed({ scores: SCORES }, 'pylint')]), undefined);
    assert.equal(seedScores([seed({ scores: SCORES }, 'codegen', 'missing-docstring')]), undefined);
    assert.equal(seedScores([seed(undefined)]), undefined, 'a server that sends no data: no score, not a parsed message');
    assert.equal(seedScores([seed({ scores: { ...SCORES, overall_score: '0.7' } })]), undefined);
    assert.equal(seedScores([seed({ scores: { ...SCORES, overall_score: Number.NaN } })]), undefined);
    assert.equal(seedScores([]), undefined);
});

test('scores are written as the server writes them', () => {
    assert.deepEqual([0, 1, 0.8, 0.525, 0.5333, 0.999].map(scoreText), ['0', '1', '0.8', '0.53', '0.53', '1']);
});

test('the function under the cursor, or none at module level', () => {
    const lines = ['import math', '', '@cache', 'def area(r):', '    """Area."""', '', '    return math.pi * r * r', 'x = area(2)', 'async def f():', '    pass'];
    assert.equal(enclosingFunction(lines, 6), 'area');
    assert.equal(enclosingFunction(lines, 5), 'area');
    assert.equal(enclosingFunction(lines, 3), 'area');
    assert.equal(enclosingFunction(lines, 7), undefined);
    assert.equal(enclosingFunction(lines, 0), undefined);
    assert.equal(enclosingFunction(lines, 9), 'f');
    assert.equal(enclosingFunction(lines, 99), 'f');
});

test('the API key: environment first, then secret storage, never echoed whole', async () => {
    const secrets = { get: () => Promise.resolve('sk-stored-1234567') };
    assert.deepEqual(await resolveApiKey({ OPENAI_API_KEY: 'sk-env' }, secrets), { value: 'sk-env', source: 'environment' });
    assert.deepEqual(await resolveApiKey({}, secrets), { value: 'sk-stored-1234567', source: 'secret storage' });
    assert.deepEqual(await resolveApiKey({}, { get: () => Promise.resolve(undefined) }), { source: 'none' });
    assert.equal(serverEnvironment({ PATH: '/bin' }, { value: 'sk-stored-1234567', source: 'secret storage' }).OPENAI_API_KEY, 'sk-stored-1234567');
    assert.equal(serverEnvironment({ PATH: '/bin' }, { source: 'none' }).OPENAI_API_KEY, undefined);
    assert.equal(maskKey('sk-stored-1234567'), 'sk-…4567');
    assert.equal(maskKey(undefined), '(not set)');
});

/** Reading the overall score from diagnostics and the function under the cursor. */

import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskKey, resolveApiKey, serverEnvironment } from '../../common/apiKey';
import { enclosingFunction, overallScore } from '../../common/scores';

const seed = (message: string, source = 'codegen', code: unknown = 'seed-scores') => ({ message, source, code: code as string });

test('the overall score comes from the server\'s seed-scores diagnostic', () => {
    assert.equal(overallScore([seed('Seed scores: quality 0.8 · test coverage 0.6 · overall 0.7')]), 0.7);
    assert.equal(overallScore([seed('Seed scores: quality 1 · test coverage 1 · overall 1', 'codegen', { value: 'seed-scores' })]), 1);
    assert.equal(overallScore([seed('overall 0.5', 'pylint')]), undefined);
    assert.equal(overallScore([seed('overall 0.5', 'codegen', 'missing-docstring')]), undefined);
    assert.equal(overallScore([]), undefined);
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
    const secrets = { get: async () => 'sk-stored-1234567' };
    assert.deepEqual(await resolveApiKey({ OPENAI_API_KEY: 'sk-env' }, secrets), { value: 'sk-env', source: 'environment' });
    assert.deepEqual(await resolveApiKey({}, secrets), { value: 'sk-stored-1234567', source: 'secret storage' });
    assert.deepEqual(await resolveApiKey({}, { get: async () => undefined }), { source: 'none' });
    assert.equal(serverEnvironment({ PATH: '/bin' }, { value: 'sk-stored-1234567', source: 'secret storage' }).OPENAI_API_KEY, 'sk-stored-1234567');
    assert.equal(serverEnvironment({ PATH: '/bin' }, { source: 'none' }).OPENAI_API_KEY, undefined);
    assert.equal(maskKey('sk-stored-1234567'), 'sk-…4567');
    assert.equal(maskKey(undefined), '(not set)');
});

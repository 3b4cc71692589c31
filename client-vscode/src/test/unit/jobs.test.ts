/** Palette commands resolve with the outcome of the server's background work, not its acknowledgement. */

import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { JobOutcomes } from '../../common/jobs';

test('an acknowledged command resolves when its outcome arrives', async () => {
    const jobs = new JobOutcomes();
    const pending = jobs.outcomeOf({ started: true, token: 't1', message: 'started' });
    jobs.finished({ token: 'other', message: 'not ours' });
    jobs.finished({ token: 't1', message: 'Generated the tests', applied: true });
    assert.deepEqual(await pending, { token: 't1', message: 'Generated the tests', applied: true });
});

test('an outcome that arrives before the acknowledgement is kept for it', async () => {
    const jobs = new JobOutcomes();
    jobs.finished({ token: 't2', message: 'done' });
    assert.deepEqual(await jobs.outcomeOf({ started: true, token: 't2' }), { token: 't2', message: 'done' });
});

test('a refusal is its own outcome', async () => {
    const jobs = new JobOutcomes();
    const refusal = { started: false, message: 'Every function in m.py already has tests.' };
    assert.equal(await jobs.outcomeOf(refusal), refusal);
    assert.equal(await jobs.outcomeOf(undefined), undefined);
});

test('a stopped server ends what was waiting', async () => {
    const jobs = new JobOutcomes();
    const pending = jobs.outcomeOf({ started: true, token: 't3' });
    jobs.abandon('The server stopped.');
    assert.deepEqual(await pending, { token: 't3', message: 'The server stopped.' });
});

test('the end of work another request started reaches every watcher and takes no one\'s outcome', async () => {
    const jobs = new JobOutcomes();
    const palette = jobs.outcomeOf({ started: true, token: 't4' });
    const explorer = jobs.endOf('t4');
    const another = jobs.endOf('t4');
    jobs.finished({ token: 't4', message: 'Ran 3 tests' });
    assert.deepEqual(await palette, { token: 't4', message: 'Ran 3 tests' });
    assert.deepEqual(await explorer, { token: 't4', message: 'Ran 3 tests' });
    assert.deepEqual(await another, { token: 't4', message: 'Ran 3 tests' });
});

test('work that ended before anyone watched it is known at once, and a stopped server ends the watch', async () => {
    const jobs = new JobOutcomes();
    jobs.finished({ token: 't5', message: 'done' });
    assert.deepEqual(await jobs.endOf('t5'), { token: 't5', message: 'done' });
    assert.deepEqual(await jobs.outcomeOf({ started: true, token: 't5' }), { token: 't5', message: 'done' });
    const watching = jobs.endOf('t6');
    jobs.abandon('The server stopped.');
    assert.deepEqual(await watching, { token: 't6', message: 'The server stopped.' });
});

/** What the status items say: the server's state, and the file's scores while the server runs. */

import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientCommands } from '../../common/constants';
import { languageStatus, statusCommand, statusText } from '../../common/statusText';

const SCORES = { code_quality_score: 0.8, test_coverage_score: 0.5, overall_score: 0.65 };

test('the language status item shows the overall score, with quality and coverage as detail', () => {
    assert.deepEqual(languageStatus('running', SCORES),
        { text: 'Codegen 0.65', detail: 'quality 0.8 · test coverage 0.5', severity: 'information', busy: false });
    assert.deepEqual(languageStatus('running', undefined),
        { text: 'Codegen', detail: 'No score for this file yet.', severity: 'information', busy: false });
});

test('the language status item shows a server that is not running, whatever scores are left', () => {
    assert.deepEqual(languageStatus('starting', SCORES),
        { text: 'Codegen starting', detail: 'Scores appear once the server runs.', severity: 'information', busy: true });
    assert.equal(languageStatus('failed', SCORES).severity, 'error');
    assert.equal(languageStatus('failed', SCORES).text, 'Codegen failed to start');
    assert.equal(languageStatus('stopped', undefined).severity, 'warning');
});

test('a click checks the setup after a failure, else shows the output', () => {
    assert.equal(statusCommand('failed').command, ClientCommands.checkSetup);
    assert.equal(statusCommand('running').command, ClientCommands.showOutput);
});

test('the status-bar item shows the score only while the server runs', () => {
    assert.equal(statusText('running', SCORES).text, '$(beaker) Codegen 0.65');
    assert.equal(statusText('starting', SCORES).text, '$(sync~spin) Codegen');
    assert.match(statusText('running', undefined).tooltip, /No score for this file yet/);
});

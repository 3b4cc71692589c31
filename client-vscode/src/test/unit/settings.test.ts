/** Settings named by package.json, mapped into what the server is sent. */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { initializationOptions, readSettings, settingNames, withInterpreter } from '../../common/settings';

const packageJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
const properties: Record<string, { default?: unknown }> = packageJson.contributes.configuration.properties;

/** A WorkspaceConfiguration that answers package.json's defaults, overridden by `values`. */
function configuration(values: Record<string, unknown> = {}) {
    return {
        get<T>(name: string): T | undefined {
            return (name in values ? values[name] : properties[`codegen.${name}`]?.default) as T | undefined;
        },
    };
}

test('setting names come from package.json, without the section prefix', () => {
    const names = settingNames(packageJson);
    assert.ok(names.includes('baseUrl') && names.includes('interpreter') && names.includes('diagnosticsDelayMs'));
    assert.ok(names.every((name) => !name.includes('.')));
    assert.ok(!names.includes('apiKey'), 'the API key is never a setting');
});

test('defaults are sent as package.json declares them, unset ones as null', () => {
    const settings = readSettings(settingNames(packageJson), configuration());
    assert.equal(settings.testLocation, 'auto');
    assert.equal(settings.testTimeout, 30);
    assert.equal(settings.model, null);
    assert.equal(settings.runTestsAfterGeneration, null);
    assert.deepEqual(Object.keys(settings).sort(), settingNames(packageJson).sort());
});

test('user values pass through unchanged (the server validates them)', () => {
    const settings = readSettings(['baseUrl', 'timeout'], configuration({ baseUrl: 'http://127.0.0.1:9/v1', timeout: 'x' }));
    assert.deepEqual(settings, { baseUrl: 'http://127.0.0.1:9/v1', timeout: 'x' });
});

test('an empty interpreter setting is filled with the chosen interpreter, a set one is kept', () => {
    assert.equal(withInterpreter({ interpreter: null }, '/env/python').interpreter, '/env/python');
    assert.equal(withInterpreter({ interpreter: '' }, '/env/python').interpreter, '/env/python');
    assert.equal(withInterpreter({ interpreter: '/mine' }, '/env/python').interpreter, '/mine');
    assert.equal(withInterpreter({ interpreter: null }, undefined).interpreter, null);
});

test('initialization options carry the settings and workspace trust', () => {
    assert.deepEqual(initializationOptions({ model: 'm' }, true), { codegen: { model: 'm' }, workspaceTrusted: true });
});

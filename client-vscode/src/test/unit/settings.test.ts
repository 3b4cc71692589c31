/** Settings named by package.json, mapped into what the server is sent. */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { chooseInterpreter } from '../../common/python';
import { initializationOptions, type PackageJson, readSettings, settingNames, withFolderInterpreters, withInterpreter } from '../../common/settings';

const packageJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as PackageJson;
const properties: Record<string, { default?: unknown }> = packageJson.contributes?.configuration?.properties ?? {};

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

test('the resolved interpreter replaces the setting; none resolved (untrusted) leaves it for the server to judge', () => {
    assert.equal(withInterpreter({ interpreter: null }, '/env/python').interpreter, '/env/python');
    assert.equal(withInterpreter({ interpreter: '${workspaceFolder}/.venv/bin/python' }, '/w/.venv/bin/python').interpreter,
        '/w/.venv/bin/python');
    assert.equal(withInterpreter({ interpreter: '/mine' }, undefined).interpreter, '/mine');
    assert.equal(withInterpreter({ interpreter: null }, undefined).interpreter, null);
});

test('multi-root: each folder\'s settings reach the server with that folder\'s own interpreter', async () => {
    // Two folders: one sets codegen.interpreter with ${workspaceFolder}, the other leaves it to the Python extension.
    const pythonExtension: Record<string, string> = { 'file:///a': '/a/env/bin/python', 'file:///b': '/b/venv/bin/python' };
    const interpreterFor = (scopeUri: string | undefined, configured: unknown) => {
        const folder = scopeUri?.replace(/^file:\/\//, '');
        return Promise.resolve(chooseInterpreter(configured as string | null, scopeUri && pythonExtension[scopeUri], folder).path);
    };
    const items = [
        { section: 'codegen', scopeUri: 'file:///a' },
        { section: 'codegen', scopeUri: 'file:///b' },
        { section: 'python', scopeUri: 'file:///a' },
    ];
    const answers = [
        { model: 'a-model', interpreter: '${workspaceFolder}/.venv/bin/python' },
        { model: 'b-model', interpreter: null },
        { defaultInterpreterPath: 'python' },
    ];
    assert.deepEqual(await withFolderInterpreters(items, answers, interpreterFor), [
        { model: 'a-model', interpreter: '/a/.venv/bin/python' },
        { model: 'b-model', interpreter: '/b/venv/bin/python' },
        { defaultInterpreterPath: 'python' },
    ]);
});

test('answers that are not settings objects pass through untouched', async () => {
    const never = () => Promise.reject(new Error('not asked'));
    assert.deepEqual(await withFolderInterpreters([{ section: 'codegen' }, { section: 'codegen' }], [null, 'x'], never), [null, 'x']);
});

test('initialization options carry the settings and workspace trust', () => {
    assert.deepEqual(initializationOptions({ model: 'm' }, true), { codegen: { model: 'm' }, workspaceTrusted: true });
});

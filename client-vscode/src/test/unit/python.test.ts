/** Interpreter choice, the server probe's outcomes and the install command shown to the user. */

import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import {
    chooseInterpreter,
    doctorInvocation,
    expandPath,
    installCommand,
    installSource,
    probeMessage,
    probeResult,
    probeServer,
} from '../../common/python';

test('the codegen.interpreter setting wins over the Python extension', () => {
    assert.deepEqual(chooseInterpreter('/opt/py/bin/python', '/env/bin/python'), { path: '/opt/py/bin/python', source: 'setting' });
});

test('the Python extension interpreter is used when the setting is empty or blank', () => {
    for (const setting of [null, undefined, '', '   ']) {
        assert.deepEqual(chooseInterpreter(setting, '/env/bin/python'), { path: '/env/bin/python', source: 'python extension' });
    }
});

test('python3 is the last resort', () => {
    assert.deepEqual(chooseInterpreter(null, undefined), { path: 'python3', source: 'default' });
    assert.deepEqual(chooseInterpreter('', ''), { path: 'python3', source: 'default' });
});

test('the setting may use ${workspaceFolder} and ~', () => {
    assert.equal(chooseInterpreter('${workspaceFolder}/.venv/bin/python', undefined, '/w').path, '/w/.venv/bin/python');
    assert.equal(expandPath('~/.venv/bin/python', undefined, '/home/u'), '/home/u/.venv/bin/python');
    assert.equal(expandPath('/a~/b', undefined, '/home/u'), '/a~/b');
});

test('a missing executable is "no Python", a missing module is "missing package"', () => {
    assert.equal(probeResult({ code: 'ENOENT', message: 'spawn nope ENOENT' }, '', '').ok, false);
    const noPython = probeResult({ code: 'ENOENT', message: 'spawn nope ENOENT' }, '', '');
    assert.equal(!noPython.ok && noPython.problem, 'no-python');
    const missing = probeResult({ code: 3 }, 'MISSING codegen_lsp\n', '');
    assert.equal(!missing.ok && missing.problem, 'missing-package');
    const broken = probeResult({ code: 1 }, '', 'Traceback\n  ...\nSyntaxError: bad\n');
    assert.equal(!broken.ok && broken.problem, 'broken');
    assert.match(!broken.ok ? broken.detail : '', /SyntaxError: bad/);
    assert.deepEqual(probeResult(null, '0.1.0\n/v/bin/python\n', ''), { ok: true, version: '0.1.0', executable: '/v/bin/python' });
});

test('probing a real interpreter: a nonexistent path and one without the package', async () => {
    const none = await probeServer('/nonexistent/python3');
    assert.equal(!none.ok && none.problem, 'no-python');
    const system = await probeServer(process.env.CODEGEN_TEST_BARE_PYTHON ?? '/usr/bin/python3');
    assert.equal(!system.ok && system.problem, 'missing-package');
});

test('the install command is exact and shell-quoted', () => {
    assert.equal(installCommand('/v/bin/python', '/work/main'), '/v/bin/python -m pip install /work/main');
    assert.equal(installCommand('/my env/python', 'codegen-lsp'), `'/my env/python' -m pip install codegen-lsp`);
});

test('the install source is the checkout when a workspace folder is the server project', () => {
    const folders = [{ path: '/a', pyproject: '[project]\nname = "other"\n' }, { path: '/repo', pyproject: '[project]\nname = "codegen-lsp"\n' }];
    assert.equal(installSource(folders, 'codegen-lsp'), '/repo');
    assert.equal(installSource([{ path: '/a' }], 'codegen-lsp'), 'codegen-lsp');
});

test('the messages name the cause and the fix', () => {
    const interpreter = { path: '/v/bin/python', source: 'setting' as const };
    const missing = probeMessage(interpreter, { ok: false, problem: 'missing-package', detail: '' }, '/v/bin/python -m pip install codegen-lsp');
    assert.match(missing, /not installed in \/v\/bin\/python \(from setting\)/);
    assert.match(missing, /pip install codegen-lsp$/);
    assert.match(probeMessage(interpreter, { ok: false, problem: 'no-python', detail: '' }, ''), /No Python found.*codegen\.interpreter/);
});

test('the set-up check runs doctor isolated, from a neutral folder, without an untrusted workspace .env', () => {
    const settings = { baseUrl: 'http://evil.example/v1', model: 'm' };
    const untrusted = doctorInvocation(settings, false, '/ws', '/tmp');
    assert.deepEqual(untrusted, { args: ['-I', '-m', 'codegen', 'doctor', '--no-env-file'], cwd: '/tmp' });
    const trusted = doctorInvocation(settings, true, '/ws', '/tmp');
    assert.deepEqual(trusted.args, ['-I', '-m', 'codegen', 'doctor', '--env-file', '/ws/.env',
        '--base-url', 'http://evil.example/v1', '--model', 'm']);
    assert.equal(trusted.cwd, '/tmp');
});

/** Interpreter choice, the server probe's outcomes and the install command shown to the user. */

import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import {
    chooseInterpreter,
    doctorInvocation,
    expandPath,
    installCommand,
    installInvocation,
    installSource,
    NEUTRAL_FOLDER,
    probeInvocation,
    probeMessage,
    probeResult,
    probeServer,
    refuseUntrusted,
    serverInvocation,
} from '../../common/python';

const BARE_PYTHON = process.env.CODEGEN_TEST_BARE_PYTHON ?? '/usr/bin/python3';

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
    const system = await probeServer(BARE_PYTHON);
    assert.equal(!system.ok && system.problem, 'missing-package');
});

test('the install command is exact and shell-quoted', () => {
    assert.equal(installCommand('/v/bin/python', '/work/main'), '/v/bin/python -I -m pip install /work/main');
    assert.equal(installCommand('/my env/python', 'codegen-lsp'), `'/my env/python' -I -m pip install codegen-lsp`);
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
    assert.deepEqual(trusted.args, ['-I', '-m', 'codegen', 'doctor', '--env-file', '/ws/.env', '--trust-env-file',
        '--base-url', 'http://evil.example/v1', '--model', 'm']);
    assert.equal(trusted.cwd, '/tmp');
});

test('every Python the extension starts is isolated and runs from its own folder, never the workspace', () => {
    for (const { args, cwd } of [probeInvocation(), serverInvocation(), installInvocation('codegen-lsp'),
        doctorInvocation({}, true, '/ws', NEUTRAL_FOLDER)]) {
        assert.equal(args[0], '-I');
        assert.equal(cwd, NEUTRAL_FOLDER);
    }
    assert.deepEqual(serverInvocation().args, ['-I', '-m', 'codegen_lsp']);
    assert.equal(NEUTRAL_FOLDER, path.resolve(__dirname, '..', '..', 'common'), "the extension's own folder");
});

/** Runs `python args` from `cwd` with stdin closed; resolves when it exits, whatever its status. */
function runPython(python: string, { args, cwd }: { args: string[]; cwd: string }): Promise<void> {
    return new Promise((resolve) => {
        const child = execFile(python, args, { cwd, timeout: 60000, env: { ...process.env, PIP_NO_INDEX: '1' } }, () => resolve());
        child.stdin?.end();
    });
}

test('started from a terminal in an untrusted folder, no Python we start imports its codegen_lsp, pip or sitecustomize', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'codegen-untrusted-'));
    const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'codegen-marker-')), 'imported');
    const plant = `import pathlib; pathlib.Path(${JSON.stringify(marker)}).write_text(__name__)\n`;
    for (const name of ['codegen_lsp', 'pip', 'codegen']) {
        fs.mkdirSync(path.join(folder, name));
        fs.writeFileSync(path.join(folder, name, '__init__.py'), plant);
        fs.writeFileSync(path.join(folder, name, '__main__.py'), plant);
    }
    fs.writeFileSync(path.join(folder, 'sitecustomize.py'), plant);
    const saved = { cwd: process.cwd(), pythonPath: process.env.PYTHONPATH };
    // The attack: VS Code started from a shell in the folder (our working folder), PYTHONPATH pointing there too.
    process.chdir(folder);
    process.env.PYTHONPATH = folder;
    try {
        const probe = await probeServer(BARE_PYTHON);
        assert.equal(!probe.ok && probe.problem, 'missing-package');
        await runPython(BARE_PYTHON, serverInvocation());
        await runPython(BARE_PYTHON, installInvocation(path.join(folder, 'no-such-project')));
        await runPython(BARE_PYTHON, doctorInvocation({}, false, folder, NEUTRAL_FOLDER));
    } finally {
        process.chdir(saved.cwd);
        if (saved.pythonPath === undefined) {
            delete process.env.PYTHONPATH;
        } else {
            process.env.PYTHONPATH = saved.pythonPath;
        }
    }
    assert.equal(fs.existsSync(marker), false, `imported from the untrusted folder: ${fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : ''}`);
});

test('an interpreter inside an untrusted workspace is never run: named, found on PATH, or linked to', () => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'codegen-ws-'));
    const bin = path.join(workspace, '.venv', 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, 'python3'), '#!/bin/sh\n', { mode: 0o755 });
    const link = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'codegen-link-')), 'python');
    fs.symlinkSync(path.join(bin, 'python3'), link);
    const refused = refuseUntrusted(path.join(bin, 'python3'), [workspace]);
    assert.deepEqual(refused, { ok: false, problem: 'untrusted', detail: workspace });
    assert.deepEqual(refuseUntrusted('python3', [workspace], `${bin}${path.delimiter}/usr/bin`), refused);
    assert.deepEqual(refuseUntrusted(link, [workspace]), refused);
    assert.equal(refuseUntrusted(path.join(bin, 'python3'), []), undefined, 'a trusted workspace runs its own interpreter');
    assert.equal(refuseUntrusted(BARE_PYTHON, [workspace]), undefined);
    assert.equal(refuseUntrusted(`${workspace}-other/python`, [workspace]), undefined);
    const message = probeMessage({ path: path.join(bin, 'python3'), source: 'python extension' }, refused, '');
    assert.match(message, /untrusted.*Trust the workspace, or set codegen\.interpreter/);
});

/** Which Python runs the server, whether the server package is importable there, and how to install it. */

import { execFile } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { SERVER_MODULE } from './constants';
import { type PythonInvocation, pythonInvocation, untrustedHome } from './isolation';

export { NEUTRAL_FOLDER } from './isolation';

/** The language server itself (`python -I -m codegen_lsp`, stdio). */
export function serverInvocation(): PythonInvocation {
    return pythonInvocation(['-m', SERVER_MODULE]);
}

/** The Install button's pip, after the user asked for it. */
export function installInvocation(source: string): PythonInvocation {
    return pythonInvocation(['-m', 'pip', 'install', source]);
}

export type InterpreterSource = 'setting' | 'python extension' | 'default';

export interface Interpreter {
    path: string;
    source: InterpreterSource;
}

export const DEFAULT_PYTHON = 'python3';

/** The `codegen.interpreter` setting, else the Python extension's interpreter, else `python3`. */
export function chooseInterpreter(
    setting: string | null | undefined,
    pythonExtension: string | undefined,
    workspaceFolder?: string,
): Interpreter {
    const configured = typeof setting === 'string' ? setting.trim() : '';
    if (configured) {
        return { path: expandPath(configured, workspaceFolder), source: 'setting' };
    }
    if (pythonExtension && pythonExtension.trim()) {
        return { path: pythonExtension.trim(), source: 'python extension' };
    }
    return { path: DEFAULT_PYTHON, source: 'default' };
}

/** `~` and `${workspaceFolder}` as users write them in settings. */
export function expandPath(value: string, workspaceFolder?: string, home: string = os.homedir()): string {
    let expanded = value;
    if (workspaceFolder) {
        expanded = expanded.replace(/\$\{workspaceFolder\}/g, workspaceFolder);
    }
    if (expanded === '~' || expanded.startsWith('~/')) {
        expanded = path.join(home, expanded.slice(1));
    }
    return expanded;
}

export type Probe =
    | { ok: true; version: string; executable: string }
    | { ok: false; problem: 'no-python' | 'missing-package' | 'broken' | 'untrusted'; detail: string };

const PROBE_SCRIPT = `import sys
try:
    import ${SERVER_MODULE} as m
except ModuleNotFoundError as e:
    print("MISSING " + str(e.name)); sys.exit(3)
print(getattr(m, "__version__", "?")); print(sys.executable)`;

/** The check that the interpreter can import the server package. */
export function probeInvocation(): PythonInvocation {
    return pythonInvocation(['-c', PROBE_SCRIPT]);
}

/** Runs the interpreter once to see whether it exists and can import the server package. */
export function probeServer(python: string, timeoutMs = 20000): Promise<Probe> {
    const { args, cwd } = probeInvocation();
    return new Promise((resolve) => {
        execFile(python, args, { timeout: timeoutMs, cwd }, (error, stdout, stderr) => {
            resolve(probeResult(error, stdout, stderr));
        });
    });
}

/** The probe's answer for an interpreter inside an untrusted workspace, which is never run; else undefined. */
export function refuseUntrusted(python: string, untrustedFolders: readonly string[], searchPath?: string): Probe | undefined {
    const folder = untrustedHome(python, untrustedFolders, searchPath);
    return folder === undefined ? undefined : { ok: false, problem: 'untrusted', detail: folder };
}

/** Reads the probe's outcome; separated from the process so that every outcome can be tested. */
export function probeResult(
    error: { code?: unknown; killed?: boolean; message?: string } | null,
    stdout: string,
    stderr: string,
): Probe {
    if (!error) {
        const [version = '?', executable = ''] = stdout.trim().split(/\r?\n/);
        return { ok: true, version: version.trim(), executable: executable.trim() };
    }
    if (error.code === 'ENOENT' || error.code === 'EACCES') {
        return { ok: false, problem: 'no-python', detail: String(error.message ?? error.code) };
    }
    if (error.code === 3 && stdout.startsWith('MISSING')) {
        return { ok: false, problem: 'missing-package', detail: stdout.trim() };
    }
    const detail = (stderr || stdout || error.message || '').trim().split(/\r?\n/).slice(-3).join(' ');
    return { ok: false, problem: 'broken', detail: error.killed ? `timed out: ${detail}` : detail };
}

/** A shell-safe argument for the command shown to the user. */
export function shellQuote(value: string): string {
    return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The exact command that installs the server package into `python`, from a checkout or the registry. */
export function installCommand(python: string, source: string): string {
    return [python, ...installInvocation(source).args].map(shellQuote).join(' ');
}

/** One sentence saying what is wrong with the interpreter and what to do. */
export function probeMessage(interpreter: Interpreter, probe: Probe, install: string): string {
    const where = `${interpreter.path} (from ${interpreter.source})`;
    if (probe.ok) {
        return `Codegen server ${probe.version} found in ${where}.`;
    }
    switch (probe.problem) {
        case 'no-python':
            return `No Python found at ${where}. Set codegen.interpreter to a Python 3.11+ interpreter, or select one with the Python extension.`;
        case 'untrusted':
            return `Codegen does not run ${where} while this workspace is untrusted: it lives in ${probe.detail}, so running it would run the workspace's code. Trust the workspace, or set codegen.interpreter (in your user settings) to a Python outside it.`;
        case 'missing-package':
            return `The Codegen server package (${SERVER_MODULE}) is not installed in ${where}. Install it with: ${install}`;
        default:
            return `${where} cannot start the Codegen server: ${probe.detail}`;
    }
}

/** A workspace folder holding the server's own pyproject.toml, else the package name on PyPI. */
export function installSource(folders: readonly { path: string; pyproject?: string }[], packageName: string): string {
    const pattern = new RegExp(`^name\\s*=\\s*["']${packageName.replace(/[-_]/g, '[-_]')}["']`, 'm');
    const checkout = folders.find((folder) => folder.pyproject && pattern.test(folder.pyproject));
    return checkout ? checkout.path : packageName;
}

/** How "Check Setup" runs the CLI's doctor: isolated (-I) from a neutral folder, so nothing in the
 * workspace (a `codegen/` folder, a `.env`, its baseUrl) can stand in for ours unless it is trusted. */
export function doctorInvocation(
    settings: Record<string, unknown>,
    trusted: boolean,
    workspaceFolder: string | undefined,
    neutralFolder: string,
): PythonInvocation {
    const args = ['-m', 'codegen', 'doctor'];
    if (trusted && workspaceFolder) {
        // whole, as the server reads a trusted workspace's .env
        args.push('--env-file', path.join(workspaceFolder, '.env'), '--trust-env-file');
    } else {
        args.push('--no-env-file');
    }
    for (const [name, flag] of [['baseUrl', '--base-url'], ['model', '--model']] as const) {
        const value = settings[name];
        if (trusted && typeof value === 'string' && value) {
            args.push(flag, value);
        }
    }
    return pythonInvocation(args, neutralFolder);
}

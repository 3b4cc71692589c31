/** How every Python the extension starts is started: isolated, from a neutral folder, and never an
 * interpreter that lives in an untrusted workspace. */

import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where every Python we start runs: the extension's own folder, never a workspace, which could hold
 * a `codegen_lsp/`, a `pip/` or a `.env` of its choosing. */
export const NEUTRAL_FOLDER = __dirname;

/** Arguments and working folder of one Python the extension starts. */
export interface PythonInvocation {
    args: string[];
    cwd: string;
}

/** Every Python the extension starts goes through here: isolated (-I: neither the working folder nor the
 * user site on sys.path, no PYTHON* variables) and started from a neutral folder, whatever the trust. */
export function pythonInvocation(args: readonly string[], cwd: string = NEUTRAL_FOLDER): PythonInvocation {
    return { args: ['-I', ...args], cwd };
}

/** The executable a command name runs: itself when it holds a slash, else the first match on PATH. */
export function resolveCommand(command: string, searchPath: string = process.env.PATH ?? ''): string {
    if (command.includes(path.sep)) {
        return path.resolve(command);
    }
    for (const folder of searchPath.split(path.delimiter)) {
        const candidate = path.resolve(folder || '.', command);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            return candidate;
        } catch {
            // not here: the next PATH entry
        }
    }
    return command;
}

function realOrSame(file: string): string {
    try {
        return fs.realpathSync(file);
    } catch {
        return file;
    }
}

/** The untrusted folder an interpreter lives in (as named or once links are followed), if any: running
 * it would run that folder's code (a venv's site-packages runs its `.pth` files even under -I). */
export function untrustedHome(python: string, untrustedFolders: readonly string[], searchPath?: string): string | undefined {
    const named = resolveCommand(python, searchPath);
    const places = [named, realOrSame(named)];
    return untrustedFolders.find((folder) => {
        const roots = [path.resolve(folder), realOrSame(folder)];
        return places.some((place) => roots.some((root) => place === root || place.startsWith(root + path.sep)));
    });
}

/** The interpreter selected in the Python extension (ms-python.python), through its typed API, when it is installed. */

import { PythonExtension } from '@vscode/python-extension';
import type * as vscode from 'vscode';

/** The API, or undefined when the Python extension is missing, disabled or fails to activate. */
async function pythonApi(): Promise<PythonExtension | undefined> {
    try {
        return await PythonExtension.api();
    } catch {
        return undefined;
    }
}

/** The executable selected for `resource` (a folder's own choice in a multi-root workspace), or undefined. */
export async function selectedInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
    const environments = (await pythonApi())?.environments;
    if (!environments) {
        return undefined;
    }
    try {
        const active = environments.getActiveEnvironmentPath(resource);
        const resolved = await environments.resolveEnvironment(active);
        return resolved?.executable.uri?.fsPath ?? active.path;
    } catch {
        return undefined;
    }
}

/** Calls `listener` with the folder whose interpreter the user changed (undefined: the whole window). */
export async function onDidChangeSelectedInterpreter(
    listener: (folder: vscode.WorkspaceFolder | undefined) => void,
): Promise<vscode.Disposable | undefined> {
    return (await pythonApi())?.environments.onDidChangeActiveEnvironmentPath((event) => listener(event.resource));
}

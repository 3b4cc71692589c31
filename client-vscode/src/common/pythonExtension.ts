/** The interpreter selected in the Python extension (ms-python.python), when it is installed. */

import * as vscode from 'vscode';
import { PYTHON_EXTENSION_ID } from './constants';

interface EnvironmentPath {
    id: string;
    path: string;
}

/** The part of the Python extension's API we use (its `environments` API, stable since 2023). */
interface PythonApi {
    environments?: {
        getActiveEnvironmentPath(resource?: vscode.Uri): EnvironmentPath;
        resolveEnvironment(environment: EnvironmentPath): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
        onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
    };
}

async function pythonApi(): Promise<PythonApi | undefined> {
    const extension = vscode.extensions.getExtension<PythonApi>(PYTHON_EXTENSION_ID);
    if (!extension) {
        return undefined;
    }
    try {
        return extension.isActive ? extension.exports : await extension.activate();
    } catch {
        return undefined;
    }
}

/** The selected interpreter's executable, or undefined without the Python extension. */
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

/** Calls `listener` when the user selects another interpreter in the Python extension. */
export async function onDidChangeSelectedInterpreter(listener: () => void): Promise<vscode.Disposable | undefined> {
    return (await pythonApi())?.environments?.onDidChangeActiveEnvironmentPath(() => listener());
}

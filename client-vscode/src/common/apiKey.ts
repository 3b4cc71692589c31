/** The model API key: from the environment, else VS Code's SecretStorage; never from a setting. */

import type * as vscode from 'vscode';
import { API_KEY_ENV, API_KEY_SECRET } from './constants';

export type ApiKeySource = 'environment' | 'secret storage' | 'none';

export interface ApiKey {
    value?: string;
    source: ApiKeySource;
}

/** The environment wins (the user's shell chose it); the stored secret fills in when it is unset. */
export async function resolveApiKey(
    environment: NodeJS.ProcessEnv,
    secrets: Pick<vscode.SecretStorage, 'get'>,
): Promise<ApiKey> {
    const fromEnvironment = environment[API_KEY_ENV];
    if (fromEnvironment && fromEnvironment.trim()) {
        return { value: fromEnvironment, source: 'environment' };
    }
    const stored = await secrets.get(API_KEY_SECRET);
    return stored ? { value: stored, source: 'secret storage' } : { source: 'none' };
}

/** The server's environment: ours, plus the stored key when the environment has none. */
export function serverEnvironment(environment: NodeJS.ProcessEnv, key: ApiKey): NodeJS.ProcessEnv {
    const result: NodeJS.ProcessEnv = { ...environment, PYTHONUNBUFFERED: '1' };
    if (key.source === 'secret storage' && key.value) {
        result[API_KEY_ENV] = key.value;
    }
    return result;
}

/** `sk-…abcd` at most, as the server shows keys. */
export function maskKey(value: string | undefined): string {
    if (!value) {
        return '(not set)';
    }
    return value.length <= 8 ? '…' : `${value.slice(0, 3)}…${value.slice(-4)}`;
}

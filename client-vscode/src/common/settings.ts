/** The `codegen.*` settings, named by package.json, turned into what the server is sent. */

import { CONFIGURATION_SECTION } from './constants';

export type Section = typeof CONFIGURATION_SECTION;
export type ServerSettings = Record<string, unknown>;

/** What the server gets in initializationOptions: its settings plus whether the workspace is trusted. */
export interface InitializationOptions {
    codegen: ServerSettings;
    workspaceTrusted: boolean;
}

/** Anything with VS Code's WorkspaceConfiguration `get`. */
export interface ConfigurationReader {
    get<T>(name: string): T | undefined;
}

/** The part of package.json that declares the settings. */
export interface PackageJson {
    contributes?: { configuration?: { properties?: Record<string, { default?: unknown }> } };
}

/** Setting names under `section.` in package.json (the one place they are declared), without the prefix. */
export function settingNames(packageJson: PackageJson, section: Section = 'codegen'): string[] {
    const properties = packageJson.contributes?.configuration?.properties ?? {};
    const prefix = `${section}.`;
    return Object.keys(properties)
        .filter((key) => key.startsWith(prefix))
        .map((key) => key.slice(prefix.length));
}

/** Every named setting's current value (package.json's default when unset); undefined becomes null. */
export function readSettings(names: readonly string[], config: ConfigurationReader): ServerSettings {
    const settings: ServerSettings = {};
    for (const name of names) {
        const value = config.get<unknown>(name);
        settings[name] = value === undefined ? null : value;
    }
    return settings;
}

/**
 * The settings with the interpreter generated tests should run with, resolved by the extension (the
 * setting with `~` and `${workspaceFolder}` expanded, else the Python extension's choice); unresolved
 * (an untrusted workspace, where the server refuses one) leaves the setting as it is.
 */
export function withInterpreter(settings: ServerSettings, interpreter: string | undefined): ServerSettings {
    return interpreter ? { ...settings, interpreter } : settings;
}

/** One item of a workspace/configuration request: the section and the folder (or file) it is asked for. */
export interface ConfigurationItem {
    section?: string;
    scopeUri?: string;
}

/** Resolves the test interpreter for a scope, given what the `interpreter` setting says there. */
export type InterpreterFor = (scopeUri: string | undefined, configured: unknown) => Promise<string | undefined>;

/** The answers to a workspace/configuration request, each `codegen` one with the interpreter of its own folder. */
export async function withFolderInterpreters(
    items: readonly ConfigurationItem[],
    answers: readonly unknown[],
    interpreterFor: InterpreterFor,
): Promise<unknown[]> {
    return Promise.all(answers.map(async (value, index) => {
        const item = items[index];
        if (item?.section !== CONFIGURATION_SECTION || !value || typeof value !== 'object' || Array.isArray(value)) {
            return value;
        }
        const settings = value as ServerSettings;
        return withInterpreter(settings, await interpreterFor(item.scopeUri, settings.interpreter));
    }));
}

export function initializationOptions(settings: ServerSettings, workspaceTrusted: boolean): InitializationOptions {
    return { codegen: settings, workspaceTrusted };
}

/** Settings whose change needs a new server process rather than a didChangeConfiguration. */
export const RESTART_SETTINGS: readonly string[] = ['interpreter'];

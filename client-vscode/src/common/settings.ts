/** The `codegen.*` settings, named by package.json, turned into what the server is sent. */

import type { CONFIGURATION_SECTION } from './constants';

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

interface PackageJson {
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
 * The settings the server should use for running tests: an empty `interpreter` is filled with the
 * interpreter the extension chose (the Python extension's, usually), so tests run in the user's project.
 */
export function withInterpreter(settings: ServerSettings, interpreter: string | undefined): ServerSettings {
    const current = settings.interpreter;
    if (interpreter && (current === null || current === undefined || current === '')) {
        return { ...settings, interpreter };
    }
    return settings;
}

export function initializationOptions(settings: ServerSettings, workspaceTrusted: boolean): InitializationOptions {
    return { codegen: settings, workspaceTrusted };
}

/** Settings whose change needs a new server process rather than a didChangeConfiguration. */
export const RESTART_SETTINGS: readonly string[] = ['interpreter'];

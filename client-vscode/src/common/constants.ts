/** Names the extension shares with package.json and the language server: ids, sections, modules. */

export const EXTENSION_NAME = 'Codegen';
export const CONFIGURATION_SECTION = 'codegen';
export const SERVER_MODULE = 'codegen_lsp';
export const PYPI_PACKAGE = 'codegen-lsp';
export const DIAGNOSTIC_SOURCE = 'codegen';
export const API_KEY_SECRET = 'codegen.openaiApiKey';
export const API_KEY_ENV = 'OPENAI_API_KEY';

/** Commands the server registers; vscode-languageclient registers these ids itself. */
export const ServerCommands = {
    generate: 'codegen.generate',
    generateTests: 'codegen.generateTests',
    runTests: 'codegen.runTests',
    showTrace: 'codegen.showTrace',
} as const;

/** Sent by the server when work a command started in the background ends (see jobs.ts). */
export const FINISHED_NOTIFICATION = '$/codegen/finished';

/** Commands this extension contributes (ids of their own, so they never clash with the server's). */
export const ClientCommands = {
    generateTests: 'codegen.client.generateTests',
    runTests: 'codegen.client.runTests',
    restartServer: 'codegen.client.restartServer',
    showOutput: 'codegen.client.showOutput',
    checkSetup: 'codegen.client.checkSetup',
    setApiKey: 'codegen.client.setApiKey',
    clearApiKey: 'codegen.client.clearApiKey',
    showTrace: 'codegen.client.showTrace',
} as const;

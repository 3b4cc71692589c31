// ESLint (flat config): the extension's TypeScript with typescript-eslint's type-aware rules, and the
// end-to-end test's plain JavaScript modules (e2e/) with ESLint's recommended rules.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// The style rules both share.
const style = {
    eqeqeq: 'error',
    curly: 'error',
};

export default defineConfig(
    { ignores: ['dist/', 'out/', 'node_modules/', 'test-output/', 'scripts/', 'esbuild.mjs', 'eslint.config.mjs'] },
    {
        files: ['src/**/*.ts'],
        extends: [eslint.configs.recommended, tseslint.configs.recommendedTypeChecked],
        languageOptions: {
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        rules: {
            ...style,
            'no-console': 'error', // the output channel is where the extension speaks
            // node:test's test() returns a promise the runner itself awaits.
            '@typescript-eslint/no-floating-promises': ['error', {
                allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: 'test' }],
            }],
            '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
        },
    },
    {
        files: ['e2e/**/*.mjs'],
        extends: [eslint.configs.recommended],
        languageOptions: {
            sourceType: 'module',
            // Node's globals the test uses, and the page's `document` inside page.evaluate() callbacks
            // (they run in the browser).
            globals: {
                console: 'readonly', process: 'readonly', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly',
                document: 'readonly',
            },
        },
        rules: {
            ...style,
            'no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
            'prefer-const': 'error',
            'no-var': 'error',
        },
    },
);

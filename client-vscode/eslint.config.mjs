// ESLint (flat config) over the extension's TypeScript, with typescript-eslint's type-aware rules.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
    { ignores: ['dist/', 'out/', 'node_modules/', 'e2e/', 'scripts/', 'esbuild.mjs', 'eslint.config.mjs'] },
    eslint.configs.recommended,
    tseslint.configs.recommendedTypeChecked,
    {
        files: ['src/**/*.ts'],
        languageOptions: {
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        rules: {
            eqeqeq: 'error',
            curly: 'error',
            'no-console': 'error', // the output channel is where the extension speaks
            // node:test's test() returns a promise the runner itself awaits.
            '@typescript-eslint/no-floating-promises': ['error', {
                allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: 'test' }],
            }],
            '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
        },
    },
);

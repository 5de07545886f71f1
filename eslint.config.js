// Lint rules that catch what typecheck does not (part of `npm run check`): unawaited promises,
// switches that miss a case of a union, and the dependency rule of docs/architecture.md.
// Formatting is prettier's (check:format), import circles dependency-cruiser's (check:cycles).
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** An adapter: a port's storage or blob implementation (src/<port>/{sqlite,postgres,memory}/, src/db/{sqlite,postgres}/, src/blobs/{fs,s3}/). */
const ADAPTER_DIRS = ['src/*/sqlite/**', 'src/*/postgres/**', 'src/*/memory/**', 'src/blobs/fs/**', 'src/blobs/s3/**'];
const adapterImport = {
  regex: String.raw`^\.{1,2}/(?:.*/)?(?:sqlite|postgres|memory|blobs/fs|blobs/s3)/`,
  message: 'Only the composition root (src/backends.ts, src/main.ts) imports an adapter; depend on the port instead.',
};

export default defineConfig(
  {
    ignores: ['dist/**', 'packages/*/dist/**', 'vendor/**', 'data/**', 'coverage/**', 'bench/out/**', 'node_modules/**', '**/*.d.ts'],
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts', 'vitest.optional.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A promise nobody awaits loses its rejection (an unhandled rejection kills the process).
      '@typescript-eslint/no-floating-promises': 'error',
      // A new task status, event or engine kind must be handled wherever a switch lists them;
      // a `default:` does not count as handling every member of a union.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false }],
      // One import statement per module (the SDK move left pairs behind).
      'no-duplicate-imports': ['error', { allowSeparateTypeImports: true }],
    },
  },
  {
    // The server's modules: the composition root is the only place that knows the adapters.
    files: ['src/**/*.ts'],
    ignores: ['src/backends.ts', 'src/main.ts', ...ADAPTER_DIRS],
    rules: { 'no-restricted-imports': ['error', { patterns: [adapterImport] }] },
  },
  {
    // blob-store.ts and its siblings see the adapters as ./fs/ and ./s3/.
    files: ['src/blobs/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [adapterImport, { regex: String.raw`^\./(?:fs|s3)/`, message: adapterImport.message }] }],
    },
  },
  {
    // The wire protocol is pure: it imports only itself (no node:, no package, nothing of the SDK).
    files: ['packages/sdk/src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: String.raw`^(?!\./)`, message: 'packages/sdk/src/protocol/ imports nothing outside protocol/.' }] },
      ],
    },
  },
  {
    // The SDK: its own files and node built-ins only (no dependency, nothing of the server).
    files: ['packages/sdk/src/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: String.raw`^(?!\./|node:)`, message: 'The SDK has no dependencies: import its own files or node: built-ins only.' }] },
      ],
    },
  },
);

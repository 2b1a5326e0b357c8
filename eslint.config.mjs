// The rules a reviewer should not have to check: every switch over a union is
// exhaustive, no promise is dropped, and the layers of a service point one way
// (domain ↛ app | adapters, app ↛ adapters: app/ports.ts says what app needs).
// Formatting is Prettier's (npm run format): no rule here is about layout, so the two never disagree.
import tseslint from 'typescript-eslint';

const layer = (message, group) => ['error', { patterns: [{ group, message }] }];

export default tseslint.config(
  // Specs and tests are outside the packages' tsconfigs (so outside the type-aware rules).
  {
    ignores: [
      '**/dist/**',
      '**/gen/**',
      '**/node_modules/**',
      '**/*.js',
      '**/*.cjs',
      '**/*.mjs',
      '**/*.spec.ts',
      '**/test/**',
      'web/**',
      'loadtest/**',
      'bench/**',
    ],
  },
  {
    files: ['packages/*/src/**/*.ts', 'services/*/src/**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false }],
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    files: ['services/*/src/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@foodmesh/platform',
              allowTypeImports: true,
              message: 'domain code is pure: import @foodmesh/platform/errors, /order-lifecycle or /customer-text, or only types',
            },
          ],
          patterns: [
            { group: ['**/app', '**/app/**', '**/adapters', '**/adapters/**'], message: 'domain code is pure: it may not import app or adapters' },
            { regex: '^(pg|kafkajs|@grpc/.*)$', message: 'domain code is pure: no I/O libraries' },
          ],
        },
      ],
    },
  },
  {
    files: ['services/*/src/app/**/*.ts'],
    rules: { 'no-restricted-imports': layer('app depends on ports (app/ports.ts), never on adapters', ['**/adapters', '**/adapters/**']) },
  },
);

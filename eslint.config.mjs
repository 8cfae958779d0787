import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // What Lambda loads: `import { z } from 'zod'` pulls zod's whole namespace, every locale with it,
    // into a bundle (+280 KB); `import * as z from 'zod'` lets esbuild keep only what is used.
    files: ['functions/**/*.ts', 'shared/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='zod'][importKind!='type'] > ImportSpecifier[imported.name='z'][importKind!='type']",
          message: "Use `import * as z from 'zod'` (bundle size: see infra/bundling.ts).",
        },
      ],
    },
  },
  {
    // What Lambda and the local stack load never pulls in the CDK: the route table (infra/httpRoutes.ts)
    // is read by the local stack's router as well as by the app stack.
    files: ['functions/**/*.ts', 'shared/**/*.ts', 'local/**/*.ts', 'infra/httpRoutes.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
              allowTypeImports: true,
              message: 'The CDK is for infra/ only: Lambda code and the local stack must not load it.',
            },
          ],
        },
      ],
    },
  },
  {
    // The console runs in the browser: the server's modules (functions/, zod) only as types, so that its
    // answers' shapes come from the admin API's schemas without zod in the bundle; and no node globals
    // (its type check sees node's types, which the server modules it reads types from need).
    files: ['console/src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'zod', allowTypeImports: true, message: 'The console bundles no zod: import its types only (`import type`).' }],
          patterns: [
            {
              group: ['**/functions/**'],
              allowTypeImports: true,
              message:
                'The console takes only types from the server (`import type`): its modules would bring zod and node into the bundle.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['Buffer', 'process', 'global', 'require', 'module', '__dirname', '__filename', 'setImmediate'].map((name) => ({
          name,
          message: 'The console runs in the browser.',
        })),
      ],
    },
  },
  // scratch/ holds throwaway experiments, never committed.
  { ignores: ['scratch/'] },
);

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
          patterns: [{ group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'], allowTypeImports: true, message: 'The CDK is for infra/ only: Lambda code and the local stack must not load it.' }],
        },
      ],
    },
  },
  // scratch/ holds throwaway experiments, never committed.
  { ignores: ['scratch/'] },
);

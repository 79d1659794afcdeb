// Lint rules: typescript-eslint's recommended type-aware set, plus the habits of ../STYLE.md
// that a linter can check (exhaustive switches, no floating promises, no console outside log.ts).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-bench/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  { files: ['src/log.ts', 'test/**', 'bench/**'], rules: { 'no-console': 'off' } },
  { files: ['test/fixtures/bin/**', 'conf/demo/**', 'eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  // Plain Node scripts (fixtures, the demo programs): Node's globals.
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setInterval: 'readonly', setTimeout: 'readonly', clearInterval: 'readonly', Buffer: 'readonly' } },
    rules: { 'no-console': 'off' },
  },
);

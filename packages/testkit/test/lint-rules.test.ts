import path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(__dirname, '../../..');
const eslint = new ESLint({ cwd: root });

/** Lints `code` as if it were the file at `file` (relative to the repository). */
async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

// `npm test` runs `npm run lint` (eslint.config.mjs) over the repository; these show that it catches what it is for.
describe('the lint rules npm test runs', () => {
  it('refuse a domain module that imports an adapter, the app or an I/O library', async () => {
    const found = await problems(
      'services/order/src/domain/order.ts',
      "import { pgOrderStore } from '../adapters/pg/orders-repo';\nimport { placeOrder } from '../app/checkout';\nimport { Pool } from 'pg';\nexport const all = [pgOrderStore, placeOrder, Pool];\n",
    );
    expect(found).toEqual([
      expect.stringMatching(/no-restricted-imports: '..\/adapters\/pg\/orders-repo' .*domain code is pure: it may not import app or adapters/),
      expect.stringMatching(/no-restricted-imports: '..\/app\/checkout' .*domain code is pure: it may not import app or adapters/),
      expect.stringMatching(/no-restricted-imports: 'pg' .*domain code is pure: no I\/O libraries/),
    ]);
  });

  it('refuse an app module that imports an adapter', async () => {
    const found = await problems(
      'services/payment/src/app/injected-error.ts',
      "export { pgPaymentQueries } from '../adapters/pg/payment-repo';\nimport * as repo from '../adapters/pg/payment-repo';\nexport const r = repo;\n",
    );
    expect(found).toContainEqual(expect.stringMatching(/no-restricted-imports: .*app depends on ports \(app\/ports.ts\), never on adapters/));
  });

  it('refuse a dropped promise and a switch that forgets a case', async () => {
    const found = await problems(
      'services/order/src/domain/money.ts',
      [
        "type Kind = 'a' | 'b';",
        'export function f(k: Kind): number {',
        '  switch (k) {',
        "    case 'a':",
        '      return 1;',
        '  }',
        '  return 0;',
        '}',
        'export function g(p: () => Promise<void>): void {',
        '  p();',
        '}',
      ].join('\n'),
    );
    expect(found).toEqual([
      expect.stringMatching(/^@typescript-eslint\/switch-exhaustiveness-check: .*"b"/),
      expect.stringMatching(/^@typescript-eslint\/no-floating-promises: /),
    ]);
  });
});

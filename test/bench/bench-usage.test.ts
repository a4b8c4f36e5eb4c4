import { afterEach, describe, expect, it, vi } from 'vitest';
import { runBenchCli } from '../../bench/hot-path.js';

/** A bench started wrongly says what is wrong in one line and exits 2, before starting anything. */
describe('nyx bench usage errors', () => {
  const saved = { REDIS_URL: process.env.REDIS_URL, DATABASE_URL: process.env.DATABASE_URL };
  afterEach(() => {
    vi.restoreAllMocks();
    for (const [name, value] of Object.entries(saved))
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  });

  const errorsOf = async (argv: string[]) => {
    const printed: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void printed.push(String(line)));
    const code = await runBenchCli(argv);
    return { code, printed };
  };

  it('--distributed without the services named in the environment', async () => {
    delete process.env.REDIS_URL;
    delete process.env.DATABASE_URL;
    const { code, printed } = await errorsOf(['--distributed', '--quick']);
    expect(code).toBe(2);
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(/^nyx bench: --distributed needs REDIS_URL and DATABASE_URL/);
    expect(printed[0]).not.toMatch(/\n\s+at /);
  });

  it('a bad number names its option', async () => {
    const { code, printed } = await errorsOf(['--players', 'many']);
    expect(code).toBe(2);
    expect(printed[0]).toMatch(/--players: expected a whole number/);
  });
});

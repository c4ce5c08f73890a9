import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '@marketpipe/testkit';
import { BIN, runBin } from './run-bin';

/** Preloaded into the bin: reports every module Node loads, so a test can see what help costs. */
const TRACE_LOADS = `data:text/javascript,${encodeURIComponent(
  `import { registerHooks } from 'node:module';
   registerHooks({ load(url, context, next) { process.stderr.write('loaded ' + url + '\\n'); return next(url, context); } });`,
)}`;

describe('marketpipe (the bin as a process)', () => {
  it('answers --help from the usage module alone: no tsx, no command, no dependency', async () => {
    const { code, stdout, stderr } = await runBin(['--help'], { nodeArgs: ['--import', TRACE_LOADS] });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: marketpipe <command>/);
    const loaded = [...stderr.matchAll(/^loaded (file:.*)$/gm)].map((m) => m[1]);
    expect(loaded).toEqual([pathToFileURL(BIN).href, new URL('../../src/cli/usage.ts', import.meta.url).href]);
  });

  it('answers usage mistakes without loading a command, naming the flag', async () => {
    const cases: [string[], number, RegExp][] = [
      [[], 2, /^usage: marketpipe <command>/m],
      [['bogus'], 2, /unknown command "bogus"/],
      [['fetch', '--symbol', 'EURUSD'], 2, /--provider is required/],
      [['fetch', '--provider', 'sim', '--symbol', 'EURUSD', '--bogus'], 2, /Unknown option '--bogus'/],
      [['keys', 'create'], 2, /create: --name is required/],
      [['keys', 'rotate', '--name', 'x'], 2, /unknown action "rotate"/],
      [['run', 'now'], 2, /unexpected argument "now"/],
    ];
    for (const [args, exit, message] of cases) {
      const { code, stderr } = await runBin(args, { nodeArgs: ['--import', TRACE_LOADS] });
      expect(code, args.join(' ')).toBe(exit);
      expect(stderr, args.join(' ')).toMatch(message);
      expect(stderr, `${args.join(' ')} loaded tsx`).not.toMatch(/^loaded .*\/tsx\//m);
    }
    const help = await runBin(['keys', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: marketpipe keys create --name NAME/);
  });

  it('names --provider and --symbol, not the variables they stand for', async () => {
    const provider = await runBin(['fetch', '--provider', 'foo', '--symbol', 'EURUSD']);
    expect(provider.code).toBe(2);
    expect(provider.stderr).toBe('--provider: "foo" is not a provider (known: sim, yahoo, alphavantage, twelvedata, polygon)\n');
    const symbol = await runBin(['fetch', '--provider', 'sim', '--symbol', 'NOPE']);
    expect(symbol.code).toBe(2);
    expect(symbol.stderr).toMatch(/^--symbol: "NOPE" is not a known symbol \(known: EURUSD, XAUUSD, NAS100/);
    const needsKey = await runBin(['fetch', '--provider', 'polygon', '--symbol', 'EURUSD']);
    expect(needsKey.code).toBe(2);
    expect(needsKey.stderr).toMatch(/^--provider: polygon needs its key: set POLYGON_API_KEY/);
    const badEnv = await runBin(['fetch', '--provider', 'sim', '--symbol', 'EURUSD'], { env: { SIM_SPEED: '-1' } });
    expect(badEnv.code, 'a bad variable is still named as the variable').toBe(78);
    expect(badEnv.stderr).toMatch(/^ {2}SIM_SPEED: /m);
  });

  it('keys fails within 5 s, naming Redis, when Redis is unreachable', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const { code, stderr, ms } = await runBin(['keys', 'list'], { env: { REDIS_URL: url } });
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(ms).toBeLessThan(5_000);
    expect(stderr).toContain(`Redis at ${url} is unreachable`);
  });
});

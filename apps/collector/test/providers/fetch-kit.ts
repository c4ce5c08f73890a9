import { afterAll, beforeAll } from 'vitest';
import { fetchCommand } from '../../src/cli/fetch';
import { startFakeProviders, type FakeProviders } from '../fakes';

/** `marketpipe fetch` in-process against the recorded fake providers, its output captured. */
export interface FetchKit {
  run(args: string[], env?: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }>;
  readonly fakes: FakeProviders;
}

export function fetchAgainstFakes(): FetchKit {
  let fakes: FakeProviders;
  beforeAll(async () => {
    fakes = await startFakeProviders();
  });
  afterAll(() => fakes.stop());
  const run: FetchKit['run'] = async (args, env = {}) => {
    let stdout = '';
    let stderr = '';
    const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
    const code = await fetchCommand(args, { ...fakes.env, ...env }, io);
    return { code, stdout, stderr };
  };
  return {
    run,
    get fakes() {
      return fakes;
    },
  };
}

import { describe, expect, it } from 'vitest';
import { fixture } from '../../test/app-fixture';

describe('the benchmark routes', () => {
  it('exist only with benchRoutes (BENCH_ROUTES=1), behind the API key', async () => {
    const off = await fixture();
    expect((await off.request('/v1/bench/ping')).status).toBe(404);

    const on = await fixture({ benchRoutes: true });
    expect(await (await on.request('/v1/bench/constant')).json()).toEqual({ ok: true });
    expect((await on.request('/v1/bench/ping')).status).toBe(200);
    expect(on.market.pings).toBe(1);
    expect((await on.app.request('/v1/bench/ping')).status, 'no key').toBe(401);
    expect(on.market.pings).toBe(1);
  });
});

import { createClient } from 'redis';

export interface RedisCounters {
  commands: number;
  netInputBytes: number;
  netOutputBytes: number;
  /** CPU seconds redis-server has used (INFO cpu, all its threads) */
  cpuSeconds: number;
  /** calls per command name (INFO commandstats) */
  calls: Map<string, number>;
}

function field(info: string, name: string): number {
  const m = new RegExp(`^${name}:(\\d+(?:\\.\\d+)?)`, 'm').exec(info);
  return m ? Number(m[1]) : 0;
}

/** Reads Redis's own counters (INFO stats and commandstats), so what a cycle costs Redis is measured where it is paid. */
export async function redisCounters(url: string): Promise<RedisCounters> {
  const client = createClient({ url });
  await client.connect();
  try {
    const stats = await client.info('stats');
    const commandstats = await client.info('commandstats');
    const cpu = await client.info('cpu');
    const calls = new Map<string, number>();
    for (const m of commandstats.matchAll(/^cmdstat_([\w|]+):calls=(\d+)/gm)) calls.set(m[1]!, Number(m[2]));
    return {
      commands: field(stats, 'total_commands_processed'),
      netInputBytes: field(stats, 'total_net_input_bytes'),
      netOutputBytes: field(stats, 'total_net_output_bytes'),
      cpuSeconds: field(cpu, 'used_cpu_sys') + field(cpu, 'used_cpu_user'),
      calls,
    };
  } finally {
    client.destroy();
  }
}

/** Per-cycle deltas between two readings; the top commands by calls. */
export function perCycle(before: RedisCounters, after: RedisCounters, cycles: number) {
  const per = (a: number, b: number) => (cycles > 0 ? (b - a) / cycles : 0);
  const top = [...after.calls]
    .map(([name, n]) => [name, per(before.calls.get(name) ?? 0, n)] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([name, n]) => `${name} ${n.toFixed(1)}`);
  return {
    redisCommandsPerCycle: +per(before.commands, after.commands).toFixed(1),
    redisBytesInPerCycle: Math.round(per(before.netInputBytes, after.netInputBytes)),
    redisBytesOutPerCycle: Math.round(per(before.netOutputBytes, after.netOutputBytes)),
    redisCpuMsPerCycle: +(per(before.cpuSeconds, after.cpuSeconds) * 1_000).toFixed(1),
    redisTopCommands: top.join(', '),
  };
}

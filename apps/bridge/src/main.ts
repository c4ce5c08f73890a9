/**
 * `tsx apps/bridge/src/main.ts`: runs the bridge from BRIDGE_PORT / BRIDGE_TOKEN / REDIS_URL
 * until SIGINT/SIGTERM. Prints one JSON line `{ url, token }` on stdout once it listens, so a
 * parent process (the demo) can read where it is.
 */
import { loadBridgeConfig } from './config';
import { startBridge } from './server';

try {
  const config = loadBridgeConfig();
  const bridge = await startBridge(config);
  process.stdout.write(`${JSON.stringify({ url: bridge.url, token: bridge.token })}\n`);
  const stop = () => {
    bridge.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  process.stderr.write(`bridge: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Global setup of the api-node project: the dashboard's script is a build product
 * (lightweight-charts bundled in), built once here as the demo does, before any test file
 * starts a Worker that serves it.
 */
export default function buildDashboard(): void {
  execFileSync('npm', ['run', 'build:dashboard'], { cwd: fileURLToPath(new URL('../../', import.meta.url)), stdio: 'inherit' });
}

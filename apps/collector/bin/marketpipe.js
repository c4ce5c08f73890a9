#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step): tsx registers a loader for .ts files.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));

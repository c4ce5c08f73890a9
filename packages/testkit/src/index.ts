export * from './redis-server';
export * from './ports';
export * from './eventually';
export * from './api-worker';
export * from './prng';

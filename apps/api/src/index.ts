export { createApp, type AppOptions } from './app';
export { buildApp } from './worker';
export { loadApiConfig, type ApiConfig, type WorkerEnv } from './env';
export { hashApiKey, type AuthMode } from './middleware/auth';
export { upstashPorts, type UpstashPortsOptions } from './upstash/ports';
export { BinaryPipeline, type BinaryReply } from './upstash/binary-pipeline';
export * from './ports';
export * from './errors';

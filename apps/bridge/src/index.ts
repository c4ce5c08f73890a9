export { startBridge, type BridgeOptions, type RunningBridge } from './server';
export { loadBridgeConfig, BridgeConfigError, type BridgeConfig } from './config';
export { BridgeError } from './errors';

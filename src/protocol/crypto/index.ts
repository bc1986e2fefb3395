/** Provider selection. The node provider is only importable where node:crypto exists. */
export * from './provider.ts';
export { createNobleProvider } from './noble.ts';

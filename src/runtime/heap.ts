// Heap limits of the worker threads. A small young generation keeps a worker's per-batch garbage from
// growing the process's RSS (each worker's semi-spaces count); the old-generation cap only stops a runaway.
import type { ResourceLimits } from 'node:worker_threads';

export const WORKER_HEAP: ResourceLimits = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 2048 };

/**
 * `nyx/runtime`: the backend ports and both forms of each — the embedded default and the
 * distributed one — for a game that composes its own runtime instead of calling `startNyx`.
 */
export { cacheKey, type Cache, type CacheEntry } from '../runtime/cache/cache.js';
export { MemoryCache } from '../runtime/cache/memory-cache.js';
export { RedisCache } from '../runtime/cache/redis-cache.js';
export { DEFAULT_LOCK_TTL_MS, isLockBusy, type LockBusy, type LockHandle, type Locks } from '../runtime/locks/locks.js';
export { MemoryLocks } from '../runtime/locks/memory-locks.js';
export { RedisLocks } from '../runtime/locks/redis-locks.js';
export type { IdempotencyGuard, IdempotentOutcome } from '../runtime/idempotency/idempotency.js';
export { MemoryIdempotencyGuard } from '../runtime/idempotency/memory-idempotency-guard.js';
export { RedisIdempotencyGuard } from '../runtime/idempotency/redis-idempotency-guard.js';
export type { ContentEvent, ContentHub } from '../runtime/hub/content-hub.js';
export { InProcessHub } from '../runtime/hub/in-process-hub.js';
export { RedisHub } from '../runtime/hub/redis-hub.js';
export type {
  Backoff,
  DispatchOptions,
  DispatchResult,
  JobContext,
  JobOutcome,
  QueueCounts,
  TaskDefinition,
  TaskHandler,
  TaskQueue,
} from '../runtime/queue/task-queue.js';
export { InProcessQueue } from '../runtime/queue/in-process-queue.js';
export { BullMqQueue } from '../runtime/queue/bullmq-queue.js';
export { openDatabase, type Database, type DatabaseOptions } from '../runtime/db/database.js';
export { hotPath, HotPathViolation } from '../runtime/hot-path/hot-path.js';

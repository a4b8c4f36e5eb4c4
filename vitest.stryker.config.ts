import { defineConfig, mergeConfig } from 'vitest/config';

// `npm run mutation` (StrykerJS, stryker.conf.json): the scheduler's unit-level tests only, so a run
// takes minutes on 2 cores. Widen `mutate` there and the lists here together.
import base from './vitest.config.js';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: [
        'test/conflict/engine.test.ts',
        'test/conflict/slow-path-scheduler.test.ts',
        'test/runtime/repeated-task.test.ts',
        'test/runtime/slow-path-capacity.test.ts',
        'test/conflict/fallback-lines.test.ts',
        'test/gateway/offline-provider.test.ts',
        'test/runtime/db.test.ts',
        'test/bench/phase-clock.test.ts',
        'test/conflict/one-call-per-turn.test.ts',
        'test/gateway/simulated-provider.test.ts',
        'test/conflict/hot-path-reads.test.ts',
        'test/conflict/slow-path.test.ts',
        'test/conflict/game-lanes.test.ts',
        'test/conflict/sync-ticks.test.ts',
        'test/conflict/feed-window.test.ts',
        'test/runtime/queue.contract.test.ts',
        'test/observability/event-loop-delay.test.ts',
        'test/conflict/content-feed.test.ts',
        'test/bench/metrics-sampler.test.ts',
        'test/bench/redis-work-meter.test.ts',
      ],
      reporters: ['default'],
      // The unit-level tests of the scheduler: admission, shedding by value, fairness, the flood, dispatchContent, schedules.
      testNamePattern:
        "sheds work by value|fair share|keeps the backlog within its bound|dispatchContent|stages the item|shed task|deduplicated job|repeated task|declared by a process|asks for its schedule|in-process schedule|SlowPathCapacity|MIN_BOUND|admitted until sent|forgets an admission|reports shedding|admits by value|spent budget|abandoned request|spare|fallbackLine|hears names|opens its sentences|TaskDispatcher admission|hands out ids|times each statement|PhaseClock|counts a statement by its first word|oneCallPerTurn|one call per turn|one call per reaction|joined as one job|chains combiners|outputChars|land in one statement|reactionFor|familiarity|stakeholder tasks|writes a whole turn|GameLanes|SyncTicks|standingInWindow|withReadyItems|withAddedContent|bundle tasks|canon tasks|narration tasks|slow path reads the feed window|counts a job|as slow-path work named|a turn the queue gave up on|hot-path reads|feed scheduling|landing a job|EventLoopDelay|nyx_event_loop_delay_seconds|ContentFeed|contentItemView|contentRow|benchmark's (totals|CPU|Redis)|Redis work meter",
    },
  }),
);

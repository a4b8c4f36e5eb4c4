/**
 * One process of the two-process completion cache test: a gateway over the offline writer, with
 * the completion cache and the spend ledger on Redis under NYX_TEST_PREFIX. It makes one request
 * and prints `{ calls, value, spentUsd }` as one JSON line.
 */
import {
  CompletionCache,
  LlmGateway,
  MeteredProvider,
  OfflineProvider,
  PriceList,
  type CompletionRequest,
} from '../../src/gateway/index.js';
import { RedisCache } from '../../src/runtime/cache/redis-cache.js';
import { Budget } from '../../src/runtime/spend/budget.js';
import { SpendLedger } from '../../src/runtime/spend/spend-ledger.js';
import { sampleInputs } from '../gateway/sample-inputs.js';

const cache = new RedisCache({ url: process.env.REDIS_URL!, keyPrefix: process.env.NYX_TEST_PREFIX! });
await cache.whenReady();
let calls = 0;
const offline = new OfflineProvider();
const counting = {
  name: 'offline',
  modelFor: () => offline.modelFor(),
  complete: (request: CompletionRequest) => {
    calls += 1;
    return offline.complete(request);
  },
};
const prices = new PriceList({ 'nyx-offline-grammar-1': { input: 1, output: 1 } });
const ledger = new SpendLedger(cache);
const gateway = new LlmGateway(
  new MeteredProvider(
    new CompletionCache(counting, cache, prices, 60_000),
    prices,
    ledger,
    new Budget(ledger, { gameUsd: undefined, hourlyUsd: undefined }),
  ),
  30_000,
);
const { value } = await gateway.generate('gossip', {
  input: sampleInputs.gossip,
  context: { gameId: 'two-processes', seed: Number(process.env.NYX_TEST_SEED) },
});
console.log(JSON.stringify({ calls, value, spentUsd: await ledger.gameSpentUsd('two-processes') }));
await cache.close();

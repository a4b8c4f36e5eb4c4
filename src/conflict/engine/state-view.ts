import { cacheKeys } from '../domain/cache-contract.js';
import { REPUTATION_TYPES } from '../domain/social.js';
import type { Scenario } from '../scenarios/index.js';
import { sceneBehavior } from '../stakeholders/rules.js';
import { REPUTATION_DEFAULT } from '../social/rules.js';
import { choicesFor, choiceView, type OfferedChoice } from './choices.js';
import type { ConflictView, ContentItemView, GameState, NpcView, StakeholderView, StateContributions, TensionView } from './game-state.js';
import type { HotPathSubsystem } from './subsystem.js';
import type { HandlerContext } from './handler-context.js';
import type { Budget } from '../../runtime/spend/budget.js';
import type { Cache } from '../../runtime/cache/cache.js';
import { contentItemView, FEED_WINDOW, type ContentRow } from './content-feed.js';

/**
 * Builds the player's view from the request's snapshot, the feed and the cache: no dispatch, no
 * model, a handful of indexed reads.
 */
export function conflictView(ctx: HandlerContext, conflictId: number): ConflictView {
  const { snapshot } = ctx;
  const conflict = snapshot.conflicts.get(conflictId)!;
  const flow = snapshot.flows.get(conflictId);
  const stakeholders: StakeholderView[] = snapshot.stakeholdersOf(conflictId).map((s) => ({
    id: s.id,
    npcId: s.npcId,
    name: snapshot.npcName(s.npcId),
    role: s.role,
    decisionStyle: s.decisionStyle,
    stress: s.stress,
    commitment: s.commitment,
    behavior: sceneBehavior(s),
  }));
  return {
    id: conflict.id,
    title: conflict.title,
    type: conflict.type,
    description: conflict.description,
    status: conflict.status,
    phase: flow?.phase ?? 'emerging',
    pacing: flow?.pacing ?? 'steady',
    intensity: flow?.intensity ?? 0,
    momentum: flow?.momentum ?? 0,
    phaseProgress: Math.min(1, flow?.phaseProgress ?? 0),
    stakeholders,
  };
}

function npcViews(ctx: HandlerContext): NpcView[] {
  const { snapshot } = ctx;
  const active = snapshot.activeStakeholders();
  return [...snapshot.npcs.values()].map((npc) => {
    // An NPC caught up in several conflicts shows the most strained of its stances.
    const stance = active.filter((s) => s.npcId === npc.id).sort((a, b) => b.stress - a.stress)[0];
    const scores = snapshot.reputations.get(npc.id) ?? {};
    return {
      id: npc.id,
      key: npc.key,
      name: npc.name,
      description: npc.description,
      socialRole: npc.socialRole,
      traits: npc.traits,
      behavior: stance ? sceneBehavior(stance) : 'observant',
      stress: stance?.stress ?? 0,
      reputation: Object.fromEntries(REPUTATION_TYPES.map((type) => [type, scores[type] ?? REPUTATION_DEFAULT])),
    };
  });
}

/**
 * The choices on offer in the request's situation: the rules' and the scenario's own for each active
 * conflict (a scenario conflict is known by its title). `conflicts` saves building the views twice.
 */
export function offeredChoices(
  ctx: HandlerContext,
  scenario: Scenario | undefined,
  conflicts: readonly ConflictView[] = [...ctx.snapshot.conflicts.keys()].map((id) => conflictView(ctx, id)),
): OfferedChoice[] {
  const npcIdByKey = new Map([...ctx.snapshot.npcs.values()].map((npc) => [npc.key, npc.id]));
  return choicesFor(
    conflicts
      .filter((c) => c.status === 'active')
      .map((c) => ({
        id: c.id,
        title: c.title,
        phase: c.phase,
        stakeholders: c.stakeholders,
        scripted: scenario?.conflicts.find((declared) => declared.title === c.title)?.choices ?? [],
      })),
    npcIdByKey,
  );
}

/** The scene's tension before any subsystem has said otherwise. */
const CALM: TensionView = { level: 'baseline', score: 0, atmosphere: 'All is quiet.', status: 'ready' };

/** Each subsystem's part of the state, merged in subsystem order. */
async function contributions(ctx: HandlerContext, subsystems: readonly HotPathSubsystem[]): Promise<Partial<StateContributions>> {
  const parts = await Promise.all(subsystems.map((subsystem) => subsystem.view?.(ctx) ?? {}));
  return Object.assign({}, ...parts);
}

export async function buildGameState(
  ctx: HandlerContext,
  scenario: Scenario,
  subsystems: readonly HotPathSubsystem[],
  degraded: boolean,
  budget: Pick<Budget, 'gameCost'>,
): Promise<GameState> {
  const { snapshot } = ctx;
  const gameId = snapshot.game.id;
  const [{ content, canon }, contributed, cost] = await Promise.all([
    chronicle(ctx),
    contributions(ctx, subsystems),
    budget.gameCost(gameId),
  ]);
  const conflicts = [...snapshot.conflicts.keys()].map((id) => conflictView(ctx, id));
  const location = scenario.locations[0]!;
  return {
    gameId,
    version: snapshot.version,
    degraded,
    cost,
    scenario: { id: scenario.id, title: scenario.title },
    player: {
      ...(scenario.player.name ? { name: scenario.player.name } : {}),
      ...(scenario.player.role ? { role: scenario.player.role } : {}),
      intro: scenario.player.intro,
    },
    scene: {
      location: { id: location.id, name: location.name, description: location.description },
      npcs: npcViews(ctx),
    },
    conflicts,
    tension: CALM,
    choices: offeredChoices(ctx, scenario, conflicts).map(choiceView),
    content,
    canon,
    ...contributed,
  };
}

const CHRONICLE_TTL_SECONDS = 300;

/** The feed (newest first, up to the feed window) and the canon as of a version of a game. */
type Chronicle = Pick<GameState, 'content' | 'canon'>;

/**
 * The chronicle of `version` from the cache, with no statement; undefined when it is not cached.
 * Every writer keeps the current version's chronicle there (`writeChronicleThrough`).
 */
export function cachedChronicle(cache: Cache, gameId: string, version: number): Promise<Chronicle | undefined> {
  return cache.getJson<Chronicle>(cacheKeys.chronicle(gameId, version));
}

/**
 * The chronicle of the game's current version (its cached head's), with no statement; undefined
 * when either is not cached.
 */
export async function currentChronicle(
  heads: { read(gameId: string): Promise<{ version: number } | undefined> },
  cache: Cache,
  gameId: string,
): Promise<Chronicle | undefined> {
  const head = await heads.read(gameId);
  return head && cachedChronicle(cache, gameId, head.version);
}

/**
 * The feed and the canon as of the game's current version. Everything that adds to either bumps
 * the version, so the pair is cached under it and read from the database once per change.
 */
async function chronicle(ctx: HandlerContext): Promise<Chronicle> {
  const gameId = ctx.snapshot.game.id;
  const cached = await cachedChronicle(ctx.cache, gameId, ctx.snapshot.version);
  if (cached) return cached;
  const [content, canonRows] = await Promise.all([ctx.feed.recent(gameId), ctx.store.canonRecordsOf(gameId)]);
  const view = {
    content,
    canon: canonRows.map((row) => ({
      conflictId: row.conflictId,
      name: row.name,
      text: row.canonText ?? '',
      significance: row.significanceScore,
      status: 'ready' as const,
    })),
  };
  await ctx.cache.setJson(cacheKeys.chronicle(gameId, ctx.snapshot.version), view, CHRONICLE_TTL_SECONDS);
  return view;
}

/** How one write changed the feed window (newest first), applied to the previous version's. */
export type FeedChange = (content: ContentItemView[]) => ContentItemView[];

/**
 * Writes the chronicle of a version through, from the chronicle of the version before it and the
 * one statement that moved the game between them (a request's save, a slow-path result): when that
 * statement moved the version on by exactly one and the previous chronicle is cached, the new one
 * is the old one with `change` applied, and nobody needs a statement to read it.
 */
export async function writeChronicleThrough(
  cache: Cache,
  versions: { gameId: string; fromVersion: number; toVersion: number },
  change: FeedChange,
): Promise<void> {
  const { gameId, fromVersion, toVersion } = versions;
  if (toVersion !== fromVersion + 1) return;
  const previous = await cachedChronicle(cache, gameId, fromVersion);
  if (!previous) return;
  const content = change(previous.content).slice(0, FEED_WINDOW);
  await cache.setJson(cacheKeys.chronicle(gameId, toVersion), { content, canon: previous.canon }, CHRONICLE_TTL_SECONDS);
}

/**
 * A new game's chronicle: no feed and no canon at version 0. Every writer after it writes its own
 * through from the one before, so the feed window is in the cache from the game's first version on.
 */
export async function startChronicle(cache: Cache, gameId: string): Promise<void> {
  await cache.setJson(cacheKeys.chronicle(gameId, 0), { content: [], canon: [] } satisfies Chronicle, CHRONICLE_TTL_SECONDS);
}

/**
 * A request's new feed items put in front of the feed, as `flush()` left them: an item whose job
 * was a duplicate is gone, one whose job was refused has failed.
 */
export function withAddedContent(added: readonly ContentRow[], settled: { discarded: string[]; failed: string[] }) {
  const discarded = new Set(settled.discarded);
  const failed = new Set(settled.failed);
  const fresh = added
    .filter((row) => !discarded.has(row.id))
    .map((row) => contentItemView(failed.has(row.id) ? { ...row, status: 'failed', origin: 'fallback' } : row))
    .sort(newestFirst);
  const freshIds = new Set(fresh.map((item) => item.id));
  // Each once: a chronicle another process built from the database while this save landed holds them already.
  return (content: ContentItemView[]) => [...fresh, ...content.filter((item) => !freshIds.has(item.id))];
}

/** As the feed is read: newest first, then by id. */
const newestFirst = (a: ContentItemView, b: ContentItemView) => b.createdAt.localeCompare(a.createdAt) || (a.id < b.id ? 1 : -1);

/**
 * Items the slow path added ready (a gossip line, a reference), each in its place in the feed and
 * once: another writer may have moved the version on after the insert and read them already.
 */
/** A feed change that changes nothing. */
export const unchangedFeed: FeedChange = (content) => content;

export const withReadyItems = (items: readonly ContentItemView[]) => (content: ContentItemView[]) => {
  if (items.length === 0) return content;
  const shown = new Set(content.map((item) => item.id));
  return [...content, ...items.filter((item) => !shown.has(item.id))].sort(newestFirst);
};

/** Feed items settled by the slow path, each in its place. */
export const withSettledItems = (items: readonly ContentItemView[]) => (content: ContentItemView[]) => {
  const settled = new Map(items.map((item) => [item.id, item]));
  return content.map((shown) => settled.get(shown.id) ?? shown);
};

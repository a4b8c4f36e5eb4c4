#!/usr/bin/env node
// A stand-in for the Nyx game server, for developing and browser-testing the web UI without the
// engine. It serves src/server/public and fakes the HTTP contract with an in-memory game: every
// request answers at once, and generated content flips from `generating` to `ready` (or `failed`)
// a moment later, pushed over Server-Sent Events together with the job timeline.
//
//   node test/support/mock-api-server.mjs [--port 8787]
//   MOCK_DELAY_MS=1500 MOCK_FAIL_RATE=0.12 MOCK_DEGRADED=0
//
// Programmatic use (browser tests): `const mock = await startMockApiServer({ port: 0 }); mock.url; await mock.close();`

import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { randomBytes, randomUUID } from 'node:crypto';
import { extname, join, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'server', 'public');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
};

const PHASES = ['seeds', 'emerging', 'rising', 'confrontation', 'climax', 'falling', 'resolution', 'aftermath'];

const SCENARIOS = [
  {
    id: 'lantern-court',
    title: 'The Lantern Court',
    summary:
      'In a palace kept alight by ten thousand lanterns, the old regent is dying. Her heirs smile at one another across the salon, and every candle is listening.',
    location: {
      id: 'salon',
      name: 'The Amber Salon',
      description: 'Gilt mirrors, guttering lanterns, and a harpsichord no one dares to play.',
    },
    player: {
      name: 'Wren',
      role: 'the regent’s new scribe',
      intro:
        'You arrive with ink on your cuffs and a sealed letter in your coat. The salon falls quiet for exactly one breath, and then resumes, a little louder than before.',
    },
    npcs: [
      ['veyra', 'Lady Veyra Solenne', 'The regent’s niece; silver rings, patient eyes.', 'alpha'],
      ['corin', 'Corin Hale', 'A decorated captain who trusts no one in silk.', 'rival'],
      ['oda', 'Mistress Oda', 'Keeper of the lantern-wicks and of everyone’s secrets.', 'gossip'],
      ['tamsin', 'Brother Tamsin', 'A chaplain who speaks softly and remembers everything.', 'mediator'],
      ['ilsa', 'Ilsa Marrow', 'A foreign envoy, newly arrived and openly amused.', 'outsider'],
    ],
    conflict: { type: 'power struggle', title: 'The succession of the Lantern Court', npcIds: ['veyra', 'corin', 'tamsin'] },
  },
  {
    id: 'saltmarrow',
    title: 'Saltmarrow Harbour',
    summary: 'A storm has pinned the fishing fleet in harbour, the catch is rotting, and someone cut the lighthouse chain last night.',
    location: {
      id: 'quay',
      name: 'The Tarred Quay',
      description: 'Rain hammers the slate roofs; the lighthouse stands dark above the breakwater.',
    },
    player: {
      name: 'Ash',
      role: 'a stranded ferryman',
      intro: 'Your boat is tied up among theirs now, and in Saltmarrow that makes you either kin or suspect.',
    },
    npcs: [
      ['bram', 'Old Bram', 'Harbourmaster for forty winters; a voice like gravel.', 'alpha'],
      ['nell', 'Nell Cotter', 'Net-mender, quick with a needle and quicker with a rumour.', 'gossip'],
      ['fenwick', 'Fenwick Ayre', 'The cannery’s factor, with a ledger where his heart should be.', 'influencer'],
      ['maud', 'Sister Maud', 'She tends the drowned-bell chapel and the town’s wounded pride.', 'confidant'],
    ],
    conflict: { type: 'crisis', title: 'Who cut the lighthouse chain?', npcIds: ['bram', 'fenwick'] },
  },
  {
    id: 'ashen-library',
    title: 'The Ashen Library',
    summary:
      'Half the archive burned in the night. The scholars who survived agree on nothing, least of all on which of them carried the lamp.',
    location: {
      id: 'reading-room',
      name: 'The Scorched Reading Room',
      description: 'Ash drifts like snow between the stacks; the great orrery has stopped at midnight.',
    },
    player: {
      role: 'an auditor from the university',
      intro: 'You have been sent to count what was lost. They would prefer you counted quietly.',
    },
    npcs: [
      ['aurel', 'Archivist Aurel', 'Soot-blackened gloves, a voice that never rises.', 'beta'],
      ['sabine', 'Sabine Quell', 'A brilliant, bitter cartographer with singed eyebrows.', 'wildcard'],
      ['pell', 'Pell the Binder', 'An apprentice who was where he should not have been.', 'follower'],
    ],
    conflict: { type: 'interpersonal', title: 'The lamp in the east wing', npcIds: ['aurel', 'sabine'] },
  },
];

const ROLES_BY_TYPE = (type) => {
  const t = type.toLowerCase();
  if (t.includes('power')) return ['instigator', 'defender', 'opportunist'];
  if (t.includes('social')) return ['mediator', 'bystander', 'escalator'];
  return ['bystander', 'instigator', 'defender', 'victim', 'peacemaker'];
};

const INITIAL_FLOW = (type) => {
  const t = type.toLowerCase();
  if (t.includes('interpersonal')) return { phase: 'emerging', intensity: 0.3, momentum: 0.2 };
  if (t.includes('crisis') || t.includes('urgent')) return { phase: 'rising', intensity: 0.6, momentum: 0.5 };
  return { phase: 'seeds', intensity: 0.2, momentum: 0.1 };
};

const TENSION_LEVEL = (s) => (s < 0.2 ? 'baseline' : s < 0.4 ? 'simmering' : s < 0.6 ? 'rising' : s < 0.8 ? 'high' : 'critical');
const ATMOSPHERE = {
  baseline: 'calm; the lanterns burn steady',
  simmering: 'uneasy murmurs beneath polite talk',
  rising: 'glances sharpen; conversations stop when you pass',
  high: 'the air is taut as a drawn bowstring',
  critical: 'one more word and something will break',
};

const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
const pick = (random, list) => list[Math.floor(random() * list.length)];

/** Small deterministic PRNG so a seed replays the same game. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const hashSeed = (s) => [...String(s)].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 2166136261);

const GENERATED = {
  action: [
    (n) => `${n} sets down a glass with deliberate care and crosses the room to stand beside you.`,
    (n) => `${n} draws a folded note from a sleeve and lets it fall, as if by accident, near the hearth.`,
    (n) => `${n} leans in to murmur something to the musicians; the tune changes key.`,
  ],
  reaction: [
    (n) => `“You mistake patience for weakness,” ${n} says, smiling without warmth.`,
    (n) => `${n} laughs a little too loudly, then looks away toward the door.`,
    (n) => `${n} says nothing at all, which is, somehow, an answer.`,
    (n) => `“Careful,” ${n} says quietly. “Walls here have very good ears.”`,
  ],
  narration: [
    () => 'A draught moves through the room and every flame leans the same way, like a congregation turning to look.',
    () => 'Somewhere behind the panelling, a clock strikes an hour that does not exist.',
    () => 'The conversation closes over the moment like water over a dropped stone.',
  ],
  beat: [
    () => 'A revelation: the seal on the letter is not the regent’s. It never was.',
    () => 'A reversal: the one you trusted least steps between you and the accusation.',
  ],
  gossip: [
    (n) => `They say ${n} was seen on the servants’ stair after midnight, carrying no light.`,
    (n) => `Have you heard? ${n} owes money to people who do not send letters.`,
    (n) => `${n} wept at the chapel, I’m told. Real tears. Imagine.`,
  ],
  manifestation: [() => 'Someone has snuffed the lanterns nearest the door. No one admits to it.'],
  escalation: [() => 'Voices rise. A chair scrapes. For a heartbeat, everyone is standing.'],
  reputation: [(n) => `Whispers about ${n} are turning; fewer people meet their eye.`],
  alliance: [(n) => `${n} and you are now spoken of in the same breath, for better or worse.`],
};

const FALLBACK = {
  action: (n) => `${n} watches the room.`,
  reaction: (n) => `${n} observes the situation.`,
  narration: () => 'The scene shifts.',
  beat: () => 'Something changes in the room.',
  gossip: () => 'Something interesting was mentioned.',
  manifestation: () => 'The air feels heavier.',
  escalation: () => 'The conflict deepens.',
  reputation: (n) => `${n}’s standing shifts.`,
  alliance: () => 'New loyalties are forming.',
  canon: () => 'This will be remembered.',
  reference: (n) => `${n} recalls an old story.`,
};

const TASK_FOR_KIND = {
  action: 'stakeholder.generate_action',
  reaction: 'stakeholder.generate_reaction',
  narration: 'flow.narrate_phase_transition',
  beat: 'flow.generate_beat_description',
  gossip: 'social.generate_gossip',
  reputation: 'social.calculate_reputation',
  alliance: 'social.form_alliance',
  canon: 'canon.canonize_conflict',
  reference: 'canon.generate_canon_references',
  manifestation: 'tension.generate_manifestations',
  escalation: 'tension.narrate_escalation',
};

function behaviorOf(role, stress) {
  if (stress > 0.8) return 'agitated';
  if (role === 'instigator' || role === 'escalator') return 'provocative';
  if (role === 'mediator' || role === 'peacemaker') return 'diplomatic';
  if (role === 'defender' || role === 'victim') return 'protective';
  if (role === 'opportunist') return 'calculating';
  if (stress > 0.6) return 'tense';
  return 'observant';
}

class MockGame {
  constructor(scenario, seed, hooks) {
    this.id = randomUUID();
    this.token = randomBytes(18).toString('base64url');
    this.scenario = scenario;
    this.random = mulberry32(seed === undefined ? Date.now() : hashSeed(seed));
    this.hooks = hooks;
    this.version = 1;
    this.npcs = scenario.npcs.map(([id, name, description, socialRole]) => ({
      id,
      name,
      description,
      socialRole,
      reputation: { trustworthy: 0.5, influential: 0.4, mysterious: 0.3 },
    }));
    this.conflicts = [];
    this.content = [];
    this.canon = [];
    this.sse = new Set();
    this.events = []; // replay buffer for Last-Event-ID
    this.eventSeq = 0;
    this.timers = new Set();
    this.turn = 0;
    this.addContent('narration', { text: `${scenario.location.name}. ${scenario.location.description}`, origin: 'generated', ready: true });
    this.createConflict(scenario.conflict.type, scenario.conflict.npcIds, scenario.conflict.title, { quiet: true });
  }

  npc(id) {
    return this.npcs.find((n) => n.id === id);
  }

  // ---- content and jobs -------------------------------------------------------------------

  addContent(kind, { text, subject, origin = 'generated', ready = false, forceFail = false } = {}) {
    const name = subject?.npcId ? (this.npc(subject.npcId)?.name ?? 'Someone') : 'Someone';
    const item = {
      id: `c_${randomBytes(5).toString('hex')}`,
      kind,
      status: ready ? 'ready' : 'generating',
      origin,
      fallbackText: FALLBACK[kind]?.(name) ?? 'Something happens.',
      subject,
      createdAt: new Date().toISOString(),
      stateVersion: this.version,
    };
    if (ready) item.text = text;
    this.content.unshift(item);
    if (!ready) this.schedule(item, text ?? pick(this.random, GENERATED[kind] ?? GENERATED.narration)(name), forceFail);
    return item;
  }

  schedule(item, text, forceFail) {
    const job = {
      jobId: `j_${randomBytes(4).toString('hex')}`,
      task: TASK_FOR_KIND[item.kind] ?? `content.${item.kind}`,
      kind: item.kind,
      status: 'queued',
      queuedAt: Date.now(),
    };
    this.emit('job', { ...job });
    const wait = 150 + this.random() * 500;
    const run = this.hooks.delayMs * (0.6 + this.random() * 0.8);
    this.later(wait, () => {
      job.status = 'running';
      job.startedAt = Date.now();
      this.hooks.ops.queueActive++;
      this.emit('job', { ...job });
      this.later(run, () => {
        this.hooks.ops.queueActive--;
        const failed = forceFail || this.random() < this.hooks.failRate;
        this.hooks.ops.modelCalls++;
        if (failed) {
          this.hooks.ops.modelFailures++;
          if (this.random() < 0.4) this.hooks.ops.modelTimeouts++;
          item.status = 'failed';
          item.origin = 'fallback';
          job.status = 'failed';
          job.error = 'model call timed out after 8000 ms';
        } else {
          item.status = 'ready';
          item.origin = 'generated';
          item.text = text;
          job.status = 'done';
        }
        job.finishedAt = Date.now();
        if (item.kind === 'canon' && item.status === 'ready' && item.subject?.conflictId) {
          const c = this.conflicts.find((x) => x.id === item.subject.conflictId);
          this.canon.unshift({ conflictId: c.id, name: `The ${c.title}`, text, significance: item.significance ?? 0.8 });
        }
        this.version++;
        this.emit('job', { ...job });
        this.emit('content', {
          kind: item.kind,
          id: item.id,
          status: item.status,
          origin: item.origin,
          text: item.text,
          fallbackText: item.fallbackText,
          subject: item.subject,
        });
        this.emit('state', { version: this.version });
        this.hooks.ops.completed++;
        if (failed) this.hooks.ops.failed++;
      });
    });
  }

  later(ms, fn) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  emit(event, data) {
    const id = ++this.eventSeq;
    const frame = `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    this.events.push({ id, frame });
    if (this.events.length > 500) this.events.shift();
    for (const res of this.sse) res.write(frame);
  }

  // ---- rules ------------------------------------------------------------------------------

  createConflict(type, npcIds, title, { quiet = false } = {}) {
    const flow = INITIAL_FLOW(type);
    const roles = ROLES_BY_TYPE(type);
    const names = npcIds.map((id) => this.npc(id).name);
    const conflict = {
      id: `k_${randomBytes(4).toString('hex')}`,
      title: title?.trim() || `A ${type} between ${names.slice(0, -1).join(', ')} and ${names.at(-1)}`,
      type,
      status: 'active',
      phase: flow.phase,
      intensity: flow.intensity,
      momentum: flow.momentum,
      phaseProgress: 0,
      stakeholders: npcIds.map((npcId, i) => ({
        npcId,
        name: this.npc(npcId).name,
        role: i === 0 ? roles[0] : pick(this.random, roles),
        stress: 0.25 + this.random() * 0.3,
        commitment: 0.4 + this.random() * 0.4,
      })),
    };
    this.conflicts.unshift(conflict);
    this.addContent('narration', {
      subject: { conflictId: conflict.id },
      text: `It begins quietly: ${conflict.title.toLowerCase().replace(/[.?!]+$/, '')}. No one in the room will call it by its name.`,
    });
    if (!quiet) this.addContent('gossip', { subject: { npcId: npcIds[0] } });
    return conflict;
  }

  advance(conflict, dProgress, dIntensity, dMomentum) {
    conflict.intensity = clamp(conflict.intensity + dIntensity, 0, 1);
    conflict.momentum = clamp(conflict.momentum + dMomentum, -1, 1);
    conflict.phaseProgress = clamp(conflict.phaseProgress + dProgress, 0, 1);
    if (conflict.phaseProgress >= 1 && conflict.phase !== 'aftermath') {
      const from = conflict.phase;
      conflict.phase = PHASES[PHASES.indexOf(from) + 1];
      conflict.phaseProgress = 0;
      this.addContent('narration', {
        subject: { conflictId: conflict.id },
        text: `The ${conflict.title.toLowerCase()} passes from ${from} into ${conflict.phase}. Nobody marks the moment, but everyone feels it.`,
      });
      return true;
    }
    if (conflict.momentum < -0.5 && ['rising', 'confrontation', 'climax'].includes(conflict.phase)) {
      conflict.phase = PHASES[PHASES.indexOf(conflict.phase) - 1];
      conflict.phaseProgress = 0.5;
    }
    return false;
  }

  stress(npcId, delta) {
    for (const c of this.conflicts) for (const s of c.stakeholders) if (s.npcId === npcId) s.stress = clamp(s.stress + delta, 0, 1);
  }

  choices() {
    const out = [];
    const active = this.conflicts.filter((c) => c.status === 'active');
    const talkTo = [...this.npcs].sort((a, b) => ((a.id + this.turn).length % 3) - ((b.id + this.turn).length % 3)).slice(0, 2);
    for (const n of talkTo)
      out.push({ id: `v${this.version}.talk.${n.id}`, label: `Speak privately with ${n.name}`, type: 'talk', targetNpcId: n.id });
    if (active[0]) {
      const c = active[0];
      const s = c.stakeholders[this.turn % c.stakeholders.length];
      out.push({
        id: `v${this.version}.press.${c.id}`,
        label: `Press ${s.name} on “${c.title}”`,
        type: 'press',
        targetNpcId: s.npcId,
        conflictId: c.id,
      });
      out.push({ id: `v${this.version}.calm.${c.id}`, label: 'Call for calm and a fresh pot of tea', type: 'calm', conflictId: c.id });
    }
    out.push({ id: `v${this.version}.listen`, label: 'Linger by the hearth and listen', type: 'observe' });
    return out;
  }

  choose(choiceId) {
    const choice = this.choices().find((c) => c.id === choiceId);
    if (!choice) return null;
    this.turn++;
    this.version++;
    const c = this.conflicts.find((x) => x.id === choice.conflictId) ?? this.conflicts.find((x) => x.status === 'active');
    const target = choice.targetNpcId ? this.npc(choice.targetNpcId) : null;
    let text;
    switch (choice.type) {
      case 'talk':
        text = `You draw ${target.name} aside, into the alcove beneath the stair. They listen, which is not the same as agreeing.`;
        this.stress(target.id, 0.05);
        this.addContent('reaction', { subject: { npcId: target.id } });
        if (this.random() < 0.5) this.addContent('gossip', { subject: { npcId: target.id } });
        break;
      case 'press':
        text = `You put the question plainly. ${target.name}’s smile stays where it is; the eyes above it do not.`;
        this.stress(target.id, 0.18);
        if (c) {
          const moved = this.advance(c, 0.45, 0.12, 0.2);
          this.addContent('reaction', { subject: { npcId: target.id, conflictId: c.id } });
          if (!moved && this.random() < 0.5) this.addContent('beat', { subject: { conflictId: c.id } });
          if (c.intensity > 0.7) this.addContent('escalation', { subject: { conflictId: c.id } });
        }
        break;
      case 'calm':
        text = 'You ring for tea. It is a small thing; small things are sometimes enough to make people sit down.';
        if (c) {
          this.advance(c, 0.2, -0.1, -0.25);
          for (const s of c.stakeholders) this.stress(s.npcId, -0.06);
          const mediator = c.stakeholders[Math.floor(this.random() * c.stakeholders.length)];
          this.addContent('action', { subject: { npcId: mediator.npcId, conflictId: c.id } });
        }
        break;
      default:
        text = 'You stand by the fire and let the room forget you are there. It forgets quickly.';
        this.addContent('gossip', { subject: { npcId: pick(this.random, this.npcs).id } });
        if (this.random() < 0.4) this.addContent('manifestation', {});
        if (c) this.advance(c, 0.15, 0.04, 0.05);
    }
    return { choiceId, type: choice.type, text };
  }

  resolve(conflict, outcome, winnerNpcIds) {
    this.version++;
    conflict.status = 'resolved';
    conflict.phase = 'resolution';
    conflict.phaseProgress = 1;
    conflict.momentum = 0;
    conflict.intensity = clamp(conflict.intensity * 0.4, 0, 1);
    for (const s of conflict.stakeholders) {
      const won = winnerNpcIds.includes(s.npcId);
      s.stress = clamp(s.stress + (won ? -0.3 : 0.15), 0, 1);
      const npc = this.npc(s.npcId);
      npc.reputation.influential = clamp((npc.reputation.influential ?? 0.3) + (won ? 0.15 : -0.1), 0, 1);
    }
    this.addContent('narration', { subject: { conflictId: conflict.id }, text: outcome, ready: true, origin: 'generated' });
    const item = this.addContent('canon', {
      subject: { conflictId: conflict.id },
      text: `And so it was written in the court’s long memory: ${outcome.replace(/\.$/, '')}. Those who were there would speak of it for a generation.`,
    });
    item.significance = clamp(0.6 + conflict.intensity, 0, 1);
    if (winnerNpcIds[0]) this.addContent('gossip', { subject: { npcId: winnerNpcIds[0] } });
  }

  state() {
    const active = this.conflicts.filter((c) => c.status === 'active');
    const score = clamp(
      active.reduce((m, c) => Math.max(m, c.intensity * 0.8 + Math.max(0, c.momentum) * 0.25), 0.1),
      0,
      1,
    );
    const level = TENSION_LEVEL(score);
    const stressOf = (npcId) => this.conflicts.reduce((m, c) => Math.max(m, c.stakeholders.find((s) => s.npcId === npcId)?.stress ?? 0), 0);
    const roleOf = (npcId) => active.flatMap((c) => c.stakeholders).find((s) => s.npcId === npcId)?.role ?? 'bystander';
    return {
      gameId: this.id,
      version: this.version,
      degraded: this.hooks.degraded,
      scenario: { id: this.scenario.id, title: this.scenario.title },
      player: this.scenario.player,
      scene: {
        location: this.scenario.location,
        npcs: this.npcs.map((n) => ({
          ...n,
          stress: stressOf(n.id),
          behavior: behaviorOf(roleOf(n.id), stressOf(n.id)),
          reputation: { ...n.reputation },
        })),
      },
      conflicts: this.conflicts.map((c) => ({
        ...c,
        tension: { level: TENSION_LEVEL(c.intensity), score: c.intensity },
        stakeholders: c.stakeholders.map((s) => ({ ...s, behavior: behaviorOf(s.role, s.stress) })),
      })),
      tension: { level, score, atmosphere: ATMOSPHERE[level] },
      choices: this.choices(),
      content: this.content.slice(0, 60).map((i) => ({ ...i })),
      canon: this.canon.map((x) => ({ ...x })),
    };
  }

  dispose() {
    for (const t of this.timers) clearTimeout(t);
    for (const res of this.sse) res.end();
  }
}

// ---- HTTP -------------------------------------------------------------------------------------

class HttpError extends Error {
  constructor(status, code, message, field) {
    super(message);
    Object.assign(this, { status, code, field });
  }
}

export async function startMockApiServer({
  port = 8787,
  host = '127.0.0.1',
  delayMs = Number(process.env.MOCK_DELAY_MS ?? 1500),
  failRate = Number(process.env.MOCK_FAIL_RATE ?? 0.12),
  degraded = process.env.MOCK_DEGRADED === '1',
} = {}) {
  const games = new Map();
  const ops = {
    samples: new Map(),
    hits: 0,
    misses: 0,
    queueActive: 0,
    completed: 0,
    failed: 0,
    modelCalls: 0,
    modelFailures: 0,
    modelTimeouts: 0,
  };
  const hooks = { delayMs, failRate, degraded, ops };

  const record = (operation, ms) => {
    const list = ops.samples.get(operation) ?? [];
    list.push(ms);
    if (list.length > 500) list.shift();
    ops.samples.set(operation, list);
  };
  const quantile = (list, q) => {
    const s = [...list].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  };

  const send = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const readJson = async (req) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    if (!raw) return {};
    try {
      return JSON.parse(raw);
    } catch {
      throw new HttpError(400, 'bad_json', 'The request body is not valid JSON.');
    }
  };

  const authed = (req, url, gameId) => {
    const game = games.get(gameId);
    if (!game) throw new HttpError(404, 'game_not_found', 'No such game. It may have ended when the server restarted.');
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : url.searchParams.get('token');
    if (token !== game.token) throw new HttpError(401, 'unauthorized', 'This game belongs to someone else.');
    return game;
  };

  async function api(req, res, url) {
    const parts = url.pathname.split('/').filter(Boolean).slice(1); // drop "api"
    const method = req.method;
    if (parts[0] === 'scenarios' && parts.length === 1 && method === 'GET') {
      return send(
        res,
        200,
        SCENARIOS.map(({ id, title, summary }) => ({ id, title, summary })),
      );
    }
    if (parts[0] === 'ops' && method === 'GET') {
      const hotPath = {};
      for (const [op, list] of ops.samples) hotPath[op] = { count: list.length, p50Ms: quantile(list, 0.5), p99Ms: quantile(list, 0.99) };
      const total = ops.hits + ops.misses;
      let waiting = 0;
      for (const g of games.values()) waiting += g.content.filter((c) => c.status === 'generating').length;
      return send(res, 200, {
        hotPath,
        cache: { hits: ops.hits, misses: ops.misses, hitRate: total ? ops.hits / total : 0 },
        queue: {
          waiting: Math.max(0, waiting - ops.queueActive),
          active: ops.queueActive,
          delayed: 0,
          failed: ops.failed,
          completed: ops.completed,
        },
        model: { calls: ops.modelCalls, failures: ops.modelFailures, timeouts: ops.modelTimeouts },
        sseClients: [...games.values()].reduce((n, g) => n + g.sse.size, 0),
        degraded: hooks.degraded,
      });
    }
    if (parts[0] === 'mock' && parts[1] === 'degraded' && method === 'POST') {
      const body = await readJson(req);
      hooks.degraded = Boolean(body.degraded);
      for (const g of games.values()) {
        g.version++;
        g.emit('state', { version: g.version });
      }
      return send(res, 200, { degraded: hooks.degraded });
    }
    if (parts[0] !== 'games') throw new HttpError(404, 'not_found', `No route ${method} ${url.pathname}`);

    if (parts.length === 1 && method === 'POST') {
      const t0 = performance.now();
      const body = await readJson(req);
      const scenario = SCENARIOS.find((s) => s.id === body.scenario);
      if (!scenario) throw new HttpError(400, 'invalid_scenario', `Unknown scenario "${body.scenario ?? ''}".`, 'scenario');
      const game = new MockGame(scenario, body.seed || undefined, hooks);
      games.set(game.id, game);
      ops.misses++;
      const state = game.state();
      record('game.create', performance.now() - t0);
      return send(res, 201, { gameId: game.id, token: game.token, state });
    }

    const game = authed(req, url, parts[1]);
    const rest = parts.slice(2);
    const t0 = performance.now();

    if (rest[0] === 'state' && method === 'GET') {
      ops.hits++;
      const state = game.state();
      record('state.read', performance.now() - t0);
      return send(res, 200, state);
    }
    if (rest[0] === 'events' && method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write('retry: 1500\n: connected\n\n');
      const last = Number(req.headers['last-event-id'] ?? 0);
      if (last) for (const e of game.events) if (e.id > last) res.write(e.frame);
      game.sse.add(res);
      const beat = setInterval(() => res.write(': heartbeat\n\n'), 15000);
      req.on('close', () => {
        clearInterval(beat);
        game.sse.delete(res);
      });
      return;
    }
    if (rest[0] === 'choices' && method === 'POST') {
      const body = await readJson(req);
      if (typeof body.choiceId !== 'string') throw new HttpError(400, 'invalid_choice', 'choiceId is required.', 'choiceId');
      const outcome = game.choose(body.choiceId);
      if (!outcome) throw new HttpError(409, 'stale_choice', 'That choice is no longer available.', 'choiceId');
      ops.hits++;
      const state = game.state();
      record('choice.apply', performance.now() - t0);
      return send(res, 200, { outcome, state });
    }
    if (rest[0] === 'conflicts' && rest.length === 1 && method === 'POST') {
      const body = await readJson(req);
      if (typeof body.type !== 'string' || !body.type.trim())
        throw new HttpError(400, 'invalid_type', 'Choose a kind of conflict.', 'type');
      const ids = Array.isArray(body.npcIds) ? [...new Set(body.npcIds)] : [];
      if (ids.length < 2) throw new HttpError(400, 'invalid_npcs', 'A conflict needs at least two people.', 'npcIds');
      const unknown = ids.find((id) => !game.npc(id));
      if (unknown) throw new HttpError(400, 'invalid_npcs', `No one called "${unknown}" is here.`, 'npcIds');
      game.version++;
      const conflict = game.createConflict(body.type.trim(), ids, body.title);
      const state = game.state();
      record('conflict.create', performance.now() - t0);
      return send(res, 201, { conflict: state.conflicts.find((c) => c.id === conflict.id), state });
    }
    if (rest[0] === 'conflicts' && rest[2] === 'resolve' && method === 'POST') {
      const conflict = game.conflicts.find((c) => c.id === rest[1]);
      if (!conflict) throw new HttpError(404, 'conflict_not_found', 'No such conflict.');
      if (conflict.status === 'resolved') throw new HttpError(409, 'already_resolved', 'That conflict is already resolved.');
      const body = await readJson(req);
      if (typeof body.outcome !== 'string' || !body.outcome.trim())
        throw new HttpError(400, 'invalid_outcome', 'Describe how it ends.', 'outcome');
      const winners = Array.isArray(body.winnerNpcIds) ? body.winnerNpcIds : [];
      game.resolve(conflict, body.outcome.trim(), winners);
      const state = game.state();
      record('conflict.resolve', performance.now() - t0);
      return send(res, 200, { state });
    }
    throw new HttpError(404, 'not_found', `No route ${method} ${url.pathname}`);
  }

  async function file(_req, res, url) {
    let path = decodeURIComponent(url.pathname);
    if (path === '/') path = '/index.html';
    if (path === '/ops') path = '/ops.html';
    const full = normalize(join(PUBLIC_DIR, path));
    if (!full.startsWith(PUBLIC_DIR)) return send(res, 403, { error: { code: 'forbidden', message: 'Forbidden' } });
    try {
      const body = await readFile(full);
      res.writeHead(200, { 'content-type': MIME[extname(full)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
      res.end(body);
    } catch {
      send(res, 404, { error: { code: 'not_found', message: `No file ${path}` } });
    }
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    try {
      if (url.pathname.startsWith('/api/')) await api(req, res, url);
      else await file(req, res, url);
    } catch (err) {
      if (err instanceof HttpError)
        send(res, err.status, { error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } });
      else {
        console.error(err);
        send(res, 500, { error: { code: 'internal', message: 'Something went wrong on the server.' } });
      }
    }
  });

  await new Promise((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  return {
    url: `http://${host}:${address.port}`,
    hooks,
    games,
    async close() {
      for (const g of games.values()) g.dispose();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  const i = process.argv.indexOf('--port');
  const mock = await startMockApiServer({ port: i > 0 ? Number(process.argv[i + 1]) : Number(process.env.PORT ?? 8787) });
  console.log(`Nyx mock API serving ${PUBLIC_DIR} at ${mock.url}`);
}

import type { Kind, KindInput } from '../../src/gateway/index.js';

/** One realistic input per kind, as the conflict subsystems would build it. */

const mara = {
  name: 'Mara Vell',
  role: 'instigator',
  decisionStyle: 'calculating',
  stress: 0.65,
  commitment: 0.8,
  traits: ['Proud', 'Cunning'],
} as const;
const tollDispute = { title: 'the harbour toll dispute', type: 'power struggle', phase: 'rising', intensity: 0.6, momentum: 0.3 } as const;
const quay = { location: 'the salt quay', others: ['Tomas Reed', 'Ilse Marren'] };

export const sampleInputs: { [K in Kind]: KindInput<K> } = {
  stakeholder_action: {
    stakeholder: { ...mara, traits: [...mara.traits] },
    conflict: tollDispute,
    scene: quay,
    recentEvents: ['Tomas Reed refused to pay the new toll'],
  },
  stakeholder_reaction: {
    stakeholder: { ...mara, traits: [...mara.traits] },
    conflict: tollDispute,
    scene: quay,
    playerChoice: { label: 'Accuse Mara of forging the ledgers', type: 'aggressive', text: 'You forged them, I saw the ink.' },
    recentEvents: [],
  },
  stakeholder_profile: { stakeholder: { ...mara, traits: [...mara.traits], description: 'A shipowner with debts' }, conflict: tollDispute },
  role_adaptation: {
    stakeholder: { ...mara, traits: [...mara.traits] },
    conflict: { ...tollDispute, phase: 'climax' },
    trigger: 'high_stress',
  },
  phase_narration: {
    conflict: { title: tollDispute.title, type: tollDispute.type, intensity: 0.6, momentum: 0.3 },
    fromPhase: 'emerging',
    toPhase: 'rising',
    transitionType: 'natural',
    stakeholders: ['Mara Vell', 'Tomas Reed', 'Ilse Marren'],
    location: 'the salt quay',
  },
  beat_prose: {
    conflict: tollDispute,
    beat: { id: '42_1700000000', type: 'betrayal', impact: -0.4 },
    stakeholders: ['Mara Vell', 'Tomas Reed'],
  },
  gossip: {
    speaker: 'Old Bren',
    about: [{ name: 'Mara Vell', role: 'instigator' }, { name: 'Tomas Reed' }],
    topic: 'conflict_start',
    conflictTitle: tollDispute.title,
  },
  reputation_narration: {
    npc: { name: 'Tomas Reed' },
    reputationType: 'trustworthy',
    oldScore: 0.7,
    newScore: 0.4,
    cause: 'he broke his word to the guild',
  },
  alliance_terms: {
    initiator: { name: 'Mara Vell' },
    target: { name: 'Ilse Marren' },
    reason: 'mutual_benefit',
    conflictTitle: tollDispute.title,
  },
  canon_record: {
    conflict: {
      title: tollDispute.title,
      type: 'power struggle',
      intensity: 0.8,
      stakeholders: [
        { name: 'Mara Vell', role: 'instigator' },
        { name: 'Tomas Reed', role: 'defender' },
      ],
    },
    resolution: {
      outcome: 'the tolls were halved and Mara Vell took a seat on the council',
      winners: ['Mara Vell'],
      losers: ['Tomas Reed'],
    },
    location: 'the throne hall',
  },
  canon_references: {
    event: { name: 'The Lantern Accord', canonText: 'The guilds swore peace on the quay.' },
    npcs: [{ name: 'Mara Vell' }, { name: 'Tomas Reed' }, { name: 'Old Bren' }],
    context: 'casual',
  },
  lore_check: {
    content: 'power struggle at the salt quay with 3 participants',
    category: 'conflict',
    knownCanon: ['The guilds swore peace on the quay.'],
  },
  tension_manifestations: {
    level: 'rising',
    score: 0.55,
    location: 'the lantern market',
    npcs: ['Mara Vell', 'Tomas Reed'],
    conflicts: [tollDispute.title],
  },
  escalation_narration: {
    conflict: { ...tollDispute, intensity: 0.85 },
    event: { type: 'breaking_point', description: 'the toll house is set alight' },
    tensionScore: 0.92,
    stakeholders: ['Mara Vell', 'Tomas Reed'],
    location: 'the customs house',
  },
  turn_prose: {
    conflict: tollDispute,
    scene: quay,
    playerChoice: { label: 'Accuse Mara of forging the ledgers', type: 'aggressive' },
    recentEvents: ['Tomas Reed refused to pay the new toll'],
    reactors: [
      { ...mara, traits: [...mara.traits] },
      { name: 'Tomas Reed', role: 'defender', decisionStyle: 'emotional', stress: 0.4, commitment: 0.6, traits: ['Stubborn'] },
    ],
    phaseChange: { fromPhase: 'rising', toPhase: 'confrontation', transitionType: 'natural' },
    beat: { id: '42_1700000001', type: 'revelation', impact: 0.2 },
  },
};

/** The kinds whose answer is mostly prose, and the text in each answer. */
export const proseOf: Partial<{ [K in Kind]: (output: Record<string, unknown>) => string }> = {
  phase_narration: (o) => String(o.text),
  beat_prose: (o) => String(o.text),
  reputation_narration: (o) => String(o.text),
  escalation_narration: (o) => String(o.text),
  gossip: (o) => String(o.text),
  stakeholder_action: (o) => String(o.description),
  stakeholder_reaction: (o) => String(o.description),
  canon_record: (o) => String(o.canon_text),
  role_adaptation: (o) => String(o.reason),
  turn_prose: (o) =>
    [...(o.reactions as Array<{ description: string }>).map((r) => r.description), o.phase_narration, o.beat].filter(Boolean).join(' '),
};

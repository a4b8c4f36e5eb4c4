export type PathSegment = string | number;

/** An issue known by its path in the document, before the loader places it on a line. */
export interface PathIssue {
  path: PathSegment[];
  message: string;
}

type Entry = [index: number, item: Record<string, unknown>];

/**
 * Cross-reference checks: unique ids, and every npc/location id pointing at something declared.
 *
 * They read the raw document rather than the schema's output so that they still run when the
 * schema has rejected some other part of the file: the author sees every problem in one pass.
 * Values of the wrong shape are skipped here because the schema already reports them.
 */
export function findReferenceIssues(document: unknown): PathIssue[] {
  const issues: PathIssue[] = [];
  const locationIds = declaredIds(document, 'locations', issues);
  const npcIds = declaredIds(document, 'npcs', issues);
  declaredIds(document, 'conflicts', issues);

  for (const [index, npc] of entries(document, 'npcs')) {
    expectDeclared(issues, ['npcs', index, 'location'], npc.location, 'location', locationIds);
  }

  const seenRelations = new Map<string, number>();
  for (const [index, relation] of entries(document, 'relations')) {
    expectDeclared(issues, ['relations', index, 'from'], relation.from, 'npc', npcIds);
    expectDeclared(issues, ['relations', index, 'to'], relation.to, 'npc', npcIds);
    if (typeof relation.from === 'string' && relation.from === relation.to) {
      issues.push({
        path: ['relations', index, 'to'],
        message: `expected an npc other than "${relation.from}"; a relation joins two different npcs`,
      });
    }
    const signature = JSON.stringify([relation.from, relation.to, relation.kind]);
    const earlier = seenRelations.get(signature);
    if (earlier === undefined) seenRelations.set(signature, index);
    else issues.push({ path: ['relations', index], message: `duplicate relation; the same one is relations[${earlier}]` });
  }

  const conflictIndexByTitle = new Map<string, number>();
  for (const [conflictIndex, conflict] of entries(document, 'conflicts')) {
    if (typeof conflict.title === 'string') {
      // A game finds a conflict's own choices and endings by its title.
      const title = conflict.title.trim();
      const earlier = conflictIndexByTitle.get(title);
      if (earlier === undefined) conflictIndexByTitle.set(title, conflictIndex);
      else
        issues.push({
          path: ['conflicts', conflictIndex, 'title'],
          message: `duplicate title "${title}", already used by conflicts[${earlier}]; expected a unique title`,
        });
    }
    expectDeclared(issues, ['conflicts', conflictIndex, 'location'], conflict.location, 'location', locationIds);
    const stakeholderIndexByNpc = new Map<string, number>();
    for (const [index, stakeholder] of entries(conflict, 'stakeholders')) {
      const path = ['conflicts', conflictIndex, 'stakeholders', index, 'npc'];
      expectDeclared(issues, path, stakeholder.npc, 'npc', npcIds);
      if (typeof stakeholder.npc !== 'string') continue;
      const earlier = stakeholderIndexByNpc.get(stakeholder.npc);
      if (earlier === undefined) stakeholderIndexByNpc.set(stakeholder.npc, index);
      else
        issues.push({ path, message: `"${stakeholder.npc}" is already a stakeholder (stakeholders[${earlier}]); expected distinct npcs` });
    }
    for (const [index, choice] of entries(conflict, 'choices')) {
      expectDeclared(issues, ['conflicts', conflictIndex, 'choices', index, 'target'], choice.target, 'npc', npcIds);
    }
    for (const [index, ending] of entries(conflict, 'endings')) {
      if (!Array.isArray(ending.winners)) continue;
      ending.winners.forEach((winner: unknown, at: number) => {
        const path = ['conflicts', conflictIndex, 'endings', index, 'winners', at];
        if (typeof winner !== 'string' || stakeholderIndexByNpc.has(winner)) return;
        const expected =
          stakeholderIndexByNpc.size === 0
            ? 'a stakeholder of this conflict'
            : `one of its stakeholders, ${[...stakeholderIndexByNpc.keys()].join(', ')}`;
        issues.push({ path, message: `"${winner}" takes no part in this conflict; expected ${expected}` });
      });
    }
  }
  return issues;
}

function declaredIds(document: unknown, section: string, issues: PathIssue[]): Set<string> {
  const firstIndexById = new Map<string, number>();
  for (const [index, item] of entries(document, section)) {
    if (typeof item.id !== 'string') continue;
    const earlier = firstIndexById.get(item.id);
    if (earlier === undefined) firstIndexById.set(item.id, index);
    else
      issues.push({
        path: [section, index, 'id'],
        message: `duplicate id "${item.id}", already used by ${section}[${earlier}]; expected a unique id`,
      });
  }
  return new Set(firstIndexById.keys());
}

function expectDeclared(issues: PathIssue[], path: PathSegment[], value: unknown, kind: string, ids: Set<string>): void {
  if (typeof value !== 'string' || ids.has(value)) return;
  const expected = ids.size === 0 ? `a declared ${kind} id, but none are declared` : `one of ${[...ids].join(', ')}`;
  issues.push({ path, message: `unknown ${kind} "${value}"; expected ${expected}` });
}

function entries(container: unknown, key: string): Entry[] {
  const list = isRecord(container) ? container[key] : undefined;
  if (!Array.isArray(list)) return [];
  return list.flatMap((item, index): Entry[] => (isRecord(item) ? [[index, item]] : []));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

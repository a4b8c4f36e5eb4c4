// @ts-check
/**
 * A short scripted playthrough over the HTTP API (no network: fastify's inject): start a game,
 * make three choices, wait for the model's text to land, and read the chronicle. Exits 1 if any
 * step does not answer as a player would expect.
 */
import assert from 'node:assert/strict';
import { startLanternMarket } from './game.mjs';

const { nyx, app } = await startLanternMarket({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
try {
  const call = async (
    /** @type {'GET' | 'POST'} */ method,
    /** @type {string} */ url,
    /** @type {object | undefined} */ payload,
    token = '',
  ) => {
    const response = await app.inject({ method, url, payload, headers: token ? { authorization: `Bearer ${token}` } : {} });
    assert.ok(response.statusCode < 300, `${method} ${url} answered ${response.statusCode}: ${response.body}`);
    return response.json();
  };

  const scenarios = await call('GET', '/api/scenarios');
  assert.deepEqual(
    scenarios.map((/** @type {{ id: string }} */ s) => s.id),
    ['lantern-market'],
  );

  const { gameId, token, state } = await call('POST', '/api/games', { scenario: 'lantern-market', seed: 7 });
  console.log(state.player.intro);
  let choices = state.choices;
  for (let turn = 1; turn <= 3; turn++) {
    const choice = choices[0];
    assert.ok(choice, `turn ${turn}: no choice offered`);
    const answer = await call('POST', `/api/games/${gameId}/choices`, { choiceId: choice.id }, token);
    console.log(`> ${answer.outcome.label}\n  ${answer.outcome.text}`);
    choices = answer.state.choices;
  }

  const deadline = Date.now() + 60_000;
  let current = await call('GET', `/api/games/${gameId}/state`, undefined, token);
  while (current.content.some((/** @type {{ status: string }} */ item) => item.status === 'generating') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    current = await call('GET', `/api/games/${gameId}/state`, undefined, token);
  }
  const chronicle = await call('GET', `/api/games/${gameId}/chronicle`, undefined, token);
  assert.ok(chronicle.lines.length > 0, 'the chronicle is empty');
  console.log(
    `\n${chronicle.title} (tension: ${chronicle.tension})\n${chronicle.lines.map((/** @type {string} */ line) => `- ${line}`).join('\n')}`,
  );
} finally {
  await app.close();
  await nyx.close();
}

// @ts-check
/**
 * The game's model settings, as the environment Nyx reads them from. Without LLM_BASE_URL the game
 * plays with Nyx's offline writer behind a simulated model (LLM_SIM_LATENCY_MS), so it runs anywhere;
 * point LLM_BASE_URL at any OpenAI-compatible server (Ollama, llama.cpp, vLLM) for real prose.
 */
export const settings = {
  NYX_DATA_DIR: ':memory:',
  LLM_SIM_LATENCY_MS: '100-400',
  LLM_TIMEOUT_MS: '20000',
  // Gossip is short: a smaller model writes it well enough, when the server has one.
  ...(process.env.LLM_MODEL_SMALL ? { LLM_MODEL_GOSSIP: process.env.LLM_MODEL_SMALL } : {}),
};

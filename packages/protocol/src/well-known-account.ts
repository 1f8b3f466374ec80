/**
 * The well-known development account, like Azurite's (README, the table after the quick start). Here rather than in the
 * server so the agent and the CLI can default to it without loading the server (Fastify, SQLite) — an agent
 * that carries the server's modules forks every task from a bigger process.
 */
export const WELL_KNOWN_ACCOUNT = Object.freeze({
  name: 'batchite',
  key: 'Y1dLo/hJxuVMb17X4ToLH2WtcDkvrJZ32NJexlLWhDvgq8iQHk+UCXtsKQQi/7TwdQSp+v9QRJTzehHb2qXnCw==',
});

/** The agent's logging needs: three levels, a message and optional structured fields. */
export interface AgentLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Logs nothing (the default: an embedded agent should not write to the host's console uninvited). */
export const silentLogger: AgentLogger = Object.freeze({
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
});

/**
 * Nesting depth of a JSON text, measured on the raw bytes before anything parses, copies or serialises it:
 * recursive code (validators, the store's serialiser, responses) then never meets a document deep enough to
 * overflow the stack. Linear, no allocation; strings are skipped so brackets inside them do not count.
 */

/** Deepest object/array nesting a request body may have. 64 is the default of System.Text.Json and Json.NET. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** True when `bytes`, read as JSON, nests objects/arrays deeper than `max`. Malformed JSON is left to the parser. */
export function exceedsJsonDepth(bytes: Uint8Array, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

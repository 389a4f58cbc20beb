// Waiting for things that happen elsewhere (the etl, the warehouse, the
// gateway's history): ask again until the answer is right or time is up, and
// then say what was expected and what was last seen.

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `read` every `everyMs` until `good(value)`; returns that value.
 * On timeout throws "<what>: <last value>" so the failure shows how far it got.
 */
export async function poll(what, read, good, { timeoutMs = 60_000, everyMs = 1_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await read();
      lastError = undefined;
      if (good(last)) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const seen = lastError ? `the last attempt failed: ${lastError.message}` : `last seen: ${JSON.stringify(last, replacer)}`;
      throw new Error(`waited ${Math.round(timeoutMs / 1000)} s for ${what}; ${seen}`);
    }
    await sleep(everyMs);
  }
}

// Maps and Sets print as their entries rather than as {}.
function replacer(_key, value) {
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}

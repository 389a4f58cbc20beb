// The suite's settings. tests/web/main.rs starts the stack, seeds the
// catalogue and sets these; read lazily, so a missing one fails the test that
// needs it with a message saying where it should have come from.
import { mkdirSync } from "node:fs";
import { join } from "node:path";

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set. The suite runs from \`cargo test -p encore-tests --test web\`, ` +
        "which starts the services and sets JOURNEY_*; to run it by hand, set them yourself.",
    );
  }
  return value;
}

export const env = {
  /** The gateway's origin: the app at `/`, the API at `/v1`. */
  get url() {
    return required("JOURNEY_URL").replace(/\/+$/, "");
  },
  get adminLogin() {
    return required("JOURNEY_ADMIN_LOGIN");
  },
  get adminPassword() {
    return required("JOURNEY_ADMIN_PASSWORD");
  },
  /** "Aurora Lindqvist": one album ("Northern Lights") of four 30 s tracks. */
  get artist() {
    return required("JOURNEY_ARTIST");
  },
  get clickhouseUrl() {
    return required("JOURNEY_CLICKHOUSE_URL").replace(/\/+$/, "");
  },
  get clickhouseDatabase() {
    return required("JOURNEY_CLICKHOUSE_DATABASE");
  },
  /** Seconds an access token lives (short on purpose, so a test can outlive one). */
  get accessTtl() {
    const seconds = Number(required("JOURNEY_ACCESS_TTL"));
    if (!(seconds > 0)) throw new Error(`JOURNEY_ACCESS_TTL must be a number of seconds, not ${process.env.JOURNEY_ACCESS_TTL}`);
    return seconds;
  },
  get chromium() {
    return process.env.JOURNEY_CHROMIUM || "/usr/bin/chromium";
  },
  /** Screenshots, the budget table and the console log shared by the test files. */
  get output() {
    const dir = required("JOURNEY_OUTPUT");
    mkdirSync(dir, { recursive: true });
    return dir;
  },
};

/** A directory under JOURNEY_OUTPUT, made if missing. */
export function outputDir(...parts) {
  const dir = join(env.output, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}


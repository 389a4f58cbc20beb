// What reached the warehouse: plain HTTP queries against ClickHouse (18.16
// locally, so nothing newer than its SQL). `plays FINAL` collapses rows that
// share an event id, which is the exact answer before parts merge.
import { env } from "./env.mjs";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids go into SQL text, so only well-formed UUIDs may. */
export function uuid(id) {
  if (!UUID.test(id)) throw new Error(`not a UUID: ${id}`);
  return `toUUID('${id}')`;
}

/** Rows of a SELECT, as objects (FORMAT JSON; 64-bit numbers arrive as strings, so Number() them). */
export async function select(sql) {
  const url = `${env.clickhouseUrl}/?database=${encodeURIComponent(env.clickhouseDatabase)}`;
  const response = await fetch(url, { method: "POST", body: `${sql} FORMAT JSON` });
  const text = await response.text();
  if (!response.ok) throw new Error(`ClickHouse refused ${sql}: ${response.status} ${text}`);
  return JSON.parse(text).data;
}

/** How many events of each kind a user has in `plays FINAL`. */
export async function kindsOf(userId) {
  const rows = await select(`SELECT toString(kind) AS kind, count() AS n FROM plays FINAL WHERE user_id = ${uuid(userId)} GROUP BY kind`);
  return Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)]));
}

/** Every event id of a user in `plays FINAL`, with how many rows each has. */
export async function eventCounts(userId) {
  const rows = await select(
    `SELECT toString(event_id) AS id, count() AS n FROM plays FINAL WHERE user_id = ${uuid(userId)} GROUP BY id`,
  );
  return new Map(rows.map((r) => [r.id, Number(r.n)]));
}

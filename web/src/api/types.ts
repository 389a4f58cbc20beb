// The gateway's request and response bodies, by their names in its OpenAPI
// description (web/openapi.json, written by `gateway openapi`). schema.d.ts is
// generated from it (`npm run gen:api`, checked by `npm run check:api`), so a
// body the gateway changes fails the type check instead of a page at run time.
import type { components } from "./schema";

export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];

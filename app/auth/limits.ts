/** An API token lives at most this many days. */
export const MAX_TOKEN_DAYS = 365

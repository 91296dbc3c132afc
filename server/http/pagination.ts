// Cursor pagination for list endpoints: `limit` rows (default 100, at most 1000) and an opaque
// `nextCursor` (null on the last page) to pass back as `cursor`. A cursor is the base64url of
// [kind, ...sort key of the last row]; the kind ties it to the list that made it.

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
/** Rows a CSV export reads per query while it streams (each query a short read, no open cursor). */
export const CSV_PAGE = 5000;

/** A 4xx the central error handler passes on with its message. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new HttpError(400, message);

export type KeyPart = 'integer' | 'number' | 'string';
type KeyValue<P extends KeyPart> = P extends 'string' ? string : number;
export type Key<S extends readonly KeyPart[]> = { -readonly [I in keyof S]: KeyValue<S[I]> };

export function encodeCursor(kind: string, key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([kind, ...key])).toString('base64url');
}

/** The sort key in a cursor made by `kind`; a 400 with the reason when it is not one. */
export function decodeCursor<const S extends readonly KeyPart[]>(
  cursor: string,
  kind: string,
  shape: S,
): Key<S> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('invalid cursor: not a cursor this API made');
  }
  if (!Array.isArray(parsed) || parsed[0] !== kind) {
    throw badRequest('invalid cursor: it belongs to another list; pass back the nextCursor of this one');
  }
  const key = parsed.slice(1);
  const fits =
    key.length === shape.length &&
    shape.every((part, i) =>
      part === 'string'
        ? typeof key[i] === 'string'
        : part === 'integer'
          ? Number.isSafeInteger(key[i])
          : typeof key[i] === 'number' && Number.isFinite(key[i]),
    );
  if (!fits) throw badRequest('invalid cursor: malformed sort key');
  return key as Key<S>;
}

/**
 * One page of a list already sorted in memory (aggregates computed per request): the rows whose
 * key sorts after `after`, and the cursor of the last one when more follow.
 */
export function pageOf<T, K extends readonly (string | number)[]>(
  rows: readonly T[],
  options: {
    kind: string;
    keyOf: (row: T) => K;
    compare: (a: K, b: K) => number;
    after: K | null;
    limit: number;
  },
): { items: T[]; nextCursor: string | null } {
  const { after, keyOf, compare, limit } = options;
  const start = after === null ? 0 : rows.findIndex((r) => compare(keyOf(r), after) > 0);
  const items = start < 0 ? [] : rows.slice(start, start + limit);
  const last = items[items.length - 1];
  const more = start >= 0 && start + limit < rows.length;
  return { items, nextCursor: more && last !== undefined ? encodeCursor(options.kind, keyOf(last)) : null };
}

/** Compare keys part by part; `desc` lists the parts sorted descending. */
export function keyComparator<K extends readonly (string | number)[]>(desc: readonly boolean[]) {
  return (a: K, b: K): number => {
    for (let i = 0; i < a.length; i++) {
      const x = a[i] as string | number;
      const y = b[i] as string | number;
      if (x === y) continue;
      const order = x < y ? -1 : 1;
      return desc[i] ? -order : order;
    }
    return 0;
  };
}

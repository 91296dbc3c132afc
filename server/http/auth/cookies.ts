// The one cookie unitscore sets. Reading and writing it takes a few lines, so no cookie plugin.

export const SESSION_COOKIE = 'unitscore_session';

/** The value of cookie `name` in a Cookie header; the first one wins, as browsers send the most specific first. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    // Session ids are base64url: anything else is not ours.
    return /^[A-Za-z0-9_-]{1,100}$/.test(value) ? value : null;
  }
  return null;
}

export interface CookieAttributes {
  maxAgeSeconds: number;
  secure: boolean;
}

/** httpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure over HTTPS. */
export function sessionCookie(value: string, attributes: CookieAttributes): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(attributes.maxAgeSeconds))}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(attributes.secure ? ['Secure'] : []),
  ].join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', { maxAgeSeconds: 0, secure });
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * The one-time token that lets whoever reads the server's log create the first admin from the
 * web UI. Only its hash is kept; it works once, and only while no user exists.
 */
export class SetupToken {
  private hash: Buffer | null = null;

  issue(): string {
    const token = randomBytes(18).toString('base64url');
    this.hash = digest(token);
    return token;
  }

  get pending(): boolean {
    return this.hash !== null;
  }

  matches(value: string): boolean {
    return this.hash !== null && timingSafeEqual(digest(value), this.hash);
  }

  private claimed = false;

  /** Only one first-admin creation at a time: two requests racing with the token make one admin. */
  claim(): boolean {
    if (this.claimed || this.hash === null) return false;
    this.claimed = true;
    return true;
  }

  release(): void {
    this.claimed = false;
  }

  consume(): void {
    this.hash = null;
    this.claimed = false;
  }
}

/** The link that opens the first-admin form with the token filled in. */
export function setupUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/#/setup?token=${encodeURIComponent(token)}`;
}

/** What to print at a first start, for a person at a terminal or reading the journal. */
export function setupNotice(baseUrl: string, token: string): string {
  return [
    'No user exists yet. Create the first admin here (the link works once):',
    `  ${setupUrl(baseUrl, token)}`,
    'or on this machine: unitscore user add NAME --role admin',
  ].join('\n');
}

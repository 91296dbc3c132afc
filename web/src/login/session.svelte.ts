import {
  getLoginInfo,
  getSession,
  type Me,
  postLogin,
  postLogout,
  postPassword,
  postSetup,
  type Session,
} from '../lib/api/auth';
import { ApiRequestError, errorMessage, onUnauthorized, setCsrfToken } from '../lib/api/client';

// Who is using the app. Nothing but the login page shows until a session exists; a 401 from any
// request (the session expired, or ended elsewhere) brings the login page back, and the page
// the user was on comes back after the next login (the URL never changes for it).

export class SessionState {
  phase: 'checking' | 'anonymous' | 'signed-in' | 'unreachable' = $state('checking');
  me: Me | null = $state(null);
  /** No user exists yet: the login page offers to create the first admin. */
  setupRequired = $state(false);
  /** Why the last login, setup or password change failed. */
  error = $state('');
  busy = $state(false);

  readonly isAdmin = $derived(this.me?.role === 'admin');
  /** Operators and admins may start scans (server/http/auth/role-matrix.ts: POST /scans). */
  readonly canOperate = $derived(this.me?.role === 'operator' || this.me?.role === 'admin');

  constructor() {
    onUnauthorized(() => {
      if (this.phase === 'signed-in') this.signedOut();
    });
  }

  async check(): Promise<void> {
    try {
      this.signIn(await getSession());
    } catch (err) {
      if (err instanceof ApiRequestError && err.status === 401) await this.toLogin();
      else {
        this.error = errorMessage(err);
        this.phase = 'unreachable';
      }
    }
  }

  async login(name: string, password: string): Promise<boolean> {
    return this.attempt(async () => this.signIn(await postLogin(name, password)));
  }

  async setup(token: string, name: string, password: string): Promise<boolean> {
    return this.attempt(async () => {
      this.signIn(await postSetup(token, name, password));
      this.setupRequired = false;
    });
  }

  async changePassword(current: string, next: string): Promise<boolean> {
    // The server ends every session of the user and hands this browser a fresh one.
    return this.attempt(async () => this.signIn(await postPassword(current, next)));
  }

  async logout(): Promise<void> {
    try {
      await postLogout();
    } finally {
      this.signedOut();
    }
  }

  private async attempt(action: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    this.error = '';
    try {
      await action();
      return true;
    } catch (err) {
      const message = errorMessage(err);
      this.error = message.charAt(0).toUpperCase() + message.slice(1);
      // 409 from setup: someone made the first admin meanwhile; logging in is what is left.
      if (err instanceof ApiRequestError && err.status === 409) await this.toLogin();
      return false;
    } finally {
      this.busy = false;
    }
  }

  private signIn(session: Session): void {
    setCsrfToken(session.csrfToken);
    this.me = session.user;
    this.error = '';
    this.phase = 'signed-in';
  }

  private signedOut(): void {
    setCsrfToken(null);
    this.me = null;
    void this.toLogin();
  }

  private async toLogin(): Promise<void> {
    try {
      this.setupRequired = (await getLoginInfo()).setupRequired;
    } catch {
      this.setupRequired = false;
    }
    this.phase = 'anonymous';
  }
}

export const session = new SessionState();

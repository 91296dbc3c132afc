import { getHealth } from './api/client';
import type { Health } from './api/types';

// Read once at start: the demo flag and the server version do not change while the page is open.
class HealthState {
  health: Health | null = $state(null);

  async load(): Promise<void> {
    try {
      this.health = await getHealth();
    } catch {
      // The pages report an unreachable server themselves; the banner simply stays hidden.
      this.health = null;
    }
  }
}

export const health = new HealthState();

// One shared, slowly ticking "now" so relative times stay fresh without a timer per cell.

class Clock {
  now: number = $state(Date.now());

  constructor(tickMs = 30_000) {
    setInterval(() => {
      this.now = Date.now();
    }, tickMs);
  }
}

export const clock = new Clock();

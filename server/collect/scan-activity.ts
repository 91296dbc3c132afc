import { EventEmitter } from 'node:events';
import type { HostTarget } from '../config/config.js';
import type { RoundProgress } from './scan-round.js';

export interface ActivitySnapshot {
  running: boolean;
  round: number;
  startedAt: number | null;
  finishedAt: number | null;
  total: number;
  done: number;
  failed: number;
  scanning: string[];
  nextRoundAt: number | null;
}

/**
 * What the scheduler is doing right now, for the live scan status in the UI. Emits 'change'
 * with a snapshot after every step (the event stream sends them on).
 */
export class ScanActivity extends EventEmitter<{ change: [ActivitySnapshot] }> {
  private round = 0;
  private startedAt: number | null = null;
  private finishedAt: number | null = null;
  private total = 0;
  private done = 0;
  private failed = 0;
  private readonly scanning = new Set<string>();
  private nextRoundAt: number | null = null;

  /** A round starts empty; each host started joins it (hosts fall due one by one). */
  roundStarted(now = Date.now()): void {
    this.round++;
    this.startedAt = now;
    this.finishedAt = null;
    this.total = 0;
    this.done = 0;
    this.failed = 0;
    this.nextRoundAt = null;
    this.scanning.clear();
    this.emit('change', this.snapshot());
  }

  hostStarted(target: HostTarget): void {
    this.scanning.add(target.name);
    this.total++;
    this.emit('change', this.snapshot());
  }

  hostDone({ target, result }: RoundProgress): void {
    this.scanning.delete(target.name);
    this.done++;
    if (result.status !== 'ok') this.failed++;
    this.emit('change', this.snapshot());
  }

  roundFinished(nextRoundAt: number | null, now = Date.now()): void {
    this.finishedAt = now;
    this.nextRoundAt = nextRoundAt;
    this.emit('change', this.snapshot());
  }

  snapshot(): ActivitySnapshot {
    return {
      running: this.startedAt !== null && this.finishedAt === null,
      round: this.round,
      startedAt: this.startedAt,
      finishedAt: this.finishedAt,
      total: this.total,
      done: this.done,
      failed: this.failed,
      scanning: [...this.scanning].sort(),
      nextRoundAt: this.nextRoundAt,
    };
  }
}

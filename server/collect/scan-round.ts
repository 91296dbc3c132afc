import type { HostTarget } from '../config/config.js';
import type { CollectOptions } from './collect.js';
import { type ScanHooks, type ScanResult, scanHost } from './scan-host.js';

export interface RoundProgress {
  done: number;
  total: number;
  target: HostTarget;
  result: ScanResult;
}

/**
 * Scan every target once, at most `concurrency` at a time. Each result is handed over as soon as
 * it is in, so one slow host never holds back the others' storage or progress.
 */
export async function scanRound(
  targets: HostTarget[],
  options: CollectOptions & { concurrency: number },
  onResult: (progress: RoundProgress) => void,
  onStart?: (target: HostTarget) => void,
  hooks?: (target: HostTarget) => ScanHooks,
): Promise<void> {
  let next = 0;
  let done = 0;
  // One host's scan in a function of its own: a result kept in the worker's loop would stay
  // alive (V8 keeps it in the suspended loop) through the next host's whole collection, and
  // with it the report it came from: 64 workers held ~330 MB of finished reports that way.
  const scanOne = async (target: HostTarget) => {
    onStart?.(target);
    const result = await scanHost(target, options, hooks?.(target));
    done++;
    onResult({ done, total: targets.length, target, result });
  };
  const worker = async () => {
    while (next < targets.length) await scanOne(targets[next++] as HostTarget);
  };
  const workers = Array.from({ length: Math.min(options.concurrency, targets.length) }, worker);
  await Promise.all(workers);
}

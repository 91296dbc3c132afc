import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import ssh2 from 'ssh2';
import type { HostTarget } from '../config/config.js';
import { packageRoot } from '../paths.js';
import { type DemoHost, type HostBehaviour, startDemoHost } from './ssh-host.js';

// The embedded demo fleet: a dozen SSH hosts on loopback addresses, each with its own host key
// pinned in a generated known_hosts, answering with reports recorded from real systemd hosts
// (server/demo/reports). Two hosts misbehave on purpose, so every state of the UI is on show.

export const demoReportsDir = join(packageRoot, 'server', 'demo', 'reports');

export interface DemoSpec {
  name: string;
  labels: string[];
  /**
   * 'answer' a report; 'key-changed': serve a key other than the pinned one; 'down': nothing
   * listens; the other faults are described in ssh-host.ts (HOST_BEHAVIOURS).
   */
  behaviour: HostBehaviour | 'key-changed';
}

const FLEET: DemoSpec[] = [
  { name: 'web-01', labels: ['env=prod', 'role=web'], behaviour: 'answer' },
  { name: 'web-02', labels: ['env=prod', 'role=web'], behaviour: 'answer' },
  { name: 'web-03', labels: ['env=staging', 'role=web'], behaviour: 'answer' },
  { name: 'db-01', labels: ['env=prod', 'role=db'], behaviour: 'answer' },
  { name: 'db-02', labels: ['env=prod', 'role=db'], behaviour: 'answer' },
  { name: 'worker-01', labels: ['env=prod', 'role=worker'], behaviour: 'answer' },
  { name: 'worker-02', labels: ['env=prod', 'role=worker'], behaviour: 'answer' },
  { name: 'worker-03', labels: ['env=staging', 'role=worker'], behaviour: 'answer' },
  { name: 'build-01', labels: ['env=ci', 'role=build'], behaviour: 'answer' },
  { name: 'bastion-01', labels: ['env=prod', 'role=bastion'], behaviour: 'answer' },
  { name: 'legacy-01', labels: ['env=prod', 'role=legacy'], behaviour: 'key-changed' },
  { name: 'edge-01', labels: ['env=prod', 'role=edge'], behaviour: 'down' },
];

export interface DemoFleet {
  hosts: HostTarget[];
  /**
   * Make host `name` behave otherwise from its next connection on (fault tests): a fault, or
   * 'answer' to heal it ('key-changed' presents a new host key, 'answer' the pinned one again).
   */
  setBehaviour(name: string, behaviour: DemoSpec['behaviour']): Promise<void>;
  /** Answer with another recorded report (with its DEMOBOUNDARY placeholders) from now on. */
  setReport(name: string, report: string): void;
  close(): Promise<void>;
}

const usable = (privateKey: string) => !(ssh2.utils.parseKey(privateKey) instanceof Error);

function keyPair(file: string): { private: string; public: string } {
  // ssh2 1.17 writes about one ed25519 key in 256 with its public half cut short (a leading
  // zero byte dropped), which it then cannot read back: such a key is made again.
  if (!existsSync(file) || !usable(readFileSync(file, 'utf8'))) {
    let pair = ssh2.utils.generateKeyPairSync('ed25519');
    while (!usable(pair.private)) pair = ssh2.utils.generateKeyPairSync('ed25519');
    writeFileSync(file, pair.private, { mode: 0o600 });
    writeFileSync(`${file}.pub`, `${pair.public}\n`);
  }
  return { private: readFileSync(file, 'utf8'), public: readFileSync(`${file}.pub`, 'utf8').trim() };
}

export function loadDemoReports(dir = demoReportsDir): { name: string; text: string }[] {
  // Stored gzipped: a real 57-unit report (JSON with debug keys) is about 0.95 MB.
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.report.gz'))
    .sort();
  if (files.length === 0) throw new Error(`no recorded reports (*.report.gz) in ${dir}`);
  return files.map((f) => ({ name: f, text: gunzipSync(readFileSync(join(dir, f))).toString('utf8') }));
}

/** A recorded report, as this host would print it now: its boundary, its name, this moment. */
export function personalise(report: string, boundary: string, hostname: string, now: Date): string {
  return (
    report
      .replaceAll('DEMOBOUNDARY', boundary)
      .replace(/^hostname=.*$/m, `hostname=${hostname}`)
      // Several demo hosts replay one recording; each must still be its own machine.
      .replace(
        /^machine_id=.*$/m,
        `machine_id=${createHash('sha256').update(hostname).digest('hex').slice(0, 32)}`,
      )
      .replace(/^collected_at=.*$/m, `collected_at=${now.toISOString().replace(/\.\d+Z$/, 'Z')}`)
  );
}

/** A simulated fleet of `size` healthy hosts (benchmarks, scale and crash tests). */
export function simulatedSpecs(size: number): DemoSpec[] {
  const roles = ['web', 'db', 'worker', 'cache', 'batch'];
  const envs = ['prod', 'prod', 'prod', 'staging'];
  return Array.from({ length: size }, (_, i) => ({
    name: `host-${String(i + 1).padStart(5, '0')}`,
    labels: [`env=${envs[i % envs.length]}`, `role=${roles[i % roles.length]}`],
    behaviour: 'answer' as const,
  }));
}

/** The embedded demo fleet. Keys live in `dir` so the pinned host keys survive restarts. */
export function startDemoFleet(dir: string, firstAddress = 42): Promise<DemoFleet> {
  return startSimulatedFleet(dir, FLEET, firstAddress);
}

/** Host i's loopback address: 127.<first>.<hi>.<lo>, room for 65,000 hosts. */
const addressOf = (first: number, i: number) => `127.${first}.${(i + 1) >> 8}.${(i + 1) & 255}`;

export async function startSimulatedFleet(
  dir: string,
  specs: DemoSpec[],
  firstAddress: number,
): Promise<DemoFleet> {
  mkdirSync(join(dir, 'keys'), { recursive: true });
  const reports = loadDemoReports();
  const client = keyPair(join(dir, 'keys', 'client_ed25519'));
  const knownHostsFile = join(dir, 'known_hosts');
  const knownHosts: string[] = [];
  const running = new Map<string, { host: DemoHost; pinned: string; newKey: () => string }>();
  const reportOf = new Map<string, string>();
  const hosts: HostTarget[] = [];
  const stopAll = () => Promise.all([...running.values()].map((r) => r.host.close()));
  try {
    for (const [i, spec] of specs.entries()) {
      const address = addressOf(firstAddress, i);
      const hostKey = keyPair(join(dir, 'keys', `${spec.name}_host_ed25519`));
      const newKey = () => keyPair(join(dir, 'keys', `${spec.name}_new_host_ed25519`)).private;
      reportOf.set(spec.name, (reports[i % reports.length] as { text: string }).text);
      const host = await startDemoHost({
        address,
        hostKey: spec.behaviour === 'key-changed' ? newKey() : hostKey.private,
        clientPublicKey: client.public,
        respond: (boundary) =>
          personalise(reportOf.get(spec.name) as string, boundary, spec.name, new Date()),
        behaviour: spec.behaviour === 'key-changed' ? 'answer' : spec.behaviour,
      });
      running.set(spec.name, { host, pinned: hostKey.private, newKey });
      const [type, blob] = hostKey.public.split(/\s+/);
      knownHosts.push(`[${address}]:${host.port} ${type} ${blob}`);
      hosts.push({
        name: spec.name,
        address,
        port: host.port,
        user: 'scanner',
        labels: spec.labels,
        identityFile: join(dir, 'keys', 'client_ed25519'),
        knownHosts: knownHostsFile,
      });
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  writeFileSync(knownHostsFile, `# generated by the unitscore demo fleet\n${knownHosts.join('\n')}\n`);
  const entry = (name: string) => {
    const found = running.get(name);
    if (!found) throw new Error(`no simulated host named ${name}`);
    return found;
  };
  return {
    hosts,
    setBehaviour: async (name, behaviour) => {
      const { host, pinned, newKey } = entry(name);
      if (behaviour === 'key-changed') await host.setBehaviour('answer', { hostKey: newKey() });
      else await host.setBehaviour(behaviour, { hostKey: pinned });
    },
    setReport: (name, report) => {
      entry(name);
      reportOf.set(name, report);
    },
    close: async () => void (await stopAll()),
  };
}

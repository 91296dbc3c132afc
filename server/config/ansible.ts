import {
  Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parse,
  parseDocument,
  type YAMLMap,
} from 'yaml';

// Ansible inventories (INI and YAML) → unitscore hosts. Pure: text in, hosts and problems out.
//
// What is read, the way Ansible reads it:
// - groups, `children` (nested to any depth), `[group:vars]` / `vars:`, `[group:children]`,
//   hosts before any section (group `ungrouped`), `all` and its vars;
// - host patterns with ranges (`web[01:20].example.com`, `db-[a:f]`, `[1:9:2]`) and `host:port`;
// - variables, host over group, a child group over its parent, groups of one depth by
//   `ansible_group_priority` then name (Ansible's own order):
//     ansible_host (ansible_ssh_host)          → address (default: the inventory name)
//     ansible_port (ansible_ssh_port)          → port (default 22, or the pattern's `:port`)
//     ansible_user (ansible_ssh_user)          → user
//     ansible_ssh_private_key_file             → identityFile
//     ansible_ssh_common_args / _extra_args    → jump, from `-J x`, `-o ProxyJump=x` or
//                                                `-o ProxyCommand="ssh -W %h:%p [-q] x"`
//     unitscore_labels                         → extra labels (a list, or comma-separated)
//     ansible_connection other than ssh        → the host is left out, with a problem
// - labels: `group=NAME` for every group the host is in, directly or through `children`
//   (not `all`, not `ungrouped`), then unitscore_labels; sorted, no duplicates.
//
// Not read: Jinja templates (`{{ … }}`; the variable is ignored, with a problem), dynamic
// inventory scripts and plugins, vault-encrypted values (ignored, with a problem).

export type InventoryFormat = 'ini' | 'yaml';

export interface ImportedHost {
  /** The inventory hostname. */
  name: string;
  address: string;
  port: number;
  /** ansible_user; null when the inventory does not say (the config's default applies). */
  user: string | null;
  labels: string[];
  identityFile?: string;
  /** Bastions in ProxyJump syntax (`[user@]host[:port]`, comma-separated). */
  jump?: string;
}

export interface InventoryProblem {
  file: string;
  line: number | null;
  message: string;
}

export interface InventoryImport {
  hosts: ImportedHost[];
  problems: InventoryProblem[];
}

/** `file:line: message`, as config errors print. */
export function formatProblem(p: InventoryProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`;
}

// unitscore's own rules for what it accepts (server/config/schema.ts).
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const USER = /^[a-z_][a-z0-9_.-]*[$]?$/;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.:/=-]*$/;
const JUMP_HOP = /^([a-z_][a-z0-9_.-]*@)?(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$/;
const MAX_RANGE = 10_000;

type Vars = Map<string, unknown>;

interface Group {
  name: string;
  vars: Vars;
  children: Set<string>;
  parents: Set<string>;
  /** Hosts listed in this group directly. */
  hosts: Set<string>;
}

interface HostEntry {
  name: string;
  vars: Vars;
  /** The port of a `host:port` pattern. */
  patternPort: number | null;
  line: number | null;
}

class Inventory {
  readonly groups = new Map<string, Group>();
  readonly hosts = new Map<string, HostEntry>();
  readonly problems: InventoryProblem[] = [];
  constructor(readonly file: string) {
    this.group('all');
    this.group('ungrouped');
  }

  problem(line: number | null, message: string): void {
    this.problems.push({ file: this.file, line, message });
  }

  group(name: string): Group {
    let g = this.groups.get(name);
    if (!g) {
      g = { name, vars: new Map(), children: new Set(), parents: new Set(), hosts: new Set() };
      this.groups.set(name, g);
    }
    return g;
  }

  addChild(parent: string, child: string, line: number | null): void {
    if (parent === child || this.ancestors(parent).has(child)) {
      this.problem(line, `group ${child} cannot be a child of ${parent}: that makes a cycle`);
      return;
    }
    this.group(parent).children.add(child);
    this.group(child).parents.add(parent);
  }

  /** Adds the hosts of one pattern to `group`, with the vars given on the pattern's line. */
  addHosts(pattern: string, group: string, vars: Vars, line: number | null): void {
    const parsed = splitPattern(pattern);
    if ('error' in parsed) {
      this.problem(line, `host ${pattern}: ${parsed.error}`);
      return;
    }
    const names = expandRanges(parsed.host);
    if ('error' in names) {
      this.problem(line, `host ${pattern}: ${names.error}`);
      return;
    }
    for (const name of names) {
      let host = this.hosts.get(name);
      if (!host) {
        host = { name, vars: new Map(), patternPort: null, line };
        this.hosts.set(name, host);
      }
      if (parsed.port !== null) host.patternPort = parsed.port;
      for (const [k, v] of vars) host.vars.set(k, v);
      this.group(group).hosts.add(name);
    }
  }

  ancestors(group: string): Set<string> {
    const seen = new Set<string>();
    const walk = (name: string) => {
      for (const p of this.groups.get(name)?.parents ?? []) {
        if (!seen.has(p)) {
          seen.add(p);
          walk(p);
        }
      }
    };
    walk(group);
    return seen;
  }

  /** Longest path from `all`, as Ansible counts a group's depth. */
  depth(group: string, seen = new Set<string>()): number {
    if (group === 'all' || seen.has(group)) return 0;
    seen.add(group);
    const parents = [...(this.groups.get(group)?.parents ?? [])];
    return 1 + Math.max(0, ...parents.map((p) => this.depth(p, new Set(seen))));
  }

  resolve(): InventoryImport {
    const result: ImportedHost[] = [];
    for (const host of this.hosts.values()) {
      const direct = [...this.groups.values()].filter((g) => g.hosts.has(host.name)).map((g) => g.name);
      const member = new Set<string>(['all']);
      for (const g of direct) {
        member.add(g);
        for (const a of this.ancestors(g)) member.add(a);
      }
      if (direct.length === 0 || (direct.length === 1 && direct[0] === 'all')) member.add('ungrouped');
      // Ansible's order: by depth, then ansible_group_priority, then name; host vars last.
      const ordered = [...member].sort((a, b) => {
        const byDepth = this.depth(a) - this.depth(b);
        if (byDepth !== 0) return byDepth;
        const byPriority = priority(this.group(a)) - priority(this.group(b));
        return byPriority !== 0 ? byPriority : a.localeCompare(b);
      });
      const vars: Vars = new Map();
      for (const g of ordered) for (const [k, v] of this.group(g).vars) vars.set(k, v);
      for (const [k, v] of host.vars) vars.set(k, v);
      const imported = this.toHost(host, vars, member);
      if (imported) result.push(imported);
    }
    return { hosts: result, problems: this.problems };
  }

  private toHost(host: HostEntry, vars: Vars, groups: Set<string>): ImportedHost | null {
    const at = host.line;
    const where = `host ${host.name}`;
    const text = (...keys: string[]): string | undefined => {
      for (const key of keys) {
        const value = vars.get(key);
        if (value === undefined || value === null) continue;
        if (typeof value === 'object') {
          this.problem(at, `${where}: ${key} is not a plain value; ignored`);
          continue;
        }
        const s = String(value);
        if (s.includes('{{') || s.includes('{%')) {
          this.problem(
            at,
            `${where}: ${key} is a Jinja template (${s}), which unitscore cannot evaluate; ignored`,
          );
          continue;
        }
        if (s.startsWith('$ANSIBLE_VAULT')) {
          this.problem(at, `${where}: ${key} is vault-encrypted; ignored`);
          continue;
        }
        return s;
      }
      return undefined;
    };

    const connection = text('ansible_connection');
    if (connection !== undefined && !['ssh', 'paramiko', 'smart'].includes(connection)) {
      this.problem(at, `${where}: left out, ansible_connection=${connection} is not SSH`);
      return null;
    }
    if (!NAME.test(host.name) || host.name.length > 253) {
      this.problem(at, `${where}: left out, the name is not a valid unitscore host name`);
      return null;
    }
    const address = text('ansible_host', 'ansible_ssh_host') ?? host.name;
    const portText = text('ansible_port', 'ansible_ssh_port');
    let port = host.patternPort ?? 22;
    if (portText !== undefined) {
      const n = /^[0-9]{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
      if (n >= 1 && n <= 65535) port = n;
      else {
        this.problem(at, `${where}: left out, ansible_port ${portText} is not a port`);
        return null;
      }
    }
    let user: string | null = text('ansible_user', 'ansible_ssh_user') ?? null;
    if (user !== null && !USER.test(user)) {
      this.problem(at, `${where}: ansible_user ${user} is not a valid user name for unitscore; ignored`);
      user = null;
    }
    const identityFile = text('ansible_ssh_private_key_file', 'ansible_private_key_file');

    const labels = new Set<string>();
    for (const g of groups) if (g !== 'all' && g !== 'ungrouped') labels.add(`group=${g}`);
    let extra = vars.get('unitscore_labels');
    if (typeof extra === 'string' && /^\[.*\]$/.test(extra.trim())) {
      // A list written in an INI value: ['env=prod', 'tier=1'] (Ansible reads it as a list).
      try {
        extra = parse(extra) as unknown;
      } catch {
        // left as a comma-separated string
      }
    }
    const extraLabels = Array.isArray(extra)
      ? extra.map(String)
      : typeof extra === 'string'
        ? extra.split(',').map((s) => s.trim())
        : [];
    for (const label of extraLabels) if (label !== '') labels.add(label);
    for (const label of labels) {
      if (!LABEL.test(label) || label.length > 100) {
        this.problem(at, `${where}: label ${label} is not a valid unitscore label; left out`);
        labels.delete(label);
      }
    }

    const jump = jumpOf(text('ansible_ssh_common_args') ?? '', text('ansible_ssh_extra_args') ?? '');
    if (jump && 'error' in jump) this.problem(at, `${where}: ${jump.error}; no jump host taken`);

    return {
      name: host.name,
      address,
      port,
      user,
      labels: [...labels].sort(),
      ...(identityFile ? { identityFile } : {}),
      ...(jump && 'spec' in jump ? { jump: jump.spec } : {}),
    };
  }
}

function priority(group: Group): number {
  const p = Number(group.vars.get('ansible_group_priority') ?? 1);
  return Number.isFinite(p) ? p : 1;
}

/** `host`, `host:port`, `[v6]:port`, a bare IPv6 address; ranges stay in `host`. */
function splitPattern(pattern: string): { host: string; port: number | null } | { error: string } {
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::([0-9]+))?$/.exec(pattern);
  if (bracketed?.[1]?.includes(':')) {
    return { host: bracketed[1], port: bracketed[2] ? Number(bracketed[2]) : null };
  }
  const withPort = /^(.+):([0-9]+)$/.exec(pattern);
  if (withPort) {
    const head = withPort[1] as string;
    // Not a port when the head still has a colon outside brackets: a bare IPv6 address.
    if (!head.replace(/\[[^\]]*\]/g, '').includes(':')) {
      const port = Number(withPort[2]);
      if (port < 1 || port > 65535) return { error: `port ${withPort[2]} is not in 1-65535` };
      return { host: head, port };
    }
  }
  return { host: pattern, port: null };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Ansible's host ranges: `[beg:end]` or `[beg:end:step]`, numeric (zero-padded) or letters. */
export function expandRanges(pattern: string): string[] | { error: string } {
  const m = /^(.*?)\[([0-9A-Za-z]*):([0-9A-Za-z]+)(?::([0-9]+))?\](.*)$/.exec(pattern);
  if (!m) return [pattern];
  const [, head = '', beg0 = '', end = '', stepText, tail = ''] = m;
  const beg = beg0 === '' ? '0' : beg0;
  const step = stepText === undefined ? 1 : Number(stepText);
  if (step < 1) return { error: 'range step must be at least 1' };
  let seq: string[];
  if (/^[0-9]+$/.test(beg) && /^[0-9]+$/.test(end)) {
    const width = beg.length > 1 && beg.startsWith('0') ? beg.length : 0;
    if (width && end.length !== width)
      return { error: `range [${beg}:${end}] needs begin and end of one width` };
    const [b, e] = [Number(beg), Number(end)];
    if (b > e) return { error: `range [${beg}:${end}] must have begin <= end` };
    if ((e - b) / step + 1 > MAX_RANGE) return { error: `range [${beg}:${end}] is over ${MAX_RANGE} hosts` };
    seq = [];
    for (let i = b; i <= e; i += step) seq.push(width ? String(i).padStart(width, '0') : String(i));
  } else if (/^[A-Za-z]$/.test(beg) && /^[A-Za-z]$/.test(end)) {
    const [b, e] = [LETTERS.indexOf(beg), LETTERS.indexOf(end)];
    if (b > e) return { error: `range [${beg}:${end}] must have begin <= end` };
    seq = [];
    for (let i = b; i <= e; i += step) seq.push(LETTERS[i] as string);
  } else {
    return { error: `range [${beg0}:${end}] is neither numbers nor single letters` };
  }
  const out: string[] = [];
  for (const middle of seq) {
    const rest = expandRanges(`${head}${middle}${tail}`);
    if ('error' in rest) return rest;
    out.push(...rest);
    if (out.length > MAX_RANGE) return { error: `the pattern expands to over ${MAX_RANGE} hosts` };
  }
  return out;
}

/** Words of a command line as a POSIX shell splits them: quotes and backslashes honoured. */
function shellWords(line: string, comments = false): string[] | null {
  const words: string[] = [];
  let word: string | null = null;
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === "'" || c === '"') {
      const close = line.indexOf(c, i + 1);
      if (close < 0) return null;
      let body = line.slice(i + 1, close);
      if (c === '"') body = body.replace(/\\(["\\$`])/g, '$1');
      word = (word ?? '') + body;
      i = close + 1;
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[i + 1];
      i += 2;
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
      i++;
    } else if (c === '#' && comments && word === null) {
      break;
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** The bastions in ssh arguments: `-J spec`, `-o ProxyJump=spec`, `ProxyCommand="ssh -W %h:%p … spec"`. */
function jumpOf(...argLines: string[]): { spec: string } | { error: string } | null {
  for (const line of argLines) {
    if (line.trim() === '') continue;
    const words = shellWords(line);
    if (!words) return { error: `cannot read the ssh arguments ${line}` };
    for (let i = 0; i < words.length; i++) {
      const w = words[i] as string;
      let spec: string | undefined;
      let option: string | undefined;
      if (w === '-J') spec = words[++i];
      else if (w.startsWith('-J')) spec = w.slice(2);
      else if (w === '-o') option = words[++i];
      else if (w.startsWith('-o')) option = w.slice(2);
      if (option !== undefined) {
        const eq = /^([A-Za-z]+)\s*[= ]\s*(.*)$/.exec(option);
        const key = eq?.[1]?.toLowerCase();
        const value = eq?.[2] ?? '';
        if (key === 'proxyjump') spec = value;
        else if (key === 'proxycommand') {
          const cmd = shellWords(value) ?? [];
          const w2 = cmd.indexOf('-W');
          if (cmd[0] === 'ssh' && w2 >= 0 && cmd[w2 + 1] === '%h:%p') {
            // ssh [-q] [-p port] [-l user] -W %h:%p [...] [user@]host
            let user: string | undefined;
            let port: string | undefined;
            let host: string | undefined;
            for (let j = 1; j < cmd.length; j++) {
              const a = cmd[j] as string;
              if (a === '-W') j++;
              else if (a === '-p') port = cmd[++j];
              else if (a === '-l') user = cmd[++j];
              else if (a === '-i' || a === '-F' || a === '-o') j++;
              else if (!a.startsWith('-')) host = a;
            }
            if (!host) return { error: `cannot find the bastion in ProxyCommand ${value}` };
            const [u, h] = host.includes('@') ? host.split('@', 2) : [user, host];
            spec = `${u ? `${u}@` : ''}${h}${port ? `:${port}` : ''}`;
          } else {
            return { error: `ProxyCommand ${value} is not the "ssh -W %h:%p bastion" form` };
          }
        }
      }
      if (spec !== undefined) {
        if (spec.toLowerCase() === 'none') return null;
        if (!spec.split(',').every((hop) => JUMP_HOP.test(hop)))
          return { error: `jump host ${spec} not understood` };
        return { spec };
      }
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// INI

/** INI variable values as Ansible reads them: quotes removed; everything else as written. */
function iniValue(raw: string): string {
  const v = raw.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0] as string)) {
    const words = shellWords(v);
    return words && words.length === 1 ? (words[0] as string) : v.slice(1, -1);
  }
  return v;
}

function parseIni(inv: Inventory, text: string): void {
  let section: { group: string; kind: 'hosts' | 'vars' | 'children' } = { group: 'ungrouped', kind: 'hosts' };
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    const n = i + 1;
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]\s*(?:[#;].*)?$/.exec(line);
    if (header) {
      const [group = '', kind = 'hosts'] = (header[1] as string).split(':', 2);
      if (!/^[A-Za-z0-9_.-]+$/.test(group)) {
        inv.problem(n, `group name ${group} is not valid; section skipped`);
        section = { group: '', kind: 'hosts' };
        continue;
      }
      if (kind !== 'hosts' && kind !== 'vars' && kind !== 'children') {
        inv.problem(n, `section [${header[1]}]: unknown kind ${kind}; skipped`);
        section = { group: '', kind: 'hosts' };
        continue;
      }
      section = { group, kind };
      inv.group(group);
      if (kind === 'hosts' && group !== 'all' && group !== 'ungrouped') inv.addChild('all', group, n);
      continue;
    }
    if (section.group === '') continue;
    if (section.kind === 'vars') {
      const eq = line.indexOf('=');
      if (eq <= 0) {
        inv.problem(n, `[${section.group}:vars]: expected key=value`);
        continue;
      }
      inv.group(section.group).vars.set(line.slice(0, eq).trim(), iniValue(line.slice(eq + 1)));
      continue;
    }
    if (section.kind === 'children') {
      const child = line.split(/\s+/)[0] as string;
      if (section.group !== 'all') inv.addChild('all', section.group, n);
      inv.addChild(section.group, child, n);
      continue;
    }
    const words = shellWords(line, true);
    if (!words || words.length === 0) {
      if (!words) inv.problem(n, 'unbalanced quotes');
      continue;
    }
    const [pattern, ...assignments] = words as [string, ...string[]];
    const vars: Vars = new Map();
    let bad = false;
    for (const a of assignments) {
      const eq = a.indexOf('=');
      if (eq <= 0) {
        inv.problem(n, `host ${pattern}: expected key=value, found ${a}`);
        bad = true;
        break;
      }
      vars.set(a.slice(0, eq), a.slice(eq + 1));
    }
    if (!bad) inv.addHosts(pattern, section.group, vars, n);
  }
}

// ---------------------------------------------------------------------------------------------
// YAML

function parseYaml(inv: Inventory, text: string): void {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false });
  const lineOf = (node: unknown): number | null => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? lineCounter.linePos(range[0]).line : null;
  };
  for (const error of doc.errors) {
    inv.problem(error.linePos?.[0]?.line ?? null, `invalid YAML: ${error.message.split('\n')[0]}`);
  }
  if (doc.errors.length > 0) return;
  const root = doc.contents;
  if (root === null) return;
  if (!isMap(root)) {
    inv.problem(lineOf(root), 'an inventory is a map of groups (e.g. all:)');
    return;
  }
  const varsOf = (node: unknown, where: string): Vars => {
    const vars: Vars = new Map();
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) return vars;
    if (!isMap(node)) {
      inv.problem(lineOf(node), `${where}: expected a map of variables`);
      return vars;
    }
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : null;
      if (key === null) continue;
      const value = pair.value as Node | null;
      vars.set(
        key,
        value === null
          ? null
          : isSeq(value) || isMap(value)
            ? value.toJSON()
            : (value as { value?: unknown }).value,
      );
    }
    return vars;
  };
  const readGroup = (name: string, node: unknown, parent: string | null, line: number | null) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
      inv.problem(line, `group name ${name} is not valid; skipped`);
      return;
    }
    inv.group(name);
    if (parent) inv.addChild(parent, name, line);
    else if (name !== 'all') inv.addChild('all', name, line);
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) return;
    if (!isMap(node)) {
      inv.problem(lineOf(node), `group ${name}: expected hosts:, vars: or children:`);
      return;
    }
    for (const pair of (node as YAMLMap).items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const value = pair.value as Node | null;
      const at = lineOf(pair.key);
      if (key === 'hosts') {
        if (value === null || (isScalar(value) && value.value === null)) continue;
        if (!isMap(value)) {
          inv.problem(lineOf(value), `group ${name}: hosts: is a map of host names`);
          continue;
        }
        for (const h of value.items) {
          const pattern = isScalar(h.key) ? String(h.key.value) : '';
          inv.addHosts(pattern, name, varsOf(h.value, `host ${pattern}`), lineOf(h.key));
        }
      } else if (key === 'vars') {
        for (const [k, v] of varsOf(value, `group ${name}`)) inv.group(name).vars.set(k, v);
      } else if (key === 'children') {
        if (value === null || (isScalar(value) && value.value === null)) continue;
        if (!isMap(value)) {
          inv.problem(lineOf(value), `group ${name}: children: is a map of groups`);
          continue;
        }
        for (const c of value.items) {
          readGroup(isScalar(c.key) ? String(c.key.value) : '', c.value, name, lineOf(c.key));
        }
      } else {
        inv.problem(at, `group ${name}: unknown key ${key} (hosts, vars, children)`);
      }
    }
  };
  for (const pair of root.items) {
    readGroup(isScalar(pair.key) ? String(pair.key.value) : '', pair.value, null, lineOf(pair.key));
  }
}

/** Read an Ansible inventory. Never throws on its content: what cannot be used is a problem. */
export function parseAnsibleInventory(text: string, format: InventoryFormat, file: string): InventoryImport {
  const inv = new Inventory(file);
  if (format === 'ini') parseIni(inv, text);
  else parseYaml(inv, text);
  return inv.resolve();
}

/** The format of an inventory file by its name: `.yml`/`.yaml` are YAML, anything else INI. */
export function inventoryFormat(file: string): InventoryFormat {
  return /\.ya?ml$/i.test(file) ? 'yaml' : 'ini';
}

/**
 * The `hosts:` block of a unitscore.yaml for these hosts. `user` fills in hosts whose
 * inventory names none (and replaces every one when `override`).
 */
export function hostsYaml(
  hosts: ImportedHost[],
  options: { user?: string; override?: boolean } = {},
): string {
  const doc = new Document({
    hosts: hosts.map((h) => {
      const user = options.override ? options.user : (h.user ?? options.user);
      return {
        name: h.name,
        address: h.address,
        ...(h.port !== 22 ? { port: h.port } : {}),
        ...(user ? { user } : {}),
        labels: h.labels,
        ...(h.identityFile ? { identityFile: h.identityFile } : {}),
        ...(h.jump ? { jump: h.jump } : {}),
      };
    }),
  });
  // Labels on one line each, as the README writes them.
  const list = doc.get('hosts') as { items: YAMLMap[] } | undefined;
  for (const item of list?.items ?? []) {
    const labels = item.get('labels', true) as { flow?: boolean } | undefined;
    if (labels) labels.flow = true;
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

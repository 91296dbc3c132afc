import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  expandRanges,
  formatProblem,
  hostsYaml,
  type ImportedHost,
  inventoryFormat,
  parseAnsibleInventory,
} from '../../server/config/ansible.js';
import { parseConfig } from '../../server/config/load.js';

// Ansible inventories → unitscore hosts (issue 7, point 1): INI and YAML, the way Ansible reads
// them, on inventories shaped like real ones.

const byName = (hosts: ImportedHost[]) => new Map(hosts.map((h) => [h.name, h]));

describe('INI inventories', () => {
  test("the Ansible documentation's first example", () => {
    const { hosts, problems } = parseAnsibleInventory(
      `mail.example.com

[webservers]
foo.example.com
bar.example.com

[dbservers]
one.example.com
two.example.com
three.example.com
`,
      'ini',
      'hosts',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(hosts, [
      { name: 'mail.example.com', address: 'mail.example.com', port: 22, user: null, labels: [] },
      {
        name: 'foo.example.com',
        address: 'foo.example.com',
        port: 22,
        user: null,
        labels: ['group=webservers'],
      },
      {
        name: 'bar.example.com',
        address: 'bar.example.com',
        port: 22,
        user: null,
        labels: ['group=webservers'],
      },
      {
        name: 'one.example.com',
        address: 'one.example.com',
        port: 22,
        user: null,
        labels: ['group=dbservers'],
      },
      {
        name: 'two.example.com',
        address: 'two.example.com',
        port: 22,
        user: null,
        labels: ['group=dbservers'],
      },
      {
        name: 'three.example.com',
        address: 'three.example.com',
        port: 22,
        user: null,
        labels: ['group=dbservers'],
      },
    ]);
  });

  const production = `# production — maintained by the platform team
[all:vars]
ansible_python_interpreter=/usr/bin/python3

[web]
web[01:03].prod.example.com ansible_user=deploy
web-canary.prod.example.com:2222 ansible_host=10.0.1.50   # the canary

[db]
db-[a:c].prod.example.com
db-legacy ansible_host=10.0.2.9 ansible_port=2200 ansible_ssh_private_key_file=~/.ssh/legacy_ed25519

[local]
localhost ansible_connection=local

[prod:children]
web
db

[prod:vars]
ansible_user=ops
ansible_ssh_common_args='-o ProxyJump=jump@bastion.prod.example.com:2222 -o ServerAliveInterval=30'

[web:vars]
unitscore_labels=role=web,tier=frontend
`;

  test('ranges, host:port, host and group vars, children, a non-SSH host', () => {
    const { hosts, problems } = parseAnsibleInventory(production, 'ini', 'inventories/prod/hosts');
    assert.deepEqual(
      hosts.map((h) => h.name),
      [
        'web01.prod.example.com',
        'web02.prod.example.com',
        'web03.prod.example.com',
        'web-canary.prod.example.com',
        'db-a.prod.example.com',
        'db-b.prod.example.com',
        'db-c.prod.example.com',
        'db-legacy',
      ],
    );
    const h = byName(hosts);
    assert.deepEqual(h.get('web02.prod.example.com'), {
      name: 'web02.prod.example.com',
      address: 'web02.prod.example.com',
      port: 22,
      user: 'deploy', // the host's own var wins over [prod:vars]
      labels: ['group=prod', 'group=web', 'role=web', 'tier=frontend'],
      jump: 'jump@bastion.prod.example.com:2222',
    });
    assert.deepEqual(h.get('web-canary.prod.example.com'), {
      name: 'web-canary.prod.example.com',
      address: '10.0.1.50',
      port: 2222,
      user: 'ops',
      labels: ['group=prod', 'group=web', 'role=web', 'tier=frontend'],
      jump: 'jump@bastion.prod.example.com:2222',
    });
    assert.deepEqual(h.get('db-legacy'), {
      name: 'db-legacy',
      address: '10.0.2.9',
      port: 2200,
      user: 'ops',
      labels: ['group=db', 'group=prod'],
      identityFile: '~/.ssh/legacy_ed25519',
      jump: 'jump@bastion.prod.example.com:2222',
    });
    assert.equal(h.get('db-b.prod.example.com')?.user, 'ops');
    assert.deepEqual(problems, [
      {
        file: 'inventories/prod/hosts',
        line: 14,
        message: 'host localhost: left out, ansible_connection=local is not SSH',
      },
    ]);
    assert.equal(
      formatProblem(problems[0] as (typeof problems)[0]),
      'inventories/prod/hosts:14: host localhost: left out, ansible_connection=local is not SSH',
    );
  });

  test("variable precedence: a child group over its parent, then priority, then name, the host's own last", () => {
    const { hosts } = parseAnsibleInventory(
      `[europe:children]
paris
[paris]
p1 ansible_port=2201
p2
[aaa]
p2
[zzz]
p2
p3
[aaa:vars]
ansible_user=from_aaa
[zzz:vars]
ansible_user=from_zzz
[europe:vars]
ansible_port=2200
ansible_user=from_europe
[paris:vars]
ansible_port=2222
[prio]
p3
[prio:vars]
ansible_group_priority=10
ansible_user=from_prio
`,
      'ini',
      'hosts',
    );
    const h = byName(hosts);
    assert.equal(h.get('p1')?.port, 2201, 'host var');
    assert.equal(h.get('p2')?.port, 2222, 'child group over parent');
    // p2 is in paris (depth 2) and in aaa, zzz (depth 1): the deeper group's parent europe
    // (depth 1) loses to zzz by name; no depth-2 group sets a user.
    assert.equal(h.get('p2')?.user, 'from_zzz');
    assert.equal(h.get('p3')?.user, 'from_prio', 'ansible_group_priority');
    assert.deepEqual(h.get('p2')?.labels, ['group=aaa', 'group=europe', 'group=paris', 'group=zzz']);
  });

  test('quoted values, legacy variable names, comments, Windows line ends', () => {
    const { hosts, problems } = parseAnsibleInventory(
      [
        '; an old-style comment',
        '[legacy]',
        'old1 ansible_ssh_host=192.0.2.1 ansible_ssh_port=2022 ansible_ssh_user=root',
        'old2 ansible_host="192.0.2.2" ansible_user=\'svc_scan\' # trailing comment',
        '[legacy:vars]',
        "unitscore_labels = ['env=lab', 'owner=infra']",
        '',
      ].join('\r\n'),
      'ini',
      'legacy.ini',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(hosts, [
      {
        name: 'old1',
        address: '192.0.2.1',
        port: 2022,
        user: 'root',
        labels: ['env=lab', 'group=legacy', 'owner=infra'],
      },
      {
        name: 'old2',
        address: '192.0.2.2',
        port: 22,
        user: 'svc_scan',
        labels: ['env=lab', 'group=legacy', 'owner=infra'],
      },
    ]);
  });

  test('what cannot be used is a problem with its line, never an exception', () => {
    const { hosts, problems } = parseAnsibleInventory(
      `[web]
web1 ansible_host="{{ inventory_hostname }}.internal"
web2 ansible_port=70000
web[5:1]
web[01:9]
bad name
"unbalanced
[web:bogus]
x
[a:children]
b
[b:children]
a
[ok]
tpl ansible_user="{{ lookup('env', 'USER') }}"
UPPER ansible_user=Admin
`,
      'ini',
      'broken.ini',
    );
    assert.deepEqual(
      problems.map((p) => `${p.line}: ${p.message}`),
      [
        '4: host web[5:1]: range [5:1] must have begin <= end',
        '5: host web[01:9]: range [01:9] needs begin and end of one width',
        '6: host bad: expected key=value, found name',
        '7: unbalanced quotes',
        '8: section [web:bogus]: unknown kind bogus; skipped',
        '13: group a cannot be a child of b: that makes a cycle',
        '2: host web1: ansible_host is a Jinja template ({{ inventory_hostname }}.internal), which unitscore cannot evaluate; ignored',
        '3: host web2: left out, ansible_port 70000 is not a port',
        "15: host tpl: ansible_user is a Jinja template ({{ lookup('env', 'USER') }}), which unitscore cannot evaluate; ignored",
        '16: host UPPER: ansible_user Admin is not a valid user name for unitscore; ignored',
      ],
    );
    const h = byName(hosts);
    assert.equal(h.get('web1')?.address, 'web1', 'the name is the address when ansible_host is unusable');
    assert.equal(h.has('web2'), false);
    assert.equal(h.get('UPPER')?.user, null);
  });
});

describe('YAML inventories', () => {
  const yaml = `# inventories/prod.yml
all:
  vars:
    ansible_user: ops
  hosts:
    bastion.example.com:
      ansible_host: 203.0.113.10
  children:
    web:
      hosts:
        web[01:02].example.com:
        web-10.example.com:2222:
      vars:
        ansible_ssh_common_args: '-J ops@bastion.example.com'
    db:
      children:
        db_primary:
          hosts:
            pg-01.example.com:
              ansible_host: 10.0.3.11
              ansible_port: 5522
              ansible_ssh_private_key_file: /etc/unitscore/db_ed25519
        db_replica:
          hosts:
            pg-[02:03].example.com:
          vars:
            ansible_ssh_common_args: -o ProxyCommand="ssh -W %h:%p -q ops@bastion.example.com"
      vars:
        unitscore_labels: [env=prod, role=db]
    windows:
      hosts:
        win-01.example.com:
          ansible_connection: winrm
`;

  test('all:, children to any depth, vars at every level, ranges and ports in host keys', () => {
    const { hosts, problems } = parseAnsibleInventory(yaml, 'yaml', 'inventories/prod.yml');
    assert.deepEqual(
      problems.map((p) => `${p.line}: ${p.message}`),
      ['32: host win-01.example.com: left out, ansible_connection=winrm is not SSH'],
    );
    assert.deepEqual(hosts, [
      { name: 'bastion.example.com', address: '203.0.113.10', port: 22, user: 'ops', labels: [] },
      {
        name: 'web01.example.com',
        address: 'web01.example.com',
        port: 22,
        user: 'ops',
        labels: ['group=web'],
        jump: 'ops@bastion.example.com',
      },
      {
        name: 'web02.example.com',
        address: 'web02.example.com',
        port: 22,
        user: 'ops',
        labels: ['group=web'],
        jump: 'ops@bastion.example.com',
      },
      {
        name: 'web-10.example.com',
        address: 'web-10.example.com',
        port: 2222,
        user: 'ops',
        labels: ['group=web'],
        jump: 'ops@bastion.example.com',
      },
      {
        name: 'pg-01.example.com',
        address: '10.0.3.11',
        port: 5522,
        user: 'ops',
        labels: ['env=prod', 'group=db', 'group=db_primary', 'role=db'],
        identityFile: '/etc/unitscore/db_ed25519',
      },
      {
        name: 'pg-02.example.com',
        address: 'pg-02.example.com',
        port: 22,
        user: 'ops',
        labels: ['env=prod', 'group=db', 'group=db_replica', 'role=db'],
        jump: 'ops@bastion.example.com',
      },
      {
        name: 'pg-03.example.com',
        address: 'pg-03.example.com',
        port: 22,
        user: 'ops',
        labels: ['env=prod', 'group=db', 'group=db_replica', 'role=db'],
        jump: 'ops@bastion.example.com',
      },
    ]);
  });

  test('top-level groups without all:, empty groups, a host in two groups', () => {
    const { hosts, problems } = parseAnsibleInventory(
      `webservers:
  hosts:
    www1:
      ansible_port: 2201
    www2:
  vars:
    ansible_user: web
monitored:
  hosts:
    www1:
    mon1:
      ansible_user: nagios
empty:
other:
  hosts:
`,
      'yaml',
      'groups.yaml',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(hosts, [
      {
        name: 'www1',
        address: 'www1',
        port: 2201,
        user: 'web',
        labels: ['group=monitored', 'group=webservers'],
      },
      { name: 'www2', address: 'www2', port: 22, user: 'web', labels: ['group=webservers'] },
      { name: 'mon1', address: 'mon1', port: 22, user: 'nagios', labels: ['group=monitored'] },
    ]);
  });

  test('broken YAML and wrong shapes are problems with lines', () => {
    assert.deepEqual(
      parseAnsibleInventory('all:\n  hosts: [a, b\n', 'yaml', 'x.yml').problems.map((p) => p.line),
      [3], // where the parser noticed the unclosed [
    );
    const shapes = parseAnsibleInventory(
      `all:
  hosts:
    - a
  children:
    web:
      hostz:
        w1:
    db: 17
`,
      'yaml',
      'x.yml',
    );
    assert.deepEqual(
      shapes.problems.map((p) => `${p.line}: ${p.message}`),
      [
        '3: group all: hosts: is a map of host names',
        '6: group web: unknown key hostz (hosts, vars, children)',
        '8: group db: expected hosts:, vars: or children:',
      ],
    );
    assert.deepEqual(parseAnsibleInventory('', 'yaml', 'empty.yml'), { hosts: [], problems: [] });
    const vaulted = parseAnsibleInventory(
      `all:
  hosts:
    v1:
      ansible_user: !vault |
        $ANSIBLE_VAULT;1.1;AES256
        62313365396662343061393464336163383764373764613633653634306231386433626436623361
`,
      'yaml',
      'vault.yml',
    );
    assert.deepEqual(
      vaulted.problems.map((p) => p.message),
      ['host v1: ansible_user is vault-encrypted; ignored'],
    );
    assert.equal(vaulted.hosts[0]?.user, null);
  });
});

describe('host ranges', () => {
  test('as Ansible expands them', () => {
    assert.deepEqual(expandRanges('web[01:03].example.com'), [
      'web01.example.com',
      'web02.example.com',
      'web03.example.com',
    ]);
    assert.deepEqual(expandRanges('node[8:11]'), ['node8', 'node9', 'node10', 'node11']);
    assert.deepEqual(expandRanges('db-[a:c]'), ['db-a', 'db-b', 'db-c']);
    assert.deepEqual(expandRanges('w[0:10:5]'), ['w0', 'w5', 'w10']);
    assert.deepEqual(expandRanges('w[:2]'), ['w0', 'w1', 'w2']);
    assert.deepEqual(expandRanges('r[1:2]-n[a:b]'), ['r1-na', 'r1-nb', 'r2-na', 'r2-nb']);
    assert.deepEqual(expandRanges('plain.example.com'), ['plain.example.com']);
    assert.deepEqual(expandRanges('x[1:20001]'), { error: 'range [1:20001] is over 10000 hosts' });
    assert.deepEqual(expandRanges('x[a:9]'), { error: 'range [a:9] is neither numbers nor single letters' });
  });

  test('IPv6 addresses are not ranges; [v6]:port is a port', () => {
    const { hosts } = parseAnsibleInventory(
      '[v6]\nh6 ansible_host=2001:db8::7\n[2001:db8::8]:2222\n',
      'ini',
      'v6.ini',
    );
    assert.equal(hosts[0]?.address, '2001:db8::7');
    assert.equal(hosts[0]?.port, 22);
  });
});

describe('the hosts: block for unitscore.yaml', () => {
  test('is valid unitscore config, ports and users only where needed', () => {
    const { hosts } = parseAnsibleInventory(
      `[web]
web01 ansible_host=10.0.1.11
web02 ansible_host=10.0.1.12 ansible_port=2222 ansible_user=deploy
[db]
db01 ansible_host=10.0.2.11 ansible_ssh_private_key_file=/etc/unitscore/db_ed25519 ansible_ssh_common_args="-J bastion.example.com"
`,
      'ini',
      'hosts',
    );
    const block = hostsYaml(hosts, { user: 'unitscore' });
    assert.equal(
      block,
      `hosts:
  - name: web01
    address: 10.0.1.11
    user: unitscore
    labels: [group=web]
  - name: web02
    address: 10.0.1.12
    port: 2222
    user: deploy
    labels: [group=web]
  - name: db01
    address: 10.0.2.11
    user: unitscore
    labels: [group=db]
    identityFile: /etc/unitscore/db_ed25519
    jump: bastion.example.com
`,
    );
    const overridden = hostsYaml(hosts, { user: 'unitscore', override: true });
    assert.deepEqual(overridden.match(/user: \S+/g), [
      'user: unitscore',
      'user: unitscore',
      'user: unitscore',
    ]);
    const config = parseConfig(
      `ssh:\n  identityFile: /etc/unitscore/scanner_ed25519\n  knownHosts: /etc/unitscore/known_hosts\n${block}`,
      '/etc/unitscore/unitscore.yaml',
    );
    assert.deepEqual(
      config.hosts.map((h) => [h.name, h.address, h.port, h.user, h.labels, h.identityFile]),
      [
        ['web01', '10.0.1.11', 22, 'unitscore', ['group=web'], '/etc/unitscore/scanner_ed25519'],
        ['web02', '10.0.1.12', 2222, 'deploy', ['group=web'], '/etc/unitscore/scanner_ed25519'],
        ['db01', '10.0.2.11', 22, 'unitscore', ['group=db'], '/etc/unitscore/db_ed25519'],
      ],
    );
    assert.equal(config.hosts[2]?.jump?.[0]?.address, 'bastion.example.com');
  });

  test('the format follows the file name', () => {
    assert.equal(inventoryFormat('inventories/prod.yml'), 'yaml');
    assert.equal(inventoryFormat('hosts.YAML'), 'yaml');
    assert.equal(inventoryFormat('hosts'), 'ini');
    assert.equal(inventoryFormat('hosts.ini'), 'ini');
  });
});

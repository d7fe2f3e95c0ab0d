import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './stack.js';

/**
 * Another "machine" for tests: a network namespace of its own (held open by a sleeping process),
 * joined to the test namespace's bridge d0 by a veth pair, with an address on 10.99.0.0/24.
 * Only usable inside scripts/in-netns.sh (the test's own namespace): nothing reaches the host.
 */
export class TestMachine {
  private readonly holder: ChildProcess;
  readonly ns: string;

  private constructor(
    readonly name: string,
    readonly ip: string,
  ) {
    this.holder = spawn('unshare', ['-n', 'sleep', '3600'], { stdio: 'ignore' });
    this.ns = `/proc/${this.holder.pid}/ns/net`;
  }

  /** Creates the namespace and its link: veth `<name>-br` on the bridge d0, `eth0` inside with `ip`. */
  static async create(name: string, ip: string): Promise<TestMachine> {
    const m = new TestMachine(name, ip);
    await new Promise((r) => setTimeout(r, 100)); // the holder has unshared
    const outside = `${name}-br`;
    execFileSync('ip', ['link', 'add', outside, 'type', 'veth', 'peer', 'name', `${name}-in`]);
    execFileSync('ip', ['link', 'set', `${name}-in`, 'netns', String(m.holder.pid)]);
    execFileSync('ip', ['link', 'set', outside, 'master', 'd0', 'up']);
    m.exec('ip', ['link', 'set', 'lo', 'up']);
    m.exec('ip', ['link', 'set', `${name}-in`, 'name', 'eth0']);
    m.exec('ip', ['addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    m.exec('ip', ['link', 'set', 'eth0', 'up']);
    return m;
  }

  /**
   * A machine on a private LAN behind `router` (a machine on d0 that becomes its NAT): a veth
   * pair `lan0` (router, `gateway`/24) <-> `eth0` (this machine, `ip`/24), default route via
   * the router, which forwards and masquerades out of its eth0 (nftables table `spaces_nat`).
   * The router's `spaces_fw` forward chain starts empty (everything allowed); see setFirewall.
   */
  static async behindNat(name: string, ip: string, router: TestMachine, gateway: string): Promise<TestMachine> {
    const m = new TestMachine(name, ip);
    await new Promise((r) => setTimeout(r, 100));
    execFileSync('ip', ['link', 'add', `${name}-lan`, 'type', 'veth', 'peer', 'name', `${name}-in`]);
    execFileSync('ip', ['link', 'set', `${name}-in`, 'netns', String(m.holder.pid)]);
    execFileSync('ip', ['link', 'set', `${name}-lan`, 'netns', String(router.holder.pid)]);
    router.exec('ip', ['link', 'set', `${name}-lan`, 'name', 'lan0']);
    router.exec('ip', ['addr', 'add', `${gateway}/24`, 'dev', 'lan0']);
    router.exec('ip', ['link', 'set', 'lan0', 'up']);
    router.exec('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    router.exec('nft', ['-f', '-'], `table ip spaces_nat {
  chain postrouting { type nat hook postrouting priority srcnat; oifname "eth0" masquerade; }
}
table inet spaces_fw {
  chain forward { type filter hook forward priority filter; policy accept; }
}
`);
    m.exec('ip', ['link', 'set', 'lo', 'up']);
    m.exec('ip', ['link', 'set', `${name}-in`, 'name', 'eth0']);
    m.exec('ip', ['addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    m.exec('ip', ['link', 'set', 'eth0', 'up']);
    m.exec('ip', ['route', 'add', 'default', 'via', gateway]);
    return m;
  }

  /** Replaces the router's forward rules (nftables rule text, one per line) for traffic from its LAN. */
  setFirewall(rules: string[]): void {
    this.exec('nft', ['flush', 'chain', 'inet', 'spaces_fw', 'forward']);
    for (const rule of rules) this.exec('nft', ['add', 'rule', 'inet', 'spaces_fw', 'forward', ...rule.split(' ')]);
  }

  exec(cmd: string, args: string[], input?: string): string {
    if (input !== undefined) return execFileSync('nsenter', [`--net=${this.ns}`, cmd, ...args], { encoding: 'utf8', input });
    return execFileSync('nsenter', [`--net=${this.ns}`, cmd, ...args], { encoding: 'utf8' });
  }

  /** Unplugs / plugs the machine's network cable. */
  setLink(up: boolean): void {
    this.exec('ip', ['link', 'set', 'eth0', up ? 'up' : 'down']);
  }

  /** An executable that runs Chromium inside this machine (for Playwright's executablePath). */
  chromiumWrapper(): string {
    const file = join(tempDir(`chromium-${this.name}`), 'chromium');
    writeFileSync(file, `#!/bin/sh\nexec nsenter --net=${this.ns} /usr/bin/chromium "$@"\n`);
    chmodSync(file, 0o755);
    return file;
  }

  destroy(): void {
    // Unplug from the bridge now (deleting one end removes both), then end the namespace.
    try {
      execFileSync('ip', ['link', 'del', `${this.name}-br`], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
    this.holder.kill('SIGKILL');
  }
}

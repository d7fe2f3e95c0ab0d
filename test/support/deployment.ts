import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A public deployment inside the test's network namespace, built the way docs/deploy.md says:
 * certificates from a test CA (openssl), nginx and coturn from Debian with configs rendered from
 * the deploy/ templates by deploy/render.sh. Addresses: 10.99.0.1 = the site (nginx, the Space
 * server, Janus), 10.99.0.2 = the TURN relay (its own address, so TURN/TLS has port 443).
 */
export const SITE_IP = '10.99.0.1';
export const TURN_IP = '10.99.0.2';

const sh = (cmd: string, args: string[], opts: { input?: string } = {}): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...opts });

export interface TestCa {
  caCert: string;
  issue(name: string, sans: string[]): { cert: string; key: string };
}

/** A CA of the test's own (valid for 30 days), and certificates it signs. */
export function makeTestCa(dir: string, label = 'Spaces Test CA'): TestCa {
  mkdirSync(dir, { recursive: true });
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.pem');
  sh('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', caKey, '-out', caCert, '-days', '30',
    '-subj', `/CN=${label}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return {
    caCert,
    issue(name, sans) {
      const key = join(dir, `${name}.key`);
      const csr = join(dir, `${name}.csr`);
      const cert = join(dir, `${name}.pem`);
      const ext = join(dir, `${name}.ext`);
      writeFileSync(ext, `subjectAltName=${sans.join(',')}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n`);
      sh('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
      sh('openssl', ['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '30', '-extfile', ext]);
      // The leaf then the CA: what a real deployment's fullchain.pem holds.
      writeFileSync(cert, readFileSync(cert, 'utf8') + readFileSync(caCert, 'utf8'));
      return { cert, key };
    },
  };
}

/** A browser profile home whose NSS database trusts the CA, as a user's machine trusts a real one. */
export function homeTrusting(dir: string, caCert: string): string {
  const db = join(dir, '.pki', 'nssdb');
  mkdirSync(db, { recursive: true });
  sh('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
  sh('certutil', ['-A', '-d', `sql:${db}`, '-t', 'C,,', '-n', 'spaces-test-ca', '-i', caCert]);
  return dir;
}

/** Fills a deploy/ template with deploy/render.sh (the same step docs/deploy.md gives). */
export function render(template: string, values: Record<string, string>): string {
  return sh('bash', ['deploy/render.sh', template, ...Object.entries(values).map(([k, v]) => `${k}=${v}`)]);
}

class Daemon {
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly log: string,
  ) {}
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.running) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}

async function waitFor(what: string, check: () => boolean, daemon: Daemon, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (!daemon.running) throw new Error(`${daemon.name} exited: ${tail(daemon.log)}`);
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up: ${tail(daemon.log)}`);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

const listening = (ip: string, port: number, proto: 't' | 'u'): boolean =>
  sh('ss', [`-Hln${proto}`, 'src', `${ip}:${port}`]).trim().length > 0;

/** nginx from Debian with deploy/nginx/spaces.conf, in front of the Space server at `upstream`. */
export async function startNginx(dir: string, o: { upstream: string; cert: string; key: string }): Promise<Daemon> {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  mkdirSync(join(dir, 'cache'), { recursive: true });
  mkdirSync(join(dir, 'acme'), { recursive: true });
  const site = render('deploy/nginx/spaces.conf', {
    CACHE_DIR: join(dir, 'cache'),
    UPSTREAM: o.upstream,
    HTTP_LISTEN: `${SITE_IP}:80`,
    HTTPS_LISTEN: `${SITE_IP}:443`,
    DOMAIN: 'spaces.test',
    ACME_ROOT: join(dir, 'acme'),
    TLS_CERT: o.cert,
    TLS_KEY: o.key,
  });
  writeFileSync(join(dir, 'spaces.conf'), site);
  // What /etc/nginx/nginx.conf gives a site on Debian, with every path inside the test's folder.
  const t = join(dir, 'tmp');
  writeFileSync(
    join(dir, 'nginx.conf'),
    `user root;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} info;
events { worker_connections 512; }
http {
  include /etc/nginx/mime.types;
  access_log ${join(dir, 'access.log')};
  client_body_temp_path ${t}/body; proxy_temp_path ${t}/proxy; fastcgi_temp_path ${t}/fcgi; uwsgi_temp_path ${t}/uwsgi; scgi_temp_path ${t}/scgi;
  include ${join(dir, 'spaces.conf')};
}
`,
  );
  sh('nginx', ['-t', '-q', '-p', dir, '-c', join(dir, 'nginx.conf')]);
  const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  const d = new Daemon('nginx', child, join(dir, 'error.log'));
  await waitFor('nginx', () => listening(SITE_IP, 443, 't'), d);
  return d;
}

/** coturn from Debian with deploy/coturn/turnserver.conf, relaying to the media server at SITE_IP. */
export async function startCoturn(dir: string, o: { secret: string; cert: string; key: string }): Promise<Daemon> {
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'turn.log');
  const conf = render('deploy/coturn/turnserver.conf', {
    TURN_SECRET: o.secret,
    REALM: 'spaces.test',
    LISTEN_IP: TURN_IP,
    RELAY_IP: TURN_IP,
    EXTERNAL_IP_LINE: '',
    TLS_PORT: '443',
    TLS_CERT: o.cert,
    TLS_KEY: o.key,
    MIN_PORT: '49152',
    MAX_PORT: '49652',
    // The media server sits on a private range in this test: allow it, and only it (docs/deploy.md, section 6).
    ALLOWED_PEER_LINE: `allowed-peer-ip=${SITE_IP}`,
    LOG_LINE: `log-file=${log}`,
    USER_DB: join(dir, 'turndb'),
  });
  writeFileSync(join(dir, 'turnserver.conf'), conf);
  const child = spawn('turnserver', ['-c', join(dir, 'turnserver.conf'), '--pidfile', join(dir, 'turn.pid'), '--no-stdout-log'], { stdio: 'ignore' });
  const d = new Daemon('coturn', child, log);
  await waitFor('coturn', () => listening(TURN_IP, 3478, 'u') && listening(TURN_IP, 443, 't'), d);
  return d;
}

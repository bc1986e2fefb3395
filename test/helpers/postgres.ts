/**
 * A throwaway PostgreSQL cluster for tests: `initdb` into a fresh temp directory, `pg_ctl start` on
 * 127.0.0.1 at a free port (socket in the same directory, nothing shared with a system cluster), and
 * `stop()` shuts it down and deletes the directory. fsync is off: a test cluster never survives a
 * power cut, and the API's crash test kills the server, not PostgreSQL.
 *
 * PostgreSQL refuses to run as root, so when the tests run as root (CI, this machine) the cluster is
 * owned and run by the `postgres` user Debian's package creates. There is no skip: a machine without
 * PostgreSQL fails here with the command that installs it (`.ci/run` does).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PostgresCluster {
  /** `postgres://latchkey@127.0.0.1:<port>/<database>` of the cluster's default database. */
  url: string;
  port: number;
  /** A fresh empty database, its URL returned (each test file or node group its own). */
  createDatabase(name: string): string;
  /** Runs SQL as the superuser (psql -c), returns its plain output. */
  psql(database: string, sql: string): string;
  stop(): void;
}

const user = 'latchkey';

/** The directory holding initdb/pg_ctl/postgres: PG_BINDIR, else Debian's newest /usr/lib/postgresql/N/bin, else pg_config's. */
export function postgresBinDir(): string {
  const fromEnv = process.env['PG_BINDIR'];
  if (fromEnv !== undefined && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) if (existsSync(join(debian, version, 'bin', 'initdb'))) return join(debian, version, 'bin');
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(join(dir, 'initdb'))) return dir;
  } catch {
    // fall through to the error below
  }
  throw new Error('PostgreSQL server binaries not found (initdb, pg_ctl): install them with `apt-get install -y postgresql` (.ci/run does), or set PG_BINDIR');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startPostgres(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-pg-'));
  const data = join(dir, 'data');
  const run = (command: string, args: string[]): string => {
    const file = join(bin, command);
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  };
  if (asRoot) {
    const ids = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    const gid = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
    chownSync(dir, Number(ids), Number(gid));
  }
  run('initdb', ['-D', data, '-U', user, '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    try {
      run('pg_ctl', ['start', '-D', data, '-w', '-t', '60', '-l', join(dir, 'log'), '-o', options]);
      break;
    } catch (error) {
      // The port was taken between freePort and postgres binding it: try another.
      if (attempt >= 3) throw new Error(`pg_ctl start failed: ${String(error)}\n${existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8') : ''}`);
    }
  }
  let stopped = false;
  const urlOf = (database: string) => `postgres://${user}@127.0.0.1:${port}/${database}`;
  const psql = (database: string, sql: string) => run('psql', ['-h', dir, '-p', String(port), '-U', user, '-d', database, '-v', 'ON_ERROR_STOP=1', '-A', '-t', '-c', sql]);
  return {
    url: urlOf('postgres'),
    port,
    createDatabase(name: string): string {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${name}: lowercase letters, digits and _ only`);
      psql('postgres', `CREATE DATABASE ${name}`);
      return urlOf(name);
    },
    psql,
    stop(): void {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

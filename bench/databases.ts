// Creates and drops the bench's own databases (s2p_bench_<random>) on the target server. It never
// touches a database it did not create in this process.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export class BenchDatabases {
  private readonly created = new Set<string>();

  /** `serverUrl` names the maintenance database the bench connects to for CREATE/DROP DATABASE. */
  constructor(private readonly serverUrl: string) {}

  /** The URL of database `name` on the same server, with the same user, password and options. */
  urlOf(name: string): string {
    const u = new URL(this.serverUrl);
    u.pathname = `/${name}`;
    return u.toString();
  }

  private async admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.serverUrl });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  /** A new empty database; returns its name and URL. */
  async create(): Promise<{ name: string; url: string }> {
    const name = `s2p_bench_${randomBytes(6).toString('hex')}`;
    await this.admin((c) => c.query(`CREATE DATABASE "${name}"`));
    this.created.add(name);
    return { name, url: this.urlOf(name) };
  }

  async drop(name: string): Promise<void> {
    if (!this.created.has(name)) throw new Error(`refusing to drop ${name}: not created by this bench run`);
    // FORCE (PostgreSQL 13+) ends a straggling backend of a killed child instead of failing the drop.
    await this.admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    this.created.delete(name);
  }

  async dropAll(): Promise<void> {
    for (const name of [...this.created]) await this.drop(name).catch(() => {});
  }

  /**
   * Flushes dirty buffers before a timed run, so a checkpoint triggered by the previous run's writes does
   * not land in the next one. Needs superuser or pg_checkpoint; skipped (and said so) without.
   */
  async checkpoint(): Promise<boolean> {
    return this.admin((c) =>
      c.query('CHECKPOINT').then(
        () => true,
        () => false,
      ),
    );
  }

  async serverInfo(): Promise<Record<string, string>> {
    return this.admin(async (c) => {
      const r = await c.query(`SELECT name, current_setting(name) AS value FROM pg_settings
        WHERE name IN ('server_version', 'shared_buffers', 'max_wal_size', 'wal_level', 'fsync', 'synchronous_commit',
                       'maintenance_work_mem', 'max_parallel_maintenance_workers', 'full_page_writes')`);
      return Object.fromEntries(r.rows.map((row: { name: string; value: string }) => [row.name, row.value]));
    });
  }
}

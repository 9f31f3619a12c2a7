// Bounded waiting on the target: every connection gets TCP keepalives and a connect timeout (the URL's
// connect_timeout), and a stall watch ends a connection on which a query or COPY moved no bytes for too
// long while the server was not working on it (a silent network partition, a proxy that stopped
// forwarding), ending its server session too, so nothing is left holding locks on the server.
import { Writable } from 'node:stream';
import type { Socket } from 'node:net';
import pg from 'pg';
import type { Logger } from '../runtime/log.js';

/** Seconds a connection attempt may take when the URL sets no connect_timeout. */
const DEFAULT_CONNECT_TIMEOUT_S = 10;
/**
 * Seconds without a byte moving on a query or COPY before the stall watch asks the server (SQLITE2PG_STALL_SECONDS).
 */
export const DEFAULT_STALL_S = 20;
/** Idle time before the kernel sends TCP keepalive probes on a connection. */
const KEEPALIVE_IDLE_MS = 10_000;

/**
 * The URL's `connect_timeout` in ms (seconds, as libpq reads it, at least 2), else the default. 0 means
 * "wait forever" to libpq; sqlite2pg never does, and uses the default instead.
 */
export function connectTimeoutMs(url: string): number {
  try {
    const raw = new URL(url).searchParams.get('connect_timeout');
    const n = Number(raw);
    if (raw !== null && Number.isFinite(n) && n > 0) return Math.max(2, Math.floor(n)) * 1000;
  } catch {
    /* not a URL: the default */
  }
  return DEFAULT_CONNECT_TIMEOUT_S * 1000;
}

/** The node-postgres options every connection to `url` gets: keepalives and the connect timeout. */
export function connectionGuards(
  url: string,
): Pick<pg.ClientConfig, 'keepAlive' | 'keepAliveInitialDelayMillis' | 'connectionTimeoutMillis'> {
  return {
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS,
    connectionTimeoutMillis: connectTimeoutMs(url),
  };
}

interface Watched {
  client: pg.Client;
  bytes: number;
  /** When its byte count last changed. */
  moved: number;
  /** Since when it has waited on the network with nothing moving (reset while it does not wait). */
  quietSince: number;
  probing: boolean;
}

/** node-postgres' socket and the query in flight (private fields of pg 8; absent, the client is not watched). */
function internals(client: pg.Client): { socket: Socket | null; active: unknown } {
  const c = client as unknown as { connection?: { stream?: Socket }; _activeQuery?: unknown };
  return { socket: c.connection?.stream ?? null, active: c._activeQuery ?? null };
}

/**
 * Whether the client waits on the network: a query or COPY is in flight, and it is not this process that
 * holds it back (a COPY FROM it is still feeding with nothing queued for the socket, a COPY TO whose
 * reader paused the socket).
 */
function waitingOnNetwork(client: pg.Client): boolean {
  const { socket, active } = internals(client);
  if (!socket || !active) return false;
  if (socket.isPaused()) return false;
  // A COPY FROM started (the server asked for data: pg-copy-streams' flag) that this process is still feeding.
  const copyStarted = (active as { _gotCopyInResponse?: boolean })._gotCopyInResponse !== false;
  if (active instanceof Writable && copyStarted && !active.writableEnded && socket.writableLength === 0) return false;
  return true;
}

/**
 * Watches connections: when one waits on the network and no byte moved for `stallMs`, a fresh connection
 * asks the server what that session is doing. Working on a statement (a long index build, a lock wait):
 * keep waiting. Otherwise (waiting for this process, idle, gone) or the server cannot be reached: the
 * session is terminated when it can be, and the connection is ended with an error the caller treats as a
 * lost connection (retried, then exit 3).
 */
export class StallWatch {
  private readonly watched = new Set<Watched>();
  private timer: NodeJS.Timeout | null = null;
  private lastTick = Date.now();

  constructor(
    private readonly url: string,
    private readonly stallMs: number,
    private readonly log: Logger,
    private readonly redact: (text: string) => string,
  ) {}

  add(client: pg.Client): void {
    if (this.stallMs <= 0) return;
    const w: Watched = { client, bytes: -1, moved: Date.now(), quietSince: Date.now(), probing: false };
    this.watched.add(w);
    client.once('end', () => this.watched.delete(w));
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), Math.max(100, Math.min(1000, this.stallMs / 4)));
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.watched.clear();
  }

  private tick(): void {
    const now = Date.now();
    // This thread stood still (a synchronous wait): no socket was read meanwhile, whatever the network did.
    const blocked = now - this.lastTick > 2000 + 2 * Math.min(1000, this.stallMs / 4);
    this.lastTick = now;
    for (const w of this.watched) {
      const { socket } = internals(w.client);
      if (!socket || socket.destroyed) {
        this.watched.delete(w);
        continue;
      }
      const bytes = socket.bytesRead + socket.bytesWritten;
      if (bytes !== w.bytes) w.moved = now;
      if (blocked || bytes !== w.bytes || !waitingOnNetwork(w.client)) {
        w.bytes = bytes;
        w.quietSince = now;
        continue;
      }
      if (w.probing || now - w.quietSince < this.stallMs) continue;
      w.probing = true;
      void this.probe(w, socket).finally(() => {
        w.probing = false;
        w.quietSince = Date.now();
      });
    }
  }

  /**
   * Asks the server about the quiet session; ends it (and its connection) unless the server is working on
   * it. The run's other connections that have been quiet since before it went quiet and have nothing in
   * flight went through the same silent path, most likely: they are ended too (with their sessions), so a
   * retry gets a fresh connection instead of finding the next dead one a stall later.
   */
  private async probe(w: Watched, socket: Socket): Promise<void> {
    const pid = processId(w.client);
    const quietS = Math.round((Date.now() - w.quietSince) / 1000);
    const suspects = [...this.watched].filter((o) => o !== w && !internals(o.client).active && o.moved <= w.moved);
    const probe = new pg.Client({ connectionString: this.url, ...connectionGuards(this.url) });
    probe.on('error', () => {});
    const work = (async () => {
      await probe.connect();
      const r = await probe.query('SELECT state, wait_event_type, wait_event FROM pg_stat_activity WHERE pid = $1', [
        pid,
      ]);
      const row = r.rows[0] as
        { state: string | null; wait_event_type: string | null; wait_event: string | null } | undefined;
      if (row && row.state === 'active' && row.wait_event_type !== 'Client') return 'busy' as const;
      // Bytes moved while the server was asked: the connection is alive after all.
      if (socket.bytesRead + socket.bytesWritten !== w.bytes) return 'busy' as const;
      await probe.query('SELECT pg_terminate_backend(p) FROM unnest($1::int[]) AS p', [
        [pid, ...suspects.map((o) => processId(o.client))],
      ]);
      return row ? `${row.state ?? 'unknown'}${row.wait_event ? `, ${row.wait_event}` : ''}` : 'gone';
    })();
    const limit = connectTimeoutMs(this.url) * 2;
    let timer: NodeJS.Timeout | undefined;
    let message: string;
    try {
      const outcome = await Promise.race([
        work,
        new Promise<never>(
          (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${limit / 1000} s`)), limit)),
        ),
      ]);
      if (outcome === 'busy') {
        this.log.debug(
          { pid, quietS },
          'no bytes moved on a target connection, but the server is working on its statement: waiting',
        );
        return;
      }
      // Worded as a lost connection (retry-budget.ts): the table in flight is loaded again.
      message = `no bytes moved on the connection for ${quietS} s (SQLITE2PG_STALL_SECONDS=${this.stallMs / 1000}): the connection was ended and its server session (pid ${pid}, ${outcome}) was terminated`;
    } catch (err) {
      // The server answered, refusing the question (a role at its connection limit, max_connections): it is
      // reachable, and a statement that takes long is no reason to fail the run. Keep waiting.
      if (
        typeof (err as { code?: unknown }).code === 'string' &&
        /^[0-9][0-9A-Z]{4}$/.test((err as { code: string }).code)
      ) {
        this.log.warn(
          { pid, quietS, error: this.redact((err as Error).message) },
          'no bytes moved on a target connection, and the server refused the connection that would ask it why: waiting',
        );
        return;
      }
      // Not a lost connection to retry: the server cannot be reached at all, and each retry would wait again.
      message = `the target went silent: nothing moved for ${quietS} s on a statement in flight (SQLITE2PG_STALL_SECONDS=${this.stallMs / 1000}), and the server could not be reached to end its session (pid ${pid}): ${this.redact((err as Error).message)}`;
    } finally {
      clearTimeout(timer);
      work.catch(() => {});
      (probe as unknown as { connection?: { stream?: Socket } }).connection?.stream?.destroy();
    }
    this.log.warn({ pid, quietS, alsoEnded: suspects.length }, message);
    socket.destroy(new Error(message));
    for (const o of suspects)
      internals(o.client).socket?.destroy(new Error(`ended with a connection of the run that went silent: ${message}`));
  }
}

function processId(client: pg.Client): number {
  return (client as unknown as { processID: number }).processID;
}

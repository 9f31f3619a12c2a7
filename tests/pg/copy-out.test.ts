// The COPY TO reader behind verify's target side and the parent keys, against a real server: every byte
// of every row whatever the socket's read boundaries, chunks that own their memory, errors that reach the
// caller, and a connection pg can go on using afterwards.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { copyOut, CopyDataFramer } from '../../src/pg/copy-out.js';
import { transferListOf } from '../../src/runtime/transfer.js';
import { useTestClient } from '../support/pg.js';

const session = useTestClient(async (c) => {
  await c.query(`CREATE TABLE t (id int PRIMARY KEY, body text)`);
  // Tiny rows, rows with COPY escapes and multi-byte text, and rows far larger than a socket read.
  await c.query(`INSERT INTO t SELECT i, CASE
      WHEN i % 1000 = 0 THEN repeat('x', 200000 + i)
      WHEN i % 7 = 0 THEN E'tab\\there\\nnewline é 漢字 ' || i
      WHEN i % 11 = 0 THEN NULL
      ELSE md5(i::text) END
    FROM generate_series(1, 30000) i`);
});

async function collect(stream: AsyncIterable<Buffer>, slow = false): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    if (slow && chunks.length % 50 === 0) await sleep(5); // the consumer falls behind: back-pressure
  }
  return chunks;
}

/** The same COPY through pg-copy-streams' reader, which this one replaces. */
async function reference(sql: string): Promise<Buffer> {
  const { to } = await import('pg-copy-streams');
  const other = new pg.Client({ connectionString: session.db.url });
  await other.connect();
  try {
    return Buffer.concat(await collect(other.query(to(sql))));
  } finally {
    await other.end();
  }
}

describe('copyOut', () => {
  const sql = 'COPY (SELECT id, body FROM t ORDER BY id) TO STDOUT';

  it('yields exactly the bytes the server sent, in order, and the row count', async () => {
    const stream = copyOut(sql);
    const got = Buffer.concat(await collect(session.client.query(stream)));
    expect(got.equals(await reference(sql))).toBe(true);
    const lines = got.toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(30000);
    expect(lines[6]).toBe('7\ttab\\there\\nnewline é 漢字 7');
    expect(lines[10]).toBe('11\t\\N');
    expect(lines[999]).toBe(`1000\t${'x'.repeat(201000)}`);
    expect(stream.rowCount).toBe(30000);
  });

  it('hands on chunks that own their memory, so they move to a worker without a copy', async () => {
    const chunks = await collect(session.client.query(copyOut(sql)));
    expect(chunks.length).toBeGreaterThan(10);
    for (const c of chunks) expect(transferListOf(c)).toHaveLength(1);
  });

  it('keeps every byte when the consumer is slower than the server', async () => {
    const got = Buffer.concat(await collect(session.client.query(copyOut(sql)), true));
    expect(got.equals(await reference(sql))).toBe(true);
  });

  it('reports an error the server raises mid-copy, and leaves the connection usable', async () => {
    const failing = 'COPY (SELECT id, 1 / (id - 20000) FROM t ORDER BY id) TO STDOUT';
    await expect(collect(session.client.query(copyOut(failing)))).rejects.toThrow(/division by zero/);
    const after = await session.client.query('SELECT count(*)::int AS n FROM t');
    expect(after.rows[0].n).toBe(30000);
    // and another copy on the same connection still reads whole
    const again = Buffer.concat(
      await collect(session.client.query(copyOut('COPY (SELECT id FROM t WHERE id <= 3 ORDER BY id) TO STDOUT'))),
    );
    expect(again.toString()).toBe('1\n2\n3\n');
  });

  it('reports a statement the server refuses before any row', async () => {
    await expect(collect(session.client.query(copyOut('COPY no_such_table TO STDOUT')))).rejects.toThrow(
      /no_such_table/,
    );
    expect((await session.client.query('SELECT 1 AS one')).rows[0].one).toBe(1);
  });

  it('gives the connection back when the reader stops early, even while the stream holds back', async () => {
    let seen = 0;
    for await (const chunk of session.client.query(copyOut(sql)) as AsyncIterable<Buffer>) {
      seen += chunk.length;
      await sleep(50); // the stream fills its buffer and stops asking the socket for more
      if (seen > 10_000) break; // the rest of the copy is still on its way
    }
    expect(seen).toBeGreaterThan(10_000);
    const after = await session.client.query('SELECT count(*)::int AS n FROM t');
    expect(after.rows[0].n).toBe(30000);
    const again = Buffer.concat(await collect(session.client.query(copyOut(sql))));
    expect(again.equals(await reference(sql))).toBe(true);
  });

  it('yields nothing for an empty result, and ends', async () => {
    const stream = copyOut('COPY (SELECT 1 WHERE false) TO STDOUT');
    expect(await collect(session.client.query(stream))).toEqual([]);
    expect(stream.rowCount).toBe(0);
  });
});

/** One protocol message: code, length (itself included), payload. */
function message(code: string, payload: Buffer | string): Buffer {
  const body = Buffer.from(payload);
  const head = Buffer.alloc(5);
  head.write(code, 0, 'latin1');
  head.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

/** Feeds `wire` to a framer in pieces cut at `cuts`; returns the row bytes and how it ended. */
function frame(wire: Buffer, cuts: number[]): { rows: Buffer; end: string; rest: Buffer } {
  const framer = new CopyDataFramer();
  const rows: Buffer[] = [];
  const bounds = [0, ...cuts, wire.length];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const piece = Buffer.from(wire.subarray(bounds[i], bounds[i + 1])); // a read of its own, as the socket gives it
    const r = framer.take(piece);
    rows.push(Buffer.from(piece.subarray(0, r.rowBytes)));
    if (r.end !== 'more')
      return { rows: Buffer.concat(rows), end: r.end, rest: Buffer.concat([r.rest, wire.subarray(bounds[i + 1])]) };
  }
  return { rows: Buffer.concat(rows), end: 'more', rest: Buffer.alloc(0) };
}

describe('CopyDataFramer', () => {
  const rowTexts = ['1\ta\n', '2\t\\N\n', `3\t${'é'.repeat(40)}\n`, '4\tb\n'];
  const tail = Buffer.concat([message('C', 'COPY 4\0'), message('Z', 'I')]);
  const wire = Buffer.concat([
    message('H', Buffer.from([0, 0, 2, 0, 0, 0, 0])),
    message('d', rowTexts[0]),
    message('d', rowTexts[1]),
    message('N', 'SNOTICE\0Mbetween rows\0\0'), // may come between rows: skipped
    message('d', rowTexts[2]),
    message('S', 'application_name\0x\0'),
    message('d', rowTexts[3]),
    message('c', ''),
    tail,
  ]);
  const rows = Buffer.from(rowTexts.join(''));

  it('reads the rows and hands the rest to pg wherever one read ends and the next begins', () => {
    for (let cut = 0; cut <= wire.length; cut++) {
      const got = frame(wire, [cut]);
      expect(got.rows.equals(rows), `cut at ${cut}`).toBe(true);
      expect(got.end).toBe('done');
      expect(got.rest.equals(tail), `rest after cut at ${cut}`).toBe(true);
    }
  });

  it('reads the rows from one-byte reads and from reads cut in three', () => {
    const ones = frame(
      wire,
      Array.from({ length: wire.length - 1 }, (_, i) => i + 1),
    );
    expect(ones.rows.equals(rows)).toBe(true);
    expect(ones.rest.equals(tail)).toBe(true);
    for (let a = 1; a < wire.length; a += 3) {
      for (let b = a + 1; b < wire.length; b += 5) {
        const got = frame(wire, [a, b]);
        expect(got.rows.equals(rows), `cuts ${a}, ${b}`).toBe(true);
        expect(got.rest.equals(tail)).toBe(true);
      }
    }
  });

  it('stops at an error and gives pg the whole error message, wherever a read split its header', () => {
    const error = message('E', 'SERROR\0C22012\0Mdivision by zero\0\0');
    const failing = Buffer.concat([
      message('H', Buffer.from([0, 0, 1, 0, 0])),
      message('d', '1\n'),
      message('d', '2\n'),
      error,
      message('Z', 'I'),
    ]);
    for (let cut = 0; cut <= failing.length; cut++) {
      const got = frame(failing, [cut]);
      expect(got.end).toBe('error');
      expect(got.rows.toString()).toBe('1\n2\n');
      expect(got.rest.equals(Buffer.concat([error, message('Z', 'I')])), `cut at ${cut}`).toBe(true);
    }
  });
});

// The COPY writer of our own: chunks reach the table and are handed back only once written; a stream stopped
// midway (the feed failed) rolls the COPY back with a CopyFail; a COPY the server refuses rejects; either way
// the connection is ready for its next query; and a table larger than the socket's buffers waits on it.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { CopyIn } from '../../src/load/copy-in.js';
import { useTestClient } from '../support/pg.js';

const session = useTestClient(async (c) => {
  await c.query('CREATE TABLE t (id int PRIMARY KEY, s text)');
});

const lines = (from: number, to: number) =>
  Buffer.from(Array.from({ length: to - from }, (_, i) => `${from + i}\tvalue ${from + i}\n`).join(''));
const count = async () => (await session.client.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows[0].n;

describe('CopyIn', () => {
  it('copies every chunk and hands each back once the socket has written it', async () => {
    await session.client.query('TRUNCATE t');
    // About 2 MB in chunks of ~50 KB: more than the socket takes at once, so some writes wait for 'drain'.
    const chunks = Array.from({ length: 40 }, (_, i) => lines(i * 2_500, (i + 1) * 2_500));
    const written: Uint8Array[] = [];
    const copy = session.client.query(new CopyIn('COPY t (id, s) FROM STDIN', (c) => written.push(c)));
    await pipeline(Readable.from(chunks), copy);
    expect(copy.rowCount).toBe(100_000);
    expect(written).toEqual(chunks);
    expect(await count()).toBe(100_000);
    expect((await session.client.query('SELECT s FROM t WHERE id = 99999')).rows[0].s).toBe('value 99999');
  });

  it('a feed that fails midway: the COPY is rolled back and the connection carries on', async () => {
    await session.client.query('TRUNCATE t');
    async function* failing() {
      yield lines(0, 1000);
      throw new Error('source went away');
    }
    const copy = session.client.query(new CopyIn('COPY t (id, s) FROM STDIN'));
    await expect(pipeline(Readable.from(failing()), copy)).rejects.toThrow('source went away');
    await new Promise((resolve) => copy.once('close', resolve));
    expect(await count()).toBe(0);
  });

  it('rows the server refuses: the pipeline rejects with its error and the connection carries on', async () => {
    await session.client.query('TRUNCATE t');
    const copy = session.client.query(new CopyIn('COPY t (id, s) FROM STDIN'));
    await expect(
      pipeline(Readable.from([lines(0, 10), Buffer.from('not a number\tx\n'), lines(10, 20)]), copy),
    ).rejects.toThrow(/invalid input syntax for type integer/);
    expect(await count()).toBe(0);
  });

  it('a COPY refused before it starts (no such column) rejects without writing anything', async () => {
    const written: Uint8Array[] = [];
    const copy = session.client.query(new CopyIn('COPY t (id, nope) FROM STDIN', (c) => written.push(c)));
    await expect(pipeline(Readable.from([lines(0, 10)]), copy)).rejects.toThrow(/column "nope"/);
    expect(written).toEqual([]);
    expect(await count()).toBe(0);
  });
});

// Binary COPY output cut into rows, against a real server: fields at the offsets they lie at, a long field
// handed to its reader byte for byte however the output is cut, and output that is not whole binary COPY
// refused rather than half read.
import { describe, expect, it } from 'vitest';
import { copyOut } from '../../src/pg/copy-out.js';
import { BinaryCopyRows, NULL_FIELD, READ_APART, type LongFieldReader } from '../../src/pg/copy-binary-rows.js';
import { useTestClient } from '../support/pg.js';

const session = useTestClient(async (c) => {
  await c.query(`CREATE TABLE t (id int, body text, bin bytea)`);
  await c.query(
    `INSERT INTO t SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE md5(i::text) END, int4send(i) FROM generate_series(1, 2000) i`,
  );
  await c.query(`INSERT INTO t VALUES (5000, repeat('long', 100000), '\\x00'), (5001, '', NULL)`);
});

async function output(sql: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of session.client.query(copyOut(sql)) as AsyncIterable<Buffer>)
    chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

type Row = (string | null)[];

/** Reads `bytes` in pieces of `piece` bytes; fields as text (body), a number (id) or hex (bin). */
function read(bytes: Buffer, piece: number, takeLong: boolean): { rows: Row[]; long: string[] } {
  const rows: Row[] = [];
  const long: string[] = [];
  const hook = (column: number, length: number): LongFieldReader | null => {
    if (!takeLong) return null;
    const parts: Buffer[] = [];
    return {
      feed: (b, s, e) => parts.push(Buffer.from(b.subarray(s, e))),
      end: () => {
        const all = Buffer.concat(parts);
        expect(all.length).toBe(length);
        long.push(`${column}:${all.toString('utf8').slice(0, 8)}`);
        return `apart ${all.length}`;
      },
    };
  };
  const parser = new BinaryCopyRows(
    3,
    (b, starts, lengths, apart) => {
      const row: Row = [];
      for (let i = 0; i < 3; i++) {
        if (lengths[i] === NULL_FIELD) row.push(null);
        else if (lengths[i] === READ_APART) row.push(apart[i]);
        else if (i === 0) row.push(String(b.readInt32BE(starts[i])));
        else if (i === 1) row.push(b.toString('utf8', starts[i], starts[i] + lengths[i]));
        else row.push(b.toString('hex', starts[i], starts[i] + lengths[i]));
      }
      rows.push(row);
    },
    hook,
  );
  for (let at = 0; at < bytes.length; at += piece) parser.push(bytes.subarray(at, at + piece));
  parser.end();
  return { rows, long };
}

describe('BinaryCopyRows', () => {
  it('gives every row its fields, whatever the pieces, and a long field to its reader whole', async () => {
    const bytes = await output('COPY (SELECT * FROM t ORDER BY id) TO STDOUT (FORMAT binary)');
    const whole = read(bytes, bytes.length, false);
    expect(whole.rows).toHaveLength(2002);
    expect(whole.rows[2]).toEqual(['3', null, '00000003']);
    expect(whole.rows[3]).toEqual(['4', 'a87ff679a2f3e71d9181a67b7542122c', '00000004']);
    expect(whole.rows[2000][1]).toBe('long'.repeat(100000));
    expect(whole.rows[2001]).toEqual(['5001', '', null]);
    for (const piece of [1, 7, 4096, 65536]) expect(read(bytes, piece, false).rows).toEqual(whole.rows);
    // Split, the 400 kB field goes to its reader and stands in its row as what the reader made of it.
    const apart = read(bytes, 1000, true);
    expect(apart.long).toEqual(['1:longlong']);
    expect(apart.rows[2000]).toEqual(['5000', 'apart 400000', '00']);
    expect(apart.rows.filter((_, i) => i !== 2000)).toEqual(whole.rows.filter((_, i) => i !== 2000));
  });

  it('refuses text-format output, a row cut short, and bytes after the trailer', async () => {
    const text = await output('COPY t TO STDOUT');
    expect(() => read(text, 100, false)).toThrow(/not in binary format/);
    const bytes = await output('COPY t TO STDOUT (FORMAT binary)');
    expect(() => read(bytes.subarray(0, bytes.length - 40), 100, false)).toThrow(/ended inside a row/);
    expect(() => read(Buffer.concat([bytes, Buffer.from([0])]), 100, false)).toThrow(/after its trailer/);
    const wrongWidth = new BinaryCopyRows(2, () => {});
    expect(() => wrongWidth.push(bytes)).toThrow(/3 fields where 2 columns/);
  });
});

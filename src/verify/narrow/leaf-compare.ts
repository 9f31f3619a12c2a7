// Row-by-row comparison inside the segments small enough for it: the source rows of those segments are
// held by key (key, source identity, digest: no values), then each target row is matched as it streams.
import type { CanonicalRow } from '../pass/source-side.js';
import type { Candidate } from './findings.js';

/** What both kinds of leaf comparison offer the pass that feeds them. */
export interface LeafCompare {
  addSource(row: CanonicalRow, digest: string, recent: boolean): void;
  matchTarget(row: CanonicalRow, digest: string, recent: boolean): void;
  /** Ends the comparison: source rows no target row matched become missing. */
  finish(): void;
  readonly candidates: Candidate[];
  /** Rows --grace left out on one side only: settled as in flight rather than reported. */
  inFlight: number;
}

interface Entry {
  sourceKey: string;
  digest: string;
  recent: boolean;
  invalid: string[] | undefined;
  /** Another source row with the same target key (the load rejects all but one; a loader bug may not). */
  next: Entry | null;
}

/** Tables with a key: rows are paired by key. */
export class KeyedLeaf implements LeafCompare {
  readonly #rows = new Map<string, Entry>();
  readonly candidates: Candidate[] = [];
  inFlight = 0;
  /** Changed rows whose target values are kept (to name their changed columns in the samples). */
  #keepValues: number;

  constructor(
    readonly columnNames: readonly string[],
    keepValues: number,
  ) {
    this.#keepValues = keepValues;
  }

  addSource(row: CanonicalRow, digest: string, recent: boolean): void {
    // A row whose key cannot be represented pairs with nothing: it is keyed by its source identity.
    const key = row.targetKey ?? `\u0000${row.sourceKey}`;
    const invalid = row.invalid ? this.columnNames.filter((_, i) => row.invalid![i] !== null) : undefined;
    const entry: Entry = { sourceKey: row.sourceKey!, digest, recent, invalid, next: null };
    const first = this.#rows.get(key);
    if (!first) this.#rows.set(key, entry);
    else {
      let e = first;
      while (e.next) e = e.next;
      e.next = entry;
    }
  }

  matchTarget(row: CanonicalRow, digest: string, recent: boolean): void {
    const key = row.targetKey;
    const e = key === null ? undefined : this.#rows.get(key);
    if (!e) {
      if (!recent) this.candidates.push({ kind: 'extra', key, sourceKey: null });
      return;
    }
    if (e.next) this.#rows.set(key!, e.next);
    else this.#rows.delete(key!);
    if (e.recent || recent) {
      // Left out on both sides by --grace: nothing to say. On one side only: the row is in flight.
      if (e.recent !== recent) this.inFlight++;
      return;
    }
    if (e.digest === digest) return;
    const c: Candidate = { kind: 'changed', key, sourceKey: e.sourceKey, invalidColumns: e.invalid };
    if (this.#keepValues > 0) {
      this.#keepValues--;
      c.targetValues = row.values;
    }
    this.candidates.push(c);
  }

  finish(): void {
    for (const [key, first] of this.#rows) {
      for (let e: Entry | null = first; e; e = e.next) {
        if (!e.recent)
          this.candidates.push({
            kind: 'missing',
            key: key.startsWith('\u0000') ? null : key,
            sourceKey: e.sourceKey,
            invalidColumns: e.invalid,
          });
      }
    }
    this.#rows.clear();
  }
}

/**
 * Tables without a key: rows are compared as a multiset of digests. A changed row is then one missing and
 * one extra row; missing rows are named by their source rowid, extra ones by their ctid.
 */
export class KeylessLeaf implements LeafCompare {
  readonly #rows = new Map<string, { count: number; sourceKeys: string[] }>();
  readonly candidates: Candidate[] = [];
  inFlight = 0;

  /** `hasRowid`: source rows are named `rowid N`, else by their primary key. */
  constructor(readonly hasRowid: boolean) {}

  addSource(row: CanonicalRow, digest: string, recent: boolean): void {
    if (recent) return; // left out on both sides alike: equal rows have equal timestamps
    const e = this.#rows.get(digest);
    if (e) {
      e.count++;
      e.sourceKeys.push(row.sourceKey!);
    } else this.#rows.set(digest, { count: 1, sourceKeys: [row.sourceKey!] });
  }

  matchTarget(row: CanonicalRow, digest: string, recent: boolean): void {
    if (recent) return;
    const e = this.#rows.get(digest);
    if (e && e.count > 0) {
      e.count--;
      e.sourceKeys.shift();
    } else this.candidates.push({ kind: 'extra', key: null, sourceKey: null, ctid: row.ctid });
  }

  finish(): void {
    for (const e of this.#rows.values())
      for (const sourceKey of e.sourceKeys)
        this.candidates.push({
          kind: 'missing',
          key: `${this.hasRowid ? 'rowid' : 'source key'} ${sourceKey}`,
          sourceKey: null,
        });
    this.#rows.clear();
  }
}

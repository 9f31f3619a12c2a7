// Which source tables a mapping source takes: its `include` and `exclude` glob patterns over table names
// (case-insensitive, as SQLite names are). `*` any run of characters, `?` one, `[abc]` one of a set.

/** A glob as an anchored, case-insensitive RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) re += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

/** Decides per table name: taken when it matches an `include` pattern (or there is none) and no `exclude` pattern. */
export function tableFilter(
  include: readonly string[] | undefined,
  exclude: readonly string[] | undefined,
): (table: string) => boolean {
  const inc = (include ?? []).map(globToRegExp);
  const exc = (exclude ?? []).map(globToRegExp);
  return (table) => (inc.length === 0 || inc.some((r) => r.test(table))) && !exc.some((r) => r.test(table));
}

// libpq's sslmode=prefer and sslmode=allow connect in plain text when the server offers no TLS;
// node-postgres treats every sslmode but `disable` as "TLS or nothing". This gives those two modes back
// their libpq meaning, and only them: require, verify-ca and verify-full never fall back.
// https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-PROTECTION

/** node-postgres's message when the server answers the TLS request with "no". */
const NO_TLS = /does not support SSL/i;

/** The URL to try again in plain text, when `url` asks for prefer/allow and `err` says the server has no TLS. */
export function plaintextFallback(url: string, err: unknown): string | null {
  if (!NO_TLS.test((err as Error)?.message ?? '')) return null;
  try {
    const u = new URL(url);
    const mode = u.searchParams.get('sslmode');
    if (mode !== 'prefer' && mode !== 'allow') return null;
    u.searchParams.set('sslmode', 'disable');
    return u.toString();
  } catch {
    return null;
  }
}

// Moving bytes to another thread without copying them.

/**
 * The transfer list for a message carrying `bytes`: its ArrayBuffer when the view covers all of it (a
 * COPY-out chunk from pg/copy-out.ts, a batch a feed encoded), so the bytes move instead of being
 * cloned, and the sending thread is left no garbage to collect; nothing for a view into a larger or
 * shared buffer (a slice of a socket read, Buffer's pool), which the message copies.
 * The sender must not touch `bytes` after posting it this way.
 */
export function transferListOf(bytes: Uint8Array): ArrayBuffer[] {
  const buffer = bytes.buffer;
  if (buffer instanceof SharedArrayBuffer) return [];
  return bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength && bytes.byteLength > 0 ? [buffer] : [];
}

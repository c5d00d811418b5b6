import type { AgentRequest } from './agent-exchange.js';

/** How long a body may stall before the approver is shown the part that arrived. */
export const PEEK_WAIT_MS = 2_000;

export interface PeekedBody {
  /** The bytes read (at least `limit` unless the body was shorter); they are back in the request. */
  bytes: Buffer;
  /** True when `bytes` is the whole body. */
  complete: boolean;
}

/**
 * Reads the first `limit` bytes of a request body (or all of it, if shorter) and puts them back
 * at the front of the request, so whoever reads it later gets the body from its first byte.
 * Nothing flows meanwhile: what was not read stays in the request's small buffer and then in
 * the socket, which the HTTP parser pauses. Resolves null when the client goes away first.
 */
export function peekBody(req: AgentRequest, limit: number, waitMs = PEEK_WAIT_MS): Promise<PeekedBody | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // A client that sends part of a body and waits for an answer before the rest would
    // otherwise never reach an approver: after waitMs of silence, show what has arrived.
    let timer: NodeJS.Timeout | null = null;
    const rearm = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => done(false), waitMs);
    };
    const done = (gone: boolean): void => {
      if (timer) clearTimeout(timer);
      req.off('readable', onReadable);
      req.socket.off('close', onGone);
      req.off('error', onGone);
      const bytes = Buffer.concat(chunks);
      // Synchronously, in the same tick as the last read(): an ended stream that is empty for a
      // tick emits 'end', after which nothing can be put back.
      if (bytes.length > 0 && !gone) req.unshift(bytes);
      resolve(gone ? null : { bytes, complete: req.complete && req.readableLength === bytes.length });
    };
    const onGone = (): void => done(true);
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while (size < limit && (chunk = req.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        size += chunk.length;
      }
      if (size >= limit || req.complete) done(false);
      else rearm();
    };
    if (req.socket.destroyed) return resolve(null);
    req.socket.once('close', onGone);
    req.once('error', onGone);
    req.on('readable', onReadable);
    rearm();
  });
}

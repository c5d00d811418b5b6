import { Duplex } from 'node:stream';

/**
 * A stream that reads `head` first and then whatever `socket` receives, writing through to
 * `socket`. For a client that sent its TLS ClientHello right behind the CONNECT (before our
 * 200): those bytes were already read off the socket, and TLS reads the socket's handle
 * directly, so unshift() alone would lose them.
 */
export function withHead(socket: Duplex, head: Buffer): Duplex {
  const stream = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end(cb);
    },
    destroy(err, cb) {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  stream.push(head);
  socket.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.once('end', () => stream.push(null));
  socket.once('error', (err) => stream.destroy(err));
  socket.once('close', () => stream.destroy());
  return stream;
}

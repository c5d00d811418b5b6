import { describe, expect, it } from 'vitest';
import { pick, seededRandom } from '../../../test/support/seeded-random.js';
import { echoForms } from './echo-forms.js';
import { WebSocketEchoScanner } from './websocket-scanner.js';

const VALUE = 'ws-secret/value+0123456789';
const forms = echoForms([VALUE], [`Bearer ${VALUE}`]);

/** One frame: `opcode` with FIN as given, masked with `mask` when set. */
function frame(o: { opcode: number; fin: boolean; payload: Buffer; mask?: Buffer; rsv?: number }): Buffer {
  const n = o.payload.length;
  const len = n < 126 ? Buffer.from([n]) : n < 65536 ? Buffer.from([126, n >> 8, n & 255]) : Buffer.concat([Buffer.from([127, 0, 0, 0, 0]), Buffer.from([(n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255])]);
  len[0]! |= o.mask ? 0x80 : 0;
  const first = Buffer.from([(o.fin ? 0x80 : 0) | (o.rsv ?? 0) | o.opcode]);
  const body = o.mask ? Buffer.from(o.payload.map((b, i) => b ^ o.mask![i & 3]!)) : o.payload;
  return Buffer.concat([first, len, o.mask ?? Buffer.alloc(0), body]);
}

/** Reads frames back: each frame's opcode and unmasked payload. */
function parse(stream: Buffer): { opcode: number; payload: Buffer }[] {
  const out: { opcode: number; payload: Buffer }[] = [];
  let at = 0;
  while (at < stream.length) {
    const masked = (stream[at + 1]! & 0x80) !== 0;
    let n = stream[at + 1]! & 0x7f;
    let p = at + 2;
    if (n === 126) [n, p] = [stream.readUInt16BE(p), p + 2];
    else if (n === 127) [n, p] = [Number(stream.readBigUInt64BE(p)), p + 8];
    const mask = masked ? stream.subarray(p, p + 4) : null;
    if (mask) p += 4;
    const payload = Buffer.from(stream.subarray(p, p + n).map((b, i) => (mask ? b ^ mask[i & 3]! : b)));
    out.push({ opcode: stream[at]! & 0x0f, payload });
    at = p + n;
  }
  return out;
}

function run(pieces: Buffer[]): { out: Buffer; scanner: WebSocketEchoScanner } {
  const scanner = new WebSocketEchoScanner(forms);
  const parts: Buffer[] = [];
  for (const p of pieces) {
    const got = scanner.feed(p);
    if (got === null) return { out: Buffer.concat(parts), scanner };
    parts.push(Buffer.from(got));
  }
  parts.push(scanner.end());
  return { out: Buffer.concat(parts), scanner };
}

describe('WebSocketEchoScanner', () => {
  it('redacts an echo at equal length in a fragmented, masked message with a ping between its fragments, split at every byte', () => {
    const mask = Buffer.from([1, 2, 3, 4]);
    const text = Buffer.from(`{"token":"${VALUE}"}`);
    const stream = Buffer.concat([
      frame({ opcode: 1, fin: false, payload: text.subarray(0, 14), mask }),
      frame({ opcode: 9, fin: true, payload: Buffer.from(`ping ${VALUE}`) }),
      frame({ opcode: 0, fin: true, payload: text.subarray(14), mask }),
    ]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const { out, scanner } = run([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(out.length).toBe(stream.length);
      const frames = parse(out);
      expect(frames.map((f) => f.opcode)).toEqual([1, 9, 0]);
      const message = Buffer.concat([frames[0]!.payload, frames[2]!.payload]).toString();
      expect(message).toBe(`{"token":"${'*'.repeat(VALUE.length)}"}`);
      expect(frames[1]!.payload.toString()).toBe(`ping ${'*'.repeat(VALUE.length)}`);
      expect(scanner.redacted).toBe(true);
    }
  });

  it('passes frames without an echo unchanged, and holds back only what could start a form', () => {
    const f = frame({ opcode: 1, fin: true, payload: Buffer.from('hello there') });
    const scanner = new WebSocketEchoScanner(forms);
    expect(scanner.feed(f)).toEqual(f);
    const open = frame({ opcode: 1, fin: false, payload: Buffer.from(`data ${VALUE.slice(0, 5)}`) });
    const out = scanner.feed(open)!;
    expect(out.length).toBeLessThan(open.length);
    expect(Buffer.concat([out, scanner.end()])).toEqual(open);
  });

  it('fails a frame with RSV bits set (compressed): it cannot be scanned', () => {
    const scanner = new WebSocketEchoScanner(forms);
    expect(scanner.feed(frame({ opcode: 1, fin: true, payload: Buffer.from('x'), rsv: 0x40 }))).toBeNull();
    expect(scanner.failed).toMatch(/RSV/);
  });

  it('never lets a form through on generated streams (1,000: forms, fragments, masks, lengths, splits)', () => {
    const r = seededRandom(6455);
    for (let i = 0; i < 1_000; i++) {
      const frames: Buffer[] = [];
      for (let m = 1 + Math.floor(r() * 3); m > 0; m--) {
        const parts = Array.from({ length: 1 + Math.floor(r() * 4) }, () => (r() < 0.5 ? pick(r, forms.bytes) : Buffer.from('x'.repeat(Math.floor(r() * pick(r, [5, 200, 200, 3_000, 70_000]))))));
        const payload = Buffer.concat(parts);
        const cuts = [0, ...Array.from({ length: Math.floor(r() * 3) }, () => Math.floor(r() * payload.length)).sort((a, b) => a - b), payload.length];
        for (let k = 0; k + 1 < cuts.length; k++) {
          const mask = r() < 0.5 ? Buffer.from([r() * 256, r() * 256, r() * 256, r() * 256].map(Math.floor)) : undefined;
          frames.push(frame({ opcode: k === 0 ? 2 : 0, fin: k + 2 === cuts.length, payload: payload.subarray(cuts[k], cuts[k + 1]), ...(mask ? { mask } : {}) }));
          if (r() < 0.2) frames.push(frame({ opcode: 10, fin: true, payload: pick(r, forms.bytes).subarray(0, 100) }));
        }
      }
      const stream = Buffer.concat(frames);
      const pieces: Buffer[] = [];
      for (let at = 0; at < stream.length; ) {
        const n = 1 + Math.floor(r() * pick(r, [3, 50, 20_000]));
        pieces.push(stream.subarray(at, at + n));
        at += n;
      }
      const { out } = run(pieces);
      expect(out.length).toBe(stream.length);
      const payloads = parse(out).map((f) => f.payload);
      const joined = Buffer.concat(payloads);
      for (const f of [Buffer.from(VALUE), Buffer.from(Buffer.from(VALUE).toString('base64'))]) expect(joined.includes(f), `stream ${i}`).toBe(false);
    }
  });
});

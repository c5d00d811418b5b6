import type { MitmConnection } from '../gateway-context.js';
import { RequestParser, RequestProtocolError, type RequestEvents, type RequestHead } from '../request-parser.js';
import { NativeRequest } from './agent-request.js';
import { NativeResponse, type ResponseOutput } from './agent-response.js';
import type { IdleSweeper, Sweepable } from './idle-sweeper.js';
import { NativeDuplex } from './native-duplex.js';
import type { NativeTls, NativeTlsConnection, TlsHandlers } from './native-tls.js';
import type { LaneDecision, LaneOutcome, LaneTakeover } from './binding.js';
import type { AgentHandlers } from './agent-handlers.js';
import { SocketView } from './socket-view.js';
import { laneHost, noteServername } from '../request-refusal.js';

const HANDSHAKE_TIMEOUT_MS = 15_000;
// After `Connection: close` the agent gets this long to close its side before we drop it.
const CLOSE_GRACE_MS = 2_000;

export interface AgentConnectionOptions {
  sweeper: IdleSweeper;
  fd: number;
  head: Buffer;
  context: number;
  conn: MitmConnection;
  maxHeaderSize: number;
  idleTimeoutMs: number;
  /** A request head must be complete this long after its first byte (Node's headersTimeout). */
  headersTimeoutMs: number;
  /** Ordinary requests after the first may be forwarded by the addon itself (fast-lane.ts). */
  fastLane: boolean;
}

/**
 * One agent connection whose TLS the native transport terminates: requests parsed strictly
 * one after another (a pipelined request waits for the response before it), each forwarded
 * exactly as on Node's path (`forwardMitmRequest`), WebSocket upgrades relayed as bytes.
 */
export class NativeAgentConnection<X = unknown, D = unknown> implements ResponseOutput, TlsHandlers, Sweepable {
  readonly socket: SocketView;
  private readonly handlers: AgentHandlers<X, D>;
  private readonly conn: MitmConnection;
  private readonly tls: NativeTlsConnection;
  private readonly parser: RequestParser;
  private readonly startedAt = performance.now();
  idleTicks = 0;
  idleLimit: number;
  private readonly sweeper: IdleSweeper;
  private idleMs: number;
  /** What the current deadline is for: the audit and log say so. */
  private waitingFor: 'handshake' | 'request' | 'close' = 'handshake';
  private lastProgress = 0;
  private piping = false;
  private handshaken = false;
  private gone = false;
  private closing = false;
  private req: NativeRequest | null = null;
  private res: NativeResponse | null = null;
  private requestDone = true;
  private responseDone = true;
  /** An Upgrade request (WebSocket): the connection becomes a relay once its head is complete. */
  private upgrade: NativeRequest | null = null;
  private relay: NativeDuplex | null = null;
  private readonly headersTimeoutMs: number;
  /** When the head being received began (performance.now()), or null when none is. */
  private headSince: number | null = null;
  private readonly fastLane: boolean;
  private readonly maxHeaderSize: number;
  /** The addon's lane takes the next request (until a request reaches JavaScript as data). */
  private laneArmed = false;
  /** The lane's exchange in flight. */
  private lane: X | null = null;
  /** What the lane decided for the request it handed back, which the next head is. */
  private decided: D | null = null;

  constructor(handlers: AgentHandlers<X, D>, native: NativeTls, o: AgentConnectionOptions) {
    this.handlers = handlers;
    this.conn = o.conn;
    this.idleMs = o.idleTimeoutMs;
    this.headersTimeoutMs = o.headersTimeoutMs;
    this.fastLane = o.fastLane;
    this.maxHeaderSize = o.maxHeaderSize;
    this.sweeper = o.sweeper;
    this.idleLimit = o.sweeper.ticks(HANDSHAKE_TIMEOUT_MS);
    this.socket = new SocketView(this);
    this.socket.timeout = o.idleTimeoutMs;
    this.parser = new RequestParser({ maxHeaderSize: o.maxHeaderSize, events: new ParserEvents(this) });
    this.tls = native.adopt({
      fd: o.fd,
      context: o.context,
      head: o.head,
      handlers: this,
    });
    // Only once adopt() has not thrown: the sweeper never sees a connection that does not exist.
    o.sweeper.add(this);
  }

  // ResponseOutput: the current response's bytes.
  get tlsConnection(): NativeTlsConnection {
    return this.tls;
  }

  write(data: Buffer): boolean {
    this.idleTicks = 0;
    return this.tls.write(data);
  }

  /** A response body is about to pass natively: its bytes count as activity. */
  pipeStarting(): void {
    this.piping = true;
    this.lastProgress = this.tls.progress();
  }

  done(close: boolean): void {
    this.piping = false;
    this.responseDone = true;
    if (close || this.closing) this.closeGracefully();
    else this.next();
  }

  abort(): void {
    this.destroy();
  }

  error(message: string): void {
    this.destroy(message);
  }

  drain(): void {
    if (this.relay) this.relay.drained();
    else this.res?.drained();
  }

  /** Closes now; a response in flight ends, and `req.socket` emits 'close'. Idempotent. */
  destroy(why?: string): void {
    if (this.gone) return;
    this.gone = true;
    this.sweeper.delete(this);
    this.tls.destroy();
    if (this.lane) this.handlers.lane.abort(this.lane);
    this.lane = null;
    if (!this.handshaken) this.handlers.handshakeFailed(this.conn, this.startedAt, why ?? 'closed by the agent');
    if (this.req && !this.req.complete) this.req.destroy();
    this.res?.connectionClosed();
    this.relay?.destroy();
    this.socket.destroyed = true;
    this.socket.emit('close');
  }

  // TlsHandlers: the connection itself, not five closures per connection (idle memory counts).

  secure(): void {
    this.handshaken = true;
    this.waitingFor = 'request';
    noteServername(this.conn, this.tls.info()?.servername ?? '');
    this.setIdle(this.idleMs);
    this.armLane();
  }

  data(chunk: Buffer): void {
    // Bytes reach JavaScript only while the lane is not taking requests.
    this.laneArmed = false;
    if (this.relay) return this.relay.received(chunk);
    // After a refusal or `Connection: close`, nothing more is read as a request.
    if (this.closing) return;
    this.idleTicks = 0;
    try {
      this.parser.feed(chunk);
    } catch (err) {
      if (!(err instanceof RequestProtocolError)) throw err;
      return this.refuseMalformed(err);
    }
    // A head trickled in byte by byte must still finish in time (slowloris).
    this.headSince = this.parser.idle || this.parser.inBody ? null : (this.headSince ?? performance.now());
  }

  /** Sweepable: a head that began too long ago is refused, as Node's headersTimeout does. */
  tick(): void {
    if (this.headSince === null || this.gone || this.closing) return;
    if (performance.now() - this.headSince < this.headersTimeoutMs) return;
    this.headSince = null;
    this.refuseMalformed(new RequestProtocolError(408, 'the request head did not arrive in time'));
  }

  /** The parser's events (`ParserEvents`). */
  onHead(head: RequestHead): void {
    this.requestDone = false;
    this.responseDone = false;
    this.parser.pauseAfterRequest();
    const req = new NativeRequest({ head, socket: this.socket, wantMore: () => this.tls.resume() });
    this.req = req;
    if (head.upgrade && head.body.kind === 'none') {
      this.upgrade = req;
      return;
    }
    const res = new NativeResponse({
      method: head.method,
      versionMinor: head.versionMinor,
      keepAlive: head.keepAlive,
      out: this,
    });
    this.res = res;
    const decided = this.decided;
    this.decided = null;
    this.handlers.request(this.conn, req, res, decided);
  }

  onBody(chunk: Buffer): void {
    if (this.req && !this.req.deliver(chunk)) this.tls.pause();
  }

  onRequestEnd(): void {
    this.req?.finish();
    this.requestDone = true;
    if (this.upgrade) return this.startRelay(this.upgrade);
    this.next();
  }

  /** Both halves of the exchange are done: read the next request (it may already be buffered). */
  private next(): void {
    if (!this.requestDone || !this.responseDone || this.closing || this.gone) return;
    this.req = null;
    this.res = null;
    try {
      this.parser.resume();
    } catch (err) {
      if (!(err instanceof RequestProtocolError)) throw err;
      return this.refuseMalformed(err);
    }
    this.armLane();
  }

  /** Between requests, with a Host already accepted: the addon's lane may take the next ones. */
  private armLane(): void {
    if (!this.fastLane || this.laneArmed || this.closing || this.gone || this.relay) return;
    if (!this.requestDone || !this.responseDone || !this.parser.idle) return;
    const host = laneHost(this.conn);
    if (host === null || this.conn.sniMismatch !== null) return;
    this.laneArmed = true;
    this.tls.laneArm(host, this.maxHeaderSize);
  }

  // TlsHandlers, fast lane (see fast-lane.ts).

  laneRequest(method: string, target: string): LaneDecision | undefined {
    this.idleTicks = 0;
    const r = this.handlers.lane.decide(this.conn, method, target);
    if (r === null) return undefined;
    if ('decided' in r) {
      this.decided = r.decided;
      return undefined;
    }
    this.lane = r.exchange;
    return r.decision;
  }

  laneDone(outcome: LaneOutcome): void {
    const x = this.lane;
    this.lane = null;
    this.idleTicks = 0;
    if (x && this.handlers.lane.finish(x, outcome)) this.destroy();
  }

  laneTakeover(takeover: LaneTakeover, bytesIn: number): void {
    const x = this.lane;
    this.lane = null;
    this.laneArmed = false;
    if (!x) return this.destroy();
    // The exchange goes on here; bytes the agent sent after its request wait in the parser.
    this.requestDone = true;
    this.responseDone = false;
    this.parser.pauseAfterRequest();
    const res = new NativeResponse({ method: this.handlers.lane.method(x), versionMinor: 1, keepAlive: true, out: this });
    this.res = res;
    this.handlers.lane.takeOver(this.conn, x, { takeover, bytesIn, res });
  }

  private startRelay(req: NativeRequest): void {
    // A relayed WebSocket may rightly stay quiet for long: no deadline, as on Node's path.
    this.idleLimit = 0;
    const relay = new NativeDuplex(this.tls);
    this.relay = relay;
    relay.once('close', () => this.destroy());
    this.handlers.upgrade(this.conn, req, relay, this.parser.takeRest() ?? Buffer.alloc(0));
  }

  end(): void {
    if (this.relay) return this.relay.ended();
    // As Node's HTTP server does: an agent that stops sending has gone (its request, held or
    // forwarded, is cancelled); an idle one gets our close after it.
    if (this.requestDone && this.responseDone) this.closeGracefully();
    else this.destroy();
  }

  /** Our side ends once queued bytes are out; the agent gets a moment to close its own. */
  private closeGracefully(): void {
    if (this.gone) return;
    this.closing = true;
    this.tls.end();
    this.waitingFor = 'close';
    this.idleTicks = 0;
    this.idleLimit = this.sweeper.ticks(CLOSE_GRACE_MS);
  }

  /** 400 and close; a request already being forwarded is dropped (its response was not begun). */
  private refuseMalformed(err: RequestProtocolError): void {
    const res = this.res;
    if (res?.headersSent) return this.destroy();
    if (this.req && !this.req.complete) this.req.destroy();
    res?.connectionClosed();
    this.req = null;
    this.res = null;
    // 400 whatever the parser's finer status (431, 505…), as on Node's path; 408 for a head too slow.
    const timedOut = err.status === 408;
    this.tls.write(this.handlers.malformed(this.conn, err.message, timedOut ? 408 : 400, timedOut ? 'HEADERS_TIMEOUT' : 'HPE_INVALID'));
    this.closeGracefully();
  }

  /** Sweepable: the current deadline passed. */
  expire(): void {
    // Bytes a native pipe moved are activity too, though no JavaScript saw them.
    const progress = this.piping || this.lane ? this.tls.progress() : this.lastProgress;
    if (progress !== this.lastProgress) {
      this.lastProgress = progress;
      this.idleTicks = 0;
      return;
    }
    this.destroy(this.waitingFor === 'handshake' ? 'no TLS handshake within 15s' : undefined);
  }

  /** The idle timeout a request set on its socket (`SocketView`). */
  setIdle(ms: number): void {
    this.idleMs = ms;
    if (this.closing || this.waitingFor === 'handshake') return;
    this.idleTicks = 0;
    this.idleLimit = this.sweeper.ticks(ms);
  }
}

/** The parser's events, passed on to the connection: one small object, not a closure per event. */
class ParserEvents implements RequestEvents {
  private readonly c: NativeAgentConnection;

  constructor(c: NativeAgentConnection) {
    this.c = c;
  }

  head(head: RequestHead): void {
    this.c.onHead(head);
  }

  body(chunk: Buffer): void {
    this.c.onBody(chunk);
  }

  end(): void {
    this.c.onRequestEnd();
  }
}

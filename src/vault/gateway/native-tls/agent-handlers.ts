import type { Duplex } from 'node:stream';
import type { AgentRequest, AgentResponse } from '../agent-exchange.js';
import type { MitmConnection } from '../gateway-context.js';
import type { LaneDecision, LaneOutcome, LaneTakeover } from './binding.js';

/**
 * What the gateway does with what arrives on a connection: the transport parses and frames, and
 * hands every decision over (the one decision, the response plan, the audit are not its business).
 * `X`: the gateway's record of a lane exchange in flight; `D`: a decision the lane made for a
 * request it then handed back, carried to `request` as it is.
 */
export interface AgentHandlers<X = unknown, D = unknown> {
  request(conn: MitmConnection, req: AgentRequest, res: AgentResponse, decided: D | null): void;
  upgrade(conn: MitmConnection, req: AgentRequest, client: Duplex, head: Buffer): void;
  handshakeFailed(conn: MitmConnection, startedAt: number, why: string): void;
  /** The bytes of the 400/408 answer to a request the parser refused. */
  malformed(conn: MitmConnection, why: string, status: 400 | 408, code: string): Buffer;
  lane: {
    decide(conn: MitmConnection, method: string, target: string): { decision: LaneDecision; exchange: X } | { decided: D } | null;
    /** True when the agent's connection must go. */
    finish(x: X, outcome: LaneOutcome): boolean;
    abort(x: X): void;
    method(x: X): string;
    takeOver(conn: MitmConnection, x: X, o: { takeover: LaneTakeover; bytesIn: number; res: AgentResponse }): void;
  };
}

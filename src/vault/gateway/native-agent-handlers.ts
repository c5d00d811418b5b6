import { auditHandshakeFailed, malformedRequestResponse } from './client-error.js';
import type { RequestDecision } from './decide-request.js';
import { abortLane, decideLane, finishLane, takeOverLane, type LaneExchange } from './fast-lane.js';
import { forwardMitmRequest } from './forward.js';
import type { GatewayContext } from './gateway-context.js';
import type { AgentHandlers } from './native-tls/agent-handlers.js';
import { forwardUpgrade } from './websocket.js';

/**
 * The gateway's side of a natively terminated agent connection: what native-tls/ hands over
 * (requests, upgrades, the lane's questions, failures) goes to the same functions Node's path
 * uses. Built once per gateway.
 */
export function nativeAgentHandlers(ctx: GatewayContext): AgentHandlers<LaneExchange, RequestDecision> {
  return {
    request: (conn, req, res, decided) => forwardMitmRequest(ctx, conn, req, res, decided),
    upgrade: (conn, req, client, head) => forwardUpgrade(ctx, conn, req, client, head),
    handshakeFailed: (conn, startedAt, why) => auditHandshakeFailed(ctx, conn, startedAt, why),
    malformed: (conn, why, status, code) => malformedRequestResponse(ctx, { agent: conn.agent, host: conn.host }, why, status, code),
    lane: {
      decide: (conn, method, target) => decideLane(ctx, conn, method, target),
      finish: (x, outcome) => finishLane(ctx, x, outcome),
      abort: (x) => abortLane(ctx, x),
      method: (x) => x.rec.method,
      takeOver: (conn, x, o) => takeOverLane(ctx, conn, x, o),
    },
  };
}

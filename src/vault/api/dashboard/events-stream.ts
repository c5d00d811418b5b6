import type { Redactor } from '../../../common/redact.js';
import type { ApprovalService } from '../../approvals/types.js';
import type { Route } from '../router.js';
import { cardData } from './approval-card.js';
import { page, type GuardOptions } from './dashboard-guard.js';
import { securityHeaders } from './page-response.js';

const HEARTBEAT_MS = 15_000;

/**
 * `GET /dashboard/events`: approval events and alerts (a honeytoken was used) as server-sent
 * events. While a stream is open the viewer counts as present, so approvals routed to "dashboard
 * viewers" can reach someone.
 */
export function eventsRoute(o: { guard: GuardOptions; approvals: ApprovalService | undefined; redactor: Redactor }): Route {
  const handler = page(o.guard, ({ res }) => {
    const { approvals } = o;
    res.writeHead(approvals ? 200 : 204, { ...securityHeaders(), 'content-type': 'text/event-stream; charset=utf-8' });
    if (!approvals) {
      res.end();
      return;
    }
    const release = approvals.dashboardViewerOpened();
    res.write('retry: 3000\n\n');
    const unsubscribe = approvals.subscribe((event) => {
      const pendingCount = approvals.list({ status: 'pending', limit: 1000 }).length;
      // JSON has no raw line breaks, so one data: line carries the whole message.
      res.write(`event: ${event.type}\ndata: ${JSON.stringify({ approval: cardData(event.approval, o.redactor), pendingCount })}\n\n`);
    });
    const unsubscribeAlerts = approvals.subscribeAlerts((alert) => res.write(`event: alert\ndata: ${JSON.stringify(alert)}\n\n`));
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      unsubscribe();
      unsubscribeAlerts();
      release();
    };
    // res 'close' fires when the browser goes away (req 'close' only means the request body ended).
    res.once('close', end);
  });
  return { method: 'GET', path: '/dashboard/events', public: true, handler };
}

import { describe, expect, it } from 'vitest';
import { DashboardChannel } from './dashboard-channel.js';
import { HOST_CLIENT_GRACE_MS, HostClientChannel } from './host-client-channel.js';
import { builtInApprover } from './routing.js';

const named = (address: string) => ({ ...builtInApprover('host'), id: 'apv_x', address });

describe('host client reachability', () => {
  it('counts a named client while its poll is open and for 35 s after', () => {
    let now = 1_000_000;
    const channel = new HostClientChannel(() => now);
    expect(channel.reachable(named('laptop'))).toBe(false);
    const end = channel.pollOpened({ clientName: 'laptop', agentIds: [] });
    now += 10 * 60_000; // a poll held open a long time still counts
    expect(channel.reachable(named('laptop'))).toBe(true);
    expect(channel.reachable(named('desktop'))).toBe(false);
    end();
    end(); // idempotent
    now += HOST_CLIENT_GRACE_MS;
    expect(channel.reachable(named('laptop'))).toBe(true);
    now += 1;
    expect(channel.reachable(named('laptop'))).toBe(false);
  });

  it('matches unnamed clients by scope: scoped ones for their agents, unscoped ones as owners', () => {
    let now = 0;
    const channel = new HostClientChannel(() => now);
    const endScoped = channel.pollOpened({ clientName: null, agentIds: ['agt_a'] });
    expect(channel.reachable(builtInApprover('host', ['agt_a']))).toBe(true);
    expect(channel.reachable(builtInApprover('host', ['agt_b']))).toBe(false);
    expect(channel.reachable(builtInApprover('host'))).toBe(false);
    channel.pollOpened({ clientName: null, agentIds: [] });
    expect(channel.reachable(builtInApprover('host'))).toBe(true);
    expect(channel.reachable(builtInApprover('dashboard'))).toBe(false);
    endScoped();
    now += HOST_CLIENT_GRACE_MS + 1;
    expect(channel.reachable(builtInApprover('host', ['agt_a']))).toBe(false);
  });

  it('counts dashboard viewers while a stream is open', () => {
    const dashboard = new DashboardChannel();
    expect(dashboard.reachable(builtInApprover('dashboard'))).toBe(false);
    const closeA = dashboard.viewerOpened();
    const closeB = dashboard.viewerOpened();
    closeA();
    closeA();
    expect(dashboard.reachable(builtInApprover('dashboard'))).toBe(true);
    expect(dashboard.reachable(builtInApprover('host'))).toBe(false);
    closeB();
    expect(dashboard.reachable(builtInApprover('dashboard'))).toBe(false);
  });
});

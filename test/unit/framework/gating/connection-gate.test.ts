import assert from 'node:assert/strict';
import type { Endpoint } from '../../../../framework/address/endpoint.js';
import { loadConfig } from '../../../../node/config/loader.js';
import { isErrorNamed } from '../../../../framework/errors/base.js';
import { ConnectionGate } from '../../../../framework/gating/connection-gate.js';
import { ConnectionDeniedError, GaterAnswerError, GaterTimeoutError } from '../../../../framework/gating/errors.js';
import type { ConnectionAttempt, ConnectionGater, GateContext, PeerAttempt } from '../../../../framework/gating/gater.js';
import { resolveGatingOptions } from '../../../../framework/gating/options.js';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import { silentLogger } from '../../../../framework/logging/logger.js';
import { CidrGater } from '../../../../plugins/gating/cidr.js';
import { NodeIdGater } from '../../../../plugins/gating/node-id.js';
import { PerIpGater } from '../../../../plugins/gating/per-ip.js';
import { rejectsWith } from '../../../support/rejects-with.js';

const id = (n: number) => n.toString(16).padStart(40, '0') as NodeID;
const tcp = (ip: string, port = 40000): Endpoint => ({ protocol: 'mconn', ip, port });

function gate(gaters: ConnectionGater[], filterTimeoutMs = 5000): ConnectionGate {
  return new ConnectionGate(gaters, resolveGatingOptions({ filterTimeoutMs, maxConcurrentInboundHandshakes: 4 }), silentLogger());
}

async function gating(values: Record<string, unknown>) {
  return (await loadConfig({ values: { gating: values } })).gating;
}

const denial = (promise: Promise<unknown>): Promise<ConnectionDeniedError> => rejectsWith(promise, ConnectionDeniedError);

/** A gater of our own, answering as told and recording what it was asked. */
class ScriptedGater implements ConnectionGater {
  readonly asked: string[] = [];
  readonly signals: AbortSignal[] = [];
  constructor(
    readonly name: string,
    private readonly answer: (subject: string, context: GateContext) => unknown,
  ) {}
  allowConnection(attempt: ConnectionAttempt, context: GateContext) {
    this.asked.push(attempt.ip);
    return this.answer(attempt.ip, context) as boolean;
  }
  allowPeer(peer: PeerAttempt, context: GateContext) {
    this.asked.push(peer.nodeId);
    return this.answer(peer.nodeId, context) as boolean;
  }
}

describe('gating: the connection gate', () => {
  it('admits everything with no gaters', async () => {
    const g = gate([]);
    const lease = await g.admit(tcp('10.0.0.1'), { direction: 'inbound' });
    lease.release();
    await g.checkPeer({ direction: 'inbound', nodeId: id(1) });
    assert.deepEqual(g.snapshot().gaters, []);
  });

  it('asks gaters in order and stops at the first denial, whose reason it keeps', async () => {
    const cidr = new CidrGater((await gating({ cidr: { deny: ['10.0.0.0/8'] } })).cidr);
    const after = new ScriptedGater('after', () => true);
    const g = gate([cidr, after]);
    const denied = await denial(g.admit(tcp('10.1.2.3'), { direction: 'inbound' }));
    assert.equal(denied.reason, 'cidr-denied');
    assert.equal(denied.gater, 'cidr');
    assert.match(denied.message, /^inbound connection from mconn:\/\/10\.1\.2\.3:40000 denied by gater "cidr" \(cidr-denied\): 10\.1\.2\.3 is in denied block 10\.0\.0\.0\/8/);
    assert.deepEqual(after.asked, [], 'later gaters are not asked');
    await g.admit(tcp('192.0.2.1'), { direction: 'outbound', nodeId: id(1) });
    assert.deepEqual(after.asked, ['192.0.2.1']);
    assert.equal(g.snapshot().gaters.find((s) => s.name === 'cidr')!.denied, 1);
  });

  it('compares IPv4-mapped IPv6 remotes as IPv4', async () => {
    const g = gate([new CidrGater((await gating({ cidr: { deny: ['127.0.0.0/8'] } })).cidr)]);
    assert.equal((await denial(g.admit(tcp('::ffff:127.0.0.1'), { direction: 'inbound' }))).reason, 'cidr-denied');
  });

  it('denies with the gater’s name as the reason when it answers false, sync or async', async () => {
    const sync = gate([new ScriptedGater('no-thanks', () => false)]);
    assert.equal((await denial(sync.admit(tcp('10.0.0.1'), { direction: 'inbound' }))).reason, 'no-thanks');
    const async = gate([new ScriptedGater('later-no', async () => false)]);
    assert.equal((await denial(async.checkPeer({ direction: 'inbound', nodeId: id(1) }))).reason, 'later-no');
  });

  it('runs async node-ID filters: allowed and denied, with a ConnectionDeniedError’s own reason', async () => {
    const filter = new ScriptedGater('registry', async (nodeId) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (nodeId === id(2)) throw new ConnectionDeniedError(`${nodeId} is revoked`, 'revoked');
      return nodeId !== id(3);
    });
    const g = gate([filter]);
    await g.checkPeer({ direction: 'inbound', nodeId: id(1) });
    assert.equal((await denial(g.checkPeer({ direction: 'outbound', nodeId: id(2) }))).reason, 'revoked');
    assert.equal((await denial(g.checkPeer({ direction: 'outbound', nodeId: id(3) }))).reason, 'registry');
    assert.deepEqual(filter.asked, [id(1), id(2), id(3)]);
  });

  it('combines the built-in sync node-ID filter with an async one', async () => {
    const builtIn = new NodeIdGater((await gating({ node_id: { deny: [id(7)] } })).nodeId);
    const remote = new ScriptedGater('remote', async () => true);
    const g = gate([builtIn, remote]);
    assert.equal((await denial(g.checkPeer({ direction: 'inbound', nodeId: id(7) }))).reason, 'node-id-denied');
    await g.checkPeer({ direction: 'inbound', nodeId: id(8) });
    assert.deepEqual(remote.asked, [id(8)]);
  });

  it('denies, counted, when an async filter never answers — and keeps serving other connections meanwhile', async () => {
    let stuckSignal: AbortSignal | undefined;
    const stuck = new ScriptedGater('stuck', (nodeId, context) => {
      if (nodeId !== id(1)) return true;
      stuckSignal = context.signal;
      return new Promise<boolean>(() => {}); // never settles
    });
    const g = gate([stuck], 200);
    let settled = false;
    const pending = denial(g.checkPeer({ direction: 'inbound', nodeId: id(1) })).finally(() => (settled = true));
    for (let n = 2; n < 50; n++) await g.checkPeer({ direction: 'inbound', nodeId: id(n) });
    assert.equal(settled, false, 'the other peers were answered while the stuck one was still waiting');
    const denied = await pending;
    assert.equal(denied.reason, 'gater-timeout');
    assert.ok(denied.cause instanceof GaterTimeoutError);
    assert.match(denied.message, /no answer within 200 ms/);
    assert.ok(stuckSignal?.aborted, 'the hook’s signal told it to give up');
    const stats = g.snapshot().gaters[0]!;
    assert.equal(stats.timeouts, 1);
    assert.equal(stats.denied, 1);
  });

  it('fails closed on a gater that throws or answers something other than a boolean', async () => {
    const thrower = gate([new ScriptedGater('thrower', () => { throw new Error('database down'); })]);
    const thrown = await denial(thrower.admit(tcp('10.0.0.1'), { direction: 'inbound' }));
    assert.equal(thrown.reason, 'gater-error');
    assert.match(thrown.message, /database down/);
    assert.equal(thrower.snapshot().gaters[0]!.errors, 1);

    const rejecting = gate([new ScriptedGater('rejecting', () => Promise.reject(new Error('boom')))]);
    assert.equal((await denial(rejecting.checkPeer({ direction: 'inbound', nodeId: id(1) }))).reason, 'gater-error');

    for (const answer of [undefined, 'yes', 1, {}, Promise.resolve('no')]) {
      const g = gate([new ScriptedGater('sloppy', () => answer)]);
      const denied = await denial(g.checkPeer({ direction: 'inbound', nodeId: id(1) }));
      assert.equal(denied.reason, 'gater-error');
      assert.ok(denied.cause instanceof GaterAnswerError, `answer ${String(answer)}`);
      assert.match(denied.message, /expected true or false/);
    }
  });

  it('rejects with the caller’s abort reason, uncounted, when the node stops mid-answer', async () => {
    const slow = new ScriptedGater('slow', () => new Promise<boolean>(() => {}));
    const g = gate([slow]);
    const stop = new AbortController();
    const pending = g.checkPeer({ direction: 'inbound', nodeId: id(1) }, stop.signal);
    stop.abort(new Error('router stopping'));
    await assert.rejects(pending, /router stopping/);
    assert.equal(g.snapshot().gaters[0]!.denied, 0);
  });

  it('holds per-IP state through a lease: released once, and rolled back when a later gater refuses', async () => {
    const perIp = new PerIpGater((await gating({ per_ip: { max_connections: 2 } })).perIp);
    let refuseAdmission = false;
    const picky: ConnectionGater = {
      name: 'picky',
      admit: () => {
        if (refuseAdmission) throw new ConnectionDeniedError('not today', 'picky-admit');
        return true;
      },
    };
    const g = gate([perIp, picky]);
    const first = await g.admit(tcp('10.0.0.1'), { direction: 'inbound' });
    const second = await g.admit(tcp('10.0.0.1', 40001), { direction: 'outbound', nodeId: id(1) });
    assert.equal((await denial(g.admit(tcp('10.0.0.1', 40002), { direction: 'inbound' }))).reason, 'ip-limit');
    first.release();
    first.release(); // idempotent: frees one slot, not two
    assert.equal(perIp.connections.count('10.0.0.1'), 1);
    refuseAdmission = true;
    assert.equal((await denial(g.admit(tcp('10.0.0.1', 40003), { direction: 'inbound' }))).reason, 'picky-admit');
    assert.equal(perIp.connections.count('10.0.0.1'), 1, 'the refused connection gave its per-IP slot back');
    second.release();
    assert.equal(perIp.connections.count('10.0.0.1'), 0);
    assert.equal(g.snapshot().gaters.find((s) => s.name === 'per-ip')!.tracked, 0);
  });

  it('asks nothing by IP about endpoints without one (memory transport)', async () => {
    const never = new ScriptedGater('never', () => false);
    const g = gate([never]);
    const lease = await g.admit({ protocol: 'memory', path: id(1) }, { direction: 'inbound' });
    lease.release();
    assert.deepEqual(never.asked, []);
    assert.ok(isErrorNamed(await denial(g.checkPeer({ direction: 'inbound', nodeId: id(1) })), 'ConnectionDeniedError'), 'node IDs are still checked');
  });

  it('refuses a dial to an IP nearer than the peer the address was learned from, with or without gaters', async () => {
    for (const g of [gate([]), gate([{ name: 'open', allowConnection: () => true }])]) {
      const refused = await denial(g.admit(tcp('127.0.0.1'), { direction: 'outbound', nodeId: id(1), learnedFrom: 'public' }));
      assert.equal(refused.reason, 'address-scope');
      assert.match(refused.message, /learned from a peer on a public IP, and 127\.0\.0\.1 is a loopback address/);
      assert.equal((await denial(g.admit(tcp('::ffff:10.1.2.3'), { direction: 'outbound', learnedFrom: 'public' }))).reason, 'address-scope');
      assert.equal((await denial(g.admit(tcp('0.0.0.0'), { direction: 'outbound', learnedFrom: 'loopback' }))).reason, 'address-scope', 'never an unspecified IP');
      (await g.admit(tcp('10.1.2.3'), { direction: 'outbound', learnedFrom: 'private' })).release();
      (await g.admit(tcp('8.8.8.8'), { direction: 'outbound', learnedFrom: 'public' })).release();
      (await g.admit(tcp('127.0.0.1'), { direction: 'outbound' })).release();
      assert.equal(g.snapshot().scopeRefusals, 3);
    }
  });

  it('takes inbound handshake slots per remote IP, denying the excess with the key that caps it', () => {
    const g = new ConnectionGate([], resolveGatingOptions({ maxConcurrentInboundHandshakes: 3, maxConcurrentInboundHandshakesPerIp: 2 }), silentLogger());
    assert.equal(g.beginInboundHandshake(tcp('10.0.0.1')), undefined);
    assert.equal(g.beginInboundHandshake(tcp('::ffff:10.0.0.1')), undefined, 'IPv4-mapped IPv6 is the same IP');
    const perIp = g.beginInboundHandshake(tcp('10.0.0.1'));
    assert.equal(perIp?.reason, 'ip-handshake-capacity');
    assert.match(perIp!.message, /10\.0\.0\.1 already has 2 handshakes in progress \(p2p\.max_concurrent_inbound_handshakes_per_ip\)/);
    assert.equal(g.beginInboundHandshake(tcp('10.0.0.2')), undefined);
    const global = g.beginInboundHandshake(tcp('10.0.0.3'));
    assert.equal(global?.reason, 'handshake-capacity');
    assert.match(global!.message, /3 inbound handshakes already in progress \(p2p\.max_concurrent_inbound_handshakes\)/);
    assert.deepEqual(g.snapshot().inboundHandshakes, { inProgress: 3, limit: 3, perIpLimit: 2, trackedIps: 2, refused: 1, refusedPerIp: 1 });
    g.endInboundHandshake(tcp('::ffff:10.0.0.1'));
    assert.equal(g.beginInboundHandshake(tcp('10.0.0.1')), undefined, 'the ended slot is the IP\'s again');
    assert.equal(gate([]).snapshot().inboundHandshakes.perIpLimit, 4, 'per-IP share by default');
  });

  it('counts the IPv6 addresses of one /64 as one remote IP for every per-IP limit, and /128 per address when configured', async () => {
    // An attacker with a /64 (the usual IPv6 site) cycling through its addresses.
    const attacker = (n: number) => tcp(`2001:db8:aa:1::${n.toString(16)}`);
    const g = new ConnectionGate(
      [new PerIpGater((await gating({ per_ip: { max_connections: 2 } })).perIp)],
      resolveGatingOptions({ maxConcurrentInboundHandshakes: 100, maxConcurrentInboundHandshakesPerIp: 2 }),
      silentLogger(),
    );
    assert.equal(g.beginInboundHandshake(attacker(1)), undefined);
    assert.equal(g.beginInboundHandshake(attacker(2)), undefined);
    const share = g.beginInboundHandshake(attacker(3));
    assert.equal(share?.reason, 'ip-handshake-capacity');
    assert.match(share!.message, /2001:db8:aa:1::\/64 already has 2 handshakes in progress/);
    assert.equal(g.beginInboundHandshake(tcp('2001:db8:aa:2::1')), undefined, 'the next /64 has its own share');
    g.endInboundHandshake(attacker(2));
    assert.equal(g.beginInboundHandshake(attacker(99)), undefined, 'a slot ended by any address of the /64 is the /64\'s again');

    await g.admit(attacker(1), { direction: 'inbound' });
    await g.admit(attacker(2), { direction: 'inbound' });
    const limited = await denial(g.admit(attacker(3), { direction: 'inbound' }));
    assert.equal(limited.reason, 'ip-limit');
    (await g.admit(tcp('2001:db8:aa:2::1'), { direction: 'inbound' })).release();

    const perAddress = new ConnectionGate(
      [new PerIpGater((await gating({ per_ip: { max_connections: 1 } })).perIp)],
      resolveGatingOptions({ ipv6PrefixLength: 128 }),
      silentLogger(),
    );
    await perAddress.admit(attacker(1), { direction: 'inbound' });
    await perAddress.admit(attacker(2), { direction: 'inbound' });
    assert.equal((await denial(perAddress.admit(attacker(1), { direction: 'inbound' }))).reason, 'ip-limit');
  });

  it('hands custom gaters the exact IP and the key per-IP limits count it under', async () => {
    const seen: Array<[string, string]> = [];
    const g = gate([{ name: 'watcher', allowConnection: (a: ConnectionAttempt) => (seen.push([a.ip, a.ipGroup]), true) }]);
    (await g.admit(tcp('2001:db8::7'), { direction: 'inbound' })).release();
    (await g.admit(tcp('::ffff:10.0.0.1'), { direction: 'inbound' })).release();
    assert.deepEqual(seen, [['2001:db8::7', '2001:db8::/64'], ['10.0.0.1', '10.0.0.1']]);
  });

  it('takes gating.ipv6_prefix_length from the config, 64 by default, 32 to 128', async () => {
    assert.equal((await gating({})).ipv6PrefixLength, 64);
    assert.equal((await gating({ ipv6_prefix_length: 56 })).ipv6PrefixLength, 56);
    await assert.rejects(gating({ ipv6_prefix_length: 129 }), /gating\.ipv6_prefix_length.*32 to 128/);
    assert.throws(() => resolveGatingOptions({ ipv6PrefixLength: 16 }), /ipv6PrefixLength must be an integer from 32 to 128/);
  });
});

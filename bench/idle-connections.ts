import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { NodeKey } from '../framework/identity/node-key.js';
import { NodeAddress } from '../framework/address/node-address.js';
import { MConnConnection } from '../plugins/transports/mconn/mconn-connection.js';
import { resolveMConnTransportOptions } from '../plugins/transports/mconn/options.js';
import { sharedKeepaliveTicker } from '../plugins/transports/mconn/mconnection/keepalive-ticker.js';
import { BENCH_CLIENT_CHANNELS, benchClientNodeInfo } from './tmp2p-pair.js';
import type { BenchRow, Scenario } from './harness.js';

/*
 * One node (its own process) holds CONNECTIONS idle authenticated
 * connections: real TCP + SecretConnection + NodeInfo handshakes from
 * clients in this process, each bound to its own loopback address in
 * 127.0.0.0/8 so that per-IP limits stay meaningful. Clients ping every
 * CLIENT_PING_MS and close on a pong later than CLIENT_PONG_TIMEOUT_MS, so a
 * client still open at the end had every ping answered.
 */
const SCENARIO = 'idle-connections';
const CONNECTIONS = Number(process.env.BENCH_IDLE_CONNECTIONS ?? 5000);
const IN_FLIGHT = 16;
/** A third of CometBFT's 60 s ping interval, so every client is pinged twice in the window. */
const CLIENT_PING_MS = Number(process.env.BENCH_IDLE_CLIENT_PING_MS ?? 20_000);
const CLIENT_PONG_TIMEOUT_MS = CLIENT_PING_MS / 2;
/**
 * The idle window is one full period of everything periodic: 60 s is the
 * node's own ping interval (CometBFT's default) and three client intervals,
 * so it holds exactly one node ping and three client pings per connection
 * wherever it starts. A shorter window would sample the bursts unevenly (the
 * clients' pings come in the 5 s burst of their connects, every 20 s);
 * the thirds are printed too, to show the spread.
 */
const IDLE_WINDOW_MS = 60_000;
const IDLE_SUBWINDOWS = 3;
const TARGET_RSS_MB = 300;
const TARGET_IDLE_CORE = 0.05;

interface NodeStats {
  readonly peers: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly cpuMs: number;
}

/** The i-th client's source address: 127.0.a.b with a in 10.., b in 1..250 (never .0 or .255). */
function clientAddress(i: number): string {
  return `127.0.${10 + Math.floor(i / 250)}.${1 + (i % 250)}`;
}

/** Asks the node for its stats ('stats' forces a full GC first for the memory figures; 'cpu' only reads CPU time). */
function ask(child: ChildProcess, type: 'stats' | 'cpu' = 'stats'): Promise<NodeStats> {
  const reply = new Promise<NodeStats>((resolve) => {
    const onMessage = (m: { type: string } & NodeStats) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
  });
  child.send({ type });
  return reply;
}

/** Sends a command to the node and waits for its acknowledgement. */
async function command(child: ChildProcess, type: string, reply: string, extra: object = {}): Promise<void> {
  const done = new Promise<void>((resolve) => {
    const onMessage = (m: { type: string }) => {
      if (m.type !== reply) return;
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
  });
  child.send({ type, ...extra });
  await done;
}

export const idleConnectionsScenario: Scenario = {
  name: SCENARIO,
  description: `one node (own process) holding ${CONNECTIONS.toLocaleString('en-US')} idle authenticated connections from ${CONNECTIONS.toLocaleString('en-US')} loopback addresses; clients ping every ${CLIENT_PING_MS / 1000} s`,
  async run(report: (row: BenchRow) => void): Promise<void> {
    const row = (c: string, value: number, unit: string, notes = '') => report({ scenario: SCENARIO, case: c, value, unit, notes });
    const child = fork(fileURLToPath(new URL('./idle-connections-node.js', import.meta.url)), [String(CONNECTIONS)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const clients: MConnConnection[] = [];
    // The clients stand for 5,000 independent peers, whose pings are not aligned with each
    // other: their keepalive deadlines keep millisecond precision (grid 1, as one Node timer
    // each would) instead of sharing this process's coarse ticks, which would deliver their
    // pings to the node in bursts and flatter its figure. The node's own ticker is untouched.
    const schedule = sharedKeepaliveTicker.schedule;
    sharedKeepaliveTicker.schedule = function (entry, at) {
      schedule.call(this, entry, at, 1);
    };
    try {
      const [listening] = (await once(child, 'message')) as [{ address: string }];
      const far = NodeAddress.parse(listening.address);
      const [endpoint] = await far.resolve();
      const before = await ask(child);
      // Generous handshake deadlines: on a loaded machine a slow accept is a figure to report, not a failure.
      const options = resolveMConnTransportOptions({ handshakePhaseTimeoutMs: 60_000, mconnection: { pingIntervalMs: CLIENT_PING_MS, pongTimeoutMs: CLIENT_PONG_TIMEOUT_MS } });
      const keys = Array.from({ length: CONNECTIONS }, () => NodeKey.generate());
      let closedEarly = 0;
      let retries = 0;

      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < CONNECTIONS) {
            const i = next++;
            const key = keys[i]!;
            const info = benchClientNodeInfo(key, `idle-${i}`);
            for (let attempt = 1; ; attempt++) {
              const socket = connect({ host: endpoint!.ip!, port: endpoint!.port!, localAddress: clientAddress(i) });
              socket.on('error', () => {});
              const connection = new MConnConnection(socket, { protocol: 'mconn', ip: clientAddress(i), port: 0 }, endpoint!, options);
              try {
                await once(socket, 'connect');
                socket.setNoDelay(true);
                await connection.handshake(info, key, { channels: BENCH_CLIENT_CHANNELS });
              } catch (error) {
                connection.close();
                if (attempt === 3) throw error;
                retries++;
                continue;
              }
              void connection.closed.then(() => closedEarly++);
              clients.push(connection);
              break;
            }
          }
        }),
      );
      // The node counts a peer once its router admitted it; wait for the last admissions.
      let stats = await ask(child);
      while (stats.peers < CONNECTIONS && performance.now() - started < 600_000) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        stats = await ask(child);
      }
      const acceptSeconds = (performance.now() - started) / 1000;
      row('connections held', stats.peers, 'peers', `of ${CONNECTIONS} dialed, ${IN_FLIGHT} handshakes in flight, ${retries} retried`);
      row('time to accept all', acceptSeconds, 's', `${Math.round(CONNECTIONS / acceptSeconds)} setups/s with the node's ping and peer bookkeeping`);

      // The window holds no forced collection: CPU is read without one at each boundary.
      const profilePath = process.env.BENCH_IDLE_PROFILE;
      if (profilePath) await command(child, 'profile-start', 'profile-started');
      const marks = [await ask(child, 'cpu')];
      for (let w = 0; w < IDLE_SUBWINDOWS; w++) {
        await new Promise((resolve) => setTimeout(resolve, IDLE_WINDOW_MS / IDLE_SUBWINDOWS));
        marks.push(await ask(child, 'cpu'));
      }
      if (profilePath) await command(child, 'profile-stop', 'profile-stopped', { path: profilePath });
      const idleEnd = await ask(child);
      const core = (marks[IDLE_SUBWINDOWS]!.cpuMs - marks[0]!.cpuMs) / IDLE_WINDOW_MS;
      const parts = marks.slice(1).map((m, w) => ((m.cpuMs - marks[w]!.cpuMs) / (IDLE_WINDOW_MS / IDLE_SUBWINDOWS)) * 100);
      const rssMB = idleEnd.rss / 1e6;
      const perConnectionKB = (idleEnd.rss - before.rss) / 1e3 / CONNECTIONS;
      row('node RSS, all connected and idle', rssMB, 'MB', `target < ${TARGET_RSS_MB} MB: ${rssMB < TARGET_RSS_MB ? 'MET' : 'MISSED'}; heap ${(idleEnd.heapUsed / 1e6).toFixed(0)} MB, external ${(idleEnd.external / 1e6).toFixed(0)} MB`);
      row('memory per connection (RSS)', perConnectionKB, 'KB', `RSS ${(before.rss / 1e6).toFixed(0)} MB before the clients came`);
      row('node CPU while idle', core * 100, '% core', `${IDLE_WINDOW_MS / 1000} s window (${parts.map((p) => p.toFixed(2)).join(' / ')} % in its ${IDLE_WINDOW_MS / IDLE_SUBWINDOWS / 1000} s thirds) with ${(CONNECTIONS / (CLIENT_PING_MS / 1000)).toFixed(0)} client pings/s answered; target < ${TARGET_IDLE_CORE * 100} %: ${core < TARGET_IDLE_CORE ? 'MET' : 'MISSED'}`);
      // BENCH_IDLE_HEAP_SNAPSHOT=<file>: a heap snapshot of the node once idle (what the bytes per connection are).
      if (process.env.BENCH_IDLE_HEAP_SNAPSHOT) await command(child, 'heap-snapshot', 'heap-snapshot', { path: process.env.BENCH_IDLE_HEAP_SNAPSHOT });
      const open = clients.filter((c) => !c.isClosed).length;
      row('clients open after the idle window', open, 'clients', `every ping answered within ${CLIENT_PONG_TIMEOUT_MS / 1000} s: ${open === CONNECTIONS && closedEarly === 0 && idleEnd.peers === CONNECTIONS ? 'yes' : `NO (${closedEarly} closed, node holds ${idleEnd.peers})`}`);
    } finally {
      sharedKeepaliveTicker.schedule = schedule;
      for (const c of clients) c.close();
      child.send({ type: 'stop' });
      await Promise.race([once(child, 'exit'), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  },
};

import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { NodeKey } from '../../../framework/identity/node-key.js';
import { AbortError } from '../../../framework/errors/base.js';
import { deadlineSignal } from '../../../framework/util/abort.js';
import { AttackerMix, type Target } from './attackers.js';
import { HostHandle } from './host-handle.js';
import type { HostReport, HostSample } from './host-protocol.js';
import type { SoakOptions } from './options.js';
import { SeededRandom } from './random.js';
import { runFuzzSuite } from '../../fuzz/run-suite.js';
import { summarize, type AnswerFailure, type RestartRecord, type SoakSummary, type TimedSample } from './summary.js';

/** Free TCP ports on 127.0.0.1, released again: each node listens on one for its whole run, restarts included. */
async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => createServer());
  for (const server of servers) {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  }
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/**
 * The soak: `options.nodes` tmp2p nodes, each in a process of its own, all
 * persistent peers of each other over loopback TCP with the echo and PEX
 * reactors; honest echo traffic between them, every ping matched with its
 * pong; random restarts; the attacker mix against every node; a sample of
 * every node's process (after a full GC) and a status request every
 * `sampleIntervalS`. After `durationS` it stops restarting, waits for the
 * pings in flight, stops the attackers, checks every node still answers, and
 * returns the summary (ok false, with reasons, when anything was lost, grew
 * or stopped answering). `signal` ends the load early; the run still winds
 * down and summarizes.
 */
export async function runSoak(options: SoakOptions, signal?: AbortSignal): Promise<SoakSummary> {
  const runStarted = performance.now();
  const say = (line: string) => options.progress && process.stderr.write(`soak: ${line}\n`);
  const random = new SeededRandom(options.seed);
  const timeoutMs = options.answerTimeoutS * 1000;
  const failures: string[] = [];
  const answerFailures: AnswerFailure[] = [];
  let answerChecks = 0;
  const n = options.nodes;

  const ports = await freePorts(n);
  const secrets = ports.map((_, i) => `tmp2p-soak-${options.seed}-${i}`);
  const nodeIds = secrets.map((s) => NodeKey.fromSecret(s).nodeId);
  const addresses = nodeIds.map((id, i) => `${id}@127.0.0.1:${ports[i]}`);
  const hosts = Array.from({ length: n }, (_, i) => new HostHandle(i));
  const statusUrls: string[] = [];
  const samples: TimedSample[][] = hosts.map(() => []);
  const lastHandlesByType: Array<Record<string, number>> = hosts.map(() => ({}));
  const restarting = hosts.map(() => false);
  const restarts: RestartRecord[] = [];
  const restartWindows: Array<[number, number]> = [];
  const targets: Target[] = ports.map((port) => ({ endpoint: { protocol: 'mconn', ip: '127.0.0.1', port }, up: true }));
  let loadStarted = performance.now();
  const t = () => Math.round((performance.now() - loadStarted) / 100) / 10;
  let windingDown = false;
  hosts.forEach((h, i) => void h.exit.then(() => windingDown || failures.push(`node ${i}'s process exited during the run`)));
  let slowestAnswerMs = 0;

  let fuzz: Promise<SoakSummary['fuzz']> | undefined;
  let attackers: AttackerMix | undefined;
  let reports: HostReport[] = [];
  let loadS = 0;
  try {
    say(`starting ${n} nodes on ports ${ports.join(', ')}`);
    const started = await Promise.all(hosts.map((h, i) => h.start({ index: i, keySecret: secrets[i]!, port: ports[i]!, peers: addresses.filter((_, j) => j !== i), echoIntervalMs: options.echoIntervalMs, honestFromOneIp: n }, 60_000)));
    started.forEach((s, i) => (statusUrls[i] = s.statusUrl));
    await waitForMesh(hosts, n - 1, timeoutMs);
    say('full mesh; honest traffic, attackers, restarts and sampling start');

    loadStarted = performance.now();
    await Promise.all(hosts.map((h) => h.tell({ op: 'traffic', on: true }, timeoutMs)));
    attackers = new AttackerMix(targets, options.attack, random, timeoutMs);
    attackers.start();
    if (options.fuzzRuns > 0) fuzz = runFuzzSuite(options.fuzzRuns);

    // Not AbortSignal.any(AbortSignal.timeout(…)): Node may collect a timeout signal only .any() refers to, and it never fires.
    const load = deadlineSignal(signal, options.durationS * 1000, () => new AbortError('the soak duration is over'));
    const loadOver = load.signal;
    const sampling = (async () => {
      while (!loadOver.aborted) {
        await sampleAll();
        await sleep(options.sampleIntervalS * 1000, loadOver);
      }
    })();
    const restarting$ = (async () => {
      if (options.restartIntervalS <= 0) return;
      for (;;) {
        await sleep(random.around(options.restartIntervalS * 1000), loadOver);
        if (loadOver.aborted) return;
        await restartOne(random.int(n)).catch((error: unknown) => failures.push(`restart failed: ${errorText(error)}`));
      }
    })();
    await Promise.all([sampling, restarting$]);
    load.dispose();
    loadS = (performance.now() - loadStarted) / 1000;
    await sampleAll();

    say(`load over after ${Math.round(loadS)} s; waiting up to ${options.drainS} s for pings in flight`);
    await Promise.all(hosts.map((h) => h.tell({ op: 'traffic', on: false }, timeoutMs)));
    const drainUntil = performance.now() + options.drainS * 1000;
    for (;;) {
      const pending = (await Promise.all(hosts.map((h) => h.sample(timeoutMs).catch(() => undefined)))).reduce((sum, s) => sum + (s?.pending ?? 0), 0);
      if (pending === 0 || performance.now() > drainUntil) break;
      await sleep(500);
    }
    const attacks = await attackers.stop();
    attackers = undefined;
    await sampleAll(); // the final check: every node answers a sample and a status request
    windingDown = true;
    reports = await Promise.all(hosts.map((h) => h.stop(timeoutMs)));
    const record = {
      options,
      nodeIds,
      samples,
      lastHandlesByType,
      reports,
      attacks,
      restarts,
      answerChecks,
      answerFailures,
      slowestAnswerMs: Math.round(slowestAnswerMs),
      loadS,
      runS: 0,
      restartWindows,
      failures,
      fuzz: fuzz ? await fuzz : undefined,
    };
    return summarize({ ...record, runS: (performance.now() - runStarted) / 1000 });
  } finally {
    await attackers?.stop();
    for (const h of hosts) h.kill();
    await Promise.all(hosts.map((h) => h.exit));
  }

  async function sampleAll(): Promise<void> {
    await Promise.all(
      hosts.map(async (host, i) => {
        answerChecks++;
        const at = t();
        let sample: HostSample;
        const asked = performance.now();
        try {
          sample = await host.sample(timeoutMs);
          slowestAnswerMs = Math.max(slowestAnswerMs, performance.now() - asked);
        } catch (error) {
          answerFailures.push({ node: i, t: at, what: `sample: ${errorText(error)}` });
          return;
        }
        const { handlesByType, ...rest } = sample;
        samples[i]!.push({ ...rest, t: at });
        lastHandlesByType[i] = handlesByType;
        if (restarting[i]) return;
        try {
          const asked = performance.now();
          const response = await fetch(`${statusUrls[i]}/status`, { signal: AbortSignal.timeout(timeoutMs) });
          const status = (await response.json()) as { nodeId?: string };
          slowestAnswerMs = Math.max(slowestAnswerMs, performance.now() - asked);
          if (status.nodeId !== nodeIds[i]) throw new Error(`status answered for ${status.nodeId}`);
        } catch (error) {
          if (!restarting[i]) answerFailures.push({ node: i, t: at, what: `status: ${errorText(error)}` });
        }
      }),
    );
    if (options.progress) {
      const last = samples.map((s) => s[s.length - 1]);
      const mib = (b: number | undefined) => (b === undefined ? '?' : (b / 1048576).toFixed(0));
      say(
        `t=${t()}s rss=${last.map((s) => mib(s?.rssBytes)).join('/')}MiB heap=${last.map((s) => mib(s?.heapUsedBytes)).join('/')}MiB ` +
          `fds=${last.map((s) => s?.fds ?? '?').join('/')} peers=${last.map((s) => s?.honestPeers ?? '?').join('/')} ` +
          `faults=${attackers ? Object.values(attackers.counts).reduce((sum, c) => sum + ('injected' in c ? c.injected : c.opened), 0) : '-'} restarts=${restarts.length}`,
      );
    }
  }

  /** Restarts node `victim` in place: the others are told first, so what they lose to it counts as explained, and again once all have it back. */
  async function restartOne(victim: number): Promise<void> {
    const from = t();
    const others = hosts.filter((_, j) => j !== victim);
    const nodeId = nodeIds[victim]!;
    const told = await Promise.allSettled(others.map((h) => h.tell({ op: 'peer-restarting', nodeId }, timeoutMs)));
    told.forEach((result, k) => {
      if (result.status === 'rejected') answerFailures.push({ node: others[k]!.index, t: from, what: `told of node ${victim}'s restart: ${errorText(result.reason)}` });
    });
    restarting[victim] = true;
    targets[victim]!.up = false;
    const begun = performance.now();
    let meshRestoredMs: number | null = null;
    try {
      const started = await hosts[victim]!.restart(timeoutMs * 2);
      statusUrls[victim] = started.statusUrl;
      targets[victim]!.up = true;
      await waitForMesh(hosts, n - 1, timeoutMs);
      meshRestoredMs = Math.round(performance.now() - begun);
    } catch (error) {
      failures.push(`restart of node ${victim} at ${from} s: ${errorText(error)}`);
    } finally {
      targets[victim]!.up = true;
      restarting[victim] = false;
      restarts.push({ node: victim, t: from, meshRestoredMs });
      restartWindows.push([from, t()]);
      await Promise.all(others.map((h) => h.tell({ op: 'peer-back', nodeId }, timeoutMs).catch(() => undefined)));
      say(`restarted node ${victim}: every node had it back after ${meshRestoredMs ?? 'never'} ms`);
    }
  }
}

/** Resolves once every host has `expected` honest peers; rejects after `timeoutMs`. */
async function waitForMesh(hosts: readonly HostHandle[], expected: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const peers = await Promise.all(hosts.map((h) => h.peers(timeoutMs)));
    if (peers.every((p) => p.running && p.honestPeers === expected)) return;
    if (performance.now() > deadline) throw new Error(`no full mesh within ${timeoutMs} ms: honest peers per node ${peers.map((p) => p.honestPeers).join('/')}`);
    await sleep(100);
  }
}

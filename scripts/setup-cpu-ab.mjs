// CPU per connection setup, per thread, of two builds of tmp2p side by side (an A/B for a busy machine).
//
//   node --expose-gc scripts/setup-cpu-ab.mjs <treeA> <treeB> [rounds=16] [ms=1200]
//
// Each tree is a built checkout (its dist/ and config/; node_modules beside them). Both pairs of
// the `cometbft` bench's setup case (bench/tmp2p-pair.ts: a full node in a worker accepting,
// 8 dialers in this thread) run in this one process; after a warm-up, their rounds of
// `tmp2pSetups(far, 8, ms)` alternate, so both builds see the same load. Per round it reads
// /proc/self/task/*/stat (utime + stime) around the call: the main thread is the dialing side,
// the busiest thread started with a pair's worker its accepting side; `proc` is
// process.cpuUsage() (all threads, V8's helpers included) per setup. Prints min, first quartile
// and median per tree, in ms of CPU per setup. Linux only.
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const trees = [process.argv[2], process.argv[3]];
if (!trees[0] || !trees[1]) {
  console.error('usage: node --expose-gc scripts/setup-cpu-ab.mjs <treeA> <treeB> [rounds] [ms]');
  process.exit(2);
}
const rounds = Number(process.argv[4] ?? 16);
const ms = Number(process.argv[5] ?? 1200);
const TICKS_PER_SECOND = 100;

function threadCpuMs() {
  const out = new Map();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND);
    } catch {
      // the thread ended
    }
  }
  return out;
}

const sides = [];
for (const tree of trees) {
  const { startTmp2pPair, tmp2pSetups } = await import(pathToFileURL(resolve(tree, 'dist/bench/tmp2p-pair.js')).href);
  const before = new Set(readdirSync('/proc/self/task'));
  const pair = await startTmp2pPair();
  const workerThreads = readdirSync('/proc/self/task').filter((t) => !before.has(t));
  sides.push({ tree, pair, tmp2pSetups, workerThreads, results: [] });
}
for (const side of sides) await side.tmp2pSetups(side.pair.far, 8, 4000);
for (const side of sides) await side.tmp2pSetups(side.pair.far, 8, 2000);
for (let r = 0; r < rounds; r++) {
  for (const side of r % 2 ? [...sides].reverse() : sides) {
    const a = threadCpuMs();
    const u0 = process.cpuUsage();
    const { setups, seconds } = await side.tmp2pSetups(side.pair.far, 8, ms);
    const u = process.cpuUsage(u0);
    const b = threadCpuMs();
    const delta = (tid) => (b.get(tid) ?? 0) - (a.get(tid) ?? 0);
    const worker = Math.max(...side.workerThreads.map(delta));
    side.results.push({ rate: setups / seconds, main: delta(String(process.pid)) / setups, worker: worker / setups, proc: (u.user + u.system) / 1000 / setups });
  }
}
for (const side of sides) await side.pair.close();
const quantile = (values, q) => [...values].sort((x, y) => x - y)[Math.floor(q * (values.length - 1))];
for (const side of sides) {
  const f = (k) => `${k} min ${quantile(side.results.map((x) => x[k]), 0).toFixed(3)} q25 ${quantile(side.results.map((x) => x[k]), 0.25).toFixed(3)} med ${quantile(side.results.map((x) => x[k]), 0.5).toFixed(3)}`;
  console.log(`${side.tree}: rate med ${quantile(side.results.map((x) => x.rate), 0.5).toFixed(0)}/s | ${f('main')} | ${f('worker')} | ${f('proc')}`);
}
process.exit(0);

import './promise-with-resolvers.js';
import { percentile } from '../framework/util/stats.js';
import { startTmp2pPair, tmp2pMessageRate, tmp2pSetups, type MessageRound, type SetupResult } from './tmp2p-pair.js';
import { libp2pMessageRate, libp2pSetups, startLibp2pPair } from './libp2p-pair.js';
import { alternately, MAX_ROUNDS, SETTLED, type BenchRow, type Scenario } from './harness.js';

const SETUP_MS = 3000;
const SETUP_WARMUP_MS = 1000;
const SETUP_DIALERS = 8;
const BULK_MESSAGES = 200;

interface Side {
  readonly value: number;
  readonly notes: string;
}

/**
 * tmp2p and js-libp2p side by side in one run and one shape: each stack has
 * a node here and one in a worker thread over loopback TCP; the cases
 * alternate between the stacks so drift in the machine's load hits both.
 */
export const libp2pScenario: Scenario = {
  name: 'libp2p',
  description:
    'tmp2p (TCP + SecretConnection + MConnection, rate limits off, one channel) vs js-libp2p 2.10 (TCP + noise + yamux, one stream, length-prefixed messages); far node of each in a worker thread; ratios are tmp2p / js-libp2p of rates (higher = tmp2p better)',
  async run(report: (row: BenchRow) => void): Promise<void> {
    const tmp2p = await startTmp2pPair();
    const libp2p = await startLibp2pPair();
    try {
      // Warm both stacks' code paths before timing; a cold handshake path costs a stack ~40% of its first setups.
      await tmp2pMessageRate(tmp2p, 200, 20_000);
      await libp2pMessageRate(libp2p, 200, 5_000);
      // Both shapes of the setup cases: one at a time stays about 1.8× slower for tmp2p (and ~10% for
      // js-libp2p) until that path itself has run for a second or two.
      await tmp2pSetups(tmp2p.far, SETUP_DIALERS, SETUP_WARMUP_MS);
      await libp2pSetups(libp2p.far, SETUP_DIALERS, SETUP_WARMUP_MS);
      await tmp2pSetups(tmp2p.far, 1, 2 * SETUP_WARMUP_MS);
      await libp2pSetups(libp2p.far, 1, 2 * SETUP_WARMUP_MS);

      const compare = (label: string, unit: string, a: Side, b: Side, target?: string) => {
        report({ scenario: 'libp2p', case: `${label}: tmp2p`, value: a.value, unit, notes: a.notes });
        report({ scenario: 'libp2p', case: `${label}: js-libp2p`, value: b.value, unit, notes: b.notes });
        report({ scenario: 'libp2p', case: `${label}: tmp2p / js-libp2p`, value: a.value / b.value, unit: '×', notes: target });
      };

      const messages = async (pair: () => Promise<{ seconds: number; bytes: number }>, count: number): Promise<Side> => {
        const { seconds, bytes } = await pair();
        return { value: count / seconds, notes: `${(bytes / seconds / 1e6).toFixed(1)} MB/s payload, ${count.toLocaleString('en-US')} messages` };
      };
      compare(
        '200-byte messages',
        'msg/s',
        await messages(() => tmp2pMessageRate(tmp2p, 200, 300_000), 300_000),
        await messages(() => libp2pMessageRate(libp2p, 200, 100_000), 100_000),
        'target ≥ 4×',
      );

      // 1 MiB: each stack's first round (cold) and its steady rate (rounds repeated until two agree within 5 %),
      // the stacks' rounds alternating, so both get the same warm-up and the same drift of the machine's load.
      const bulkRound = async (run: () => Promise<MessageRound>): Promise<Side> => {
        const { seconds, bytes, farFullCollections } = await run();
        return {
          value: bytes / seconds / 1e6,
          notes: `${Math.round(BULK_MESSAGES / seconds)} msg/s, ${BULK_MESSAGES} messages of 1 MiB, ${farFullCollections} full collections on the receiving thread`,
        };
      };
      const tmp2pBulkRound = () => bulkRound(() => tmp2pMessageRate(tmp2p, 1024 * 1024, BULK_MESSAGES));
      const libp2pBulkRound = () => bulkRound(() => libp2pMessageRate(libp2p, 1024 * 1024, BULK_MESSAGES));
      const tmp2pCold = await tmp2pBulkRound();
      const libp2pCold = await libp2pBulkRound();
      compare('1 MiB messages (bulk), cold', 'MB/s', tmp2pCold, libp2pCold, 'the first round of each stack');
      const rounds = { tmp2p: [tmp2pCold], libp2p: [libp2pCold] };
      const settled = (values: Side[]) => values.length >= 2 && Math.abs(values.at(-1)!.value - values.at(-2)!.value) <= SETTLED * values.at(-2)!.value;
      for (let round = 2; round <= MAX_ROUNDS && !(settled(rounds.tmp2p) && settled(rounds.libp2p)); round++) {
        rounds.tmp2p.push(await tmp2pBulkRound());
        rounds.libp2p.push(await libp2pBulkRound());
      }
      // Warm: three more turns of one round each, and the turn with the median ratio (as the cometbft scenario does).
      const [{ median, ratios }] = await alternately([tmp2pBulkRound], libp2pBulkRound, (side) => side.value, 3);
      compare(
        '1 MiB messages (bulk), steady',
        'MB/s',
        { ...median!.ours, notes: `${median!.ours.notes} (warm after round ${rounds.tmp2p.length})` },
        { ...median!.theirs, notes: `${median!.theirs.notes} (warm after round ${rounds.libp2p.length})` },
        `target ≥ 1.0×: ${median!.ratio >= 1 ? 'MET' : 'MISSED'}; the median turn of ${ratios.map((r) => r.toFixed(2)).join(', ')} (tmp2p frames are 1 KiB, yamux/noise frames up to 64 KiB)`,
      );

      const latency = (r: SetupResult): Side => ({
        value: 1000 / percentile(r.latencies, 50),
        notes: `p50 ${percentile(r.latencies, 50).toFixed(2)} ms, p99 ${percentile(r.latencies, 99).toFixed(2)} ms per setup, ${r.setups} setups`,
      });
      compare(
        'setup, one at a time (1 / p50 time)',
        'setups/s',
        latency(await tmp2pSetups(tmp2p.far, 1, SETUP_MS)),
        latency(await libp2pSetups(libp2p.far, 1, SETUP_MS)),
        'target ≥ 5× (= p50 time js-libp2p / tmp2p)',
      );
      const rate = (r: SetupResult): Side => ({
        value: r.setups / r.seconds,
        notes: `${SETUP_DIALERS} dialers in this thread, p50 ${percentile(r.latencies, 50).toFixed(1)} ms each`,
      });
      compare(
        `setup rate, ${SETUP_DIALERS} in flight`,
        'setups/s',
        rate(await tmp2pSetups(tmp2p.far, SETUP_DIALERS, SETUP_MS)),
        rate(await libp2pSetups(libp2p.far, SETUP_DIALERS, SETUP_MS)),
      );
    } finally {
      await libp2p.close();
      await tmp2p.close();
    }
  },
};

import { InvalidArgumentError, type Command } from 'commander';
import { sendTx, DEFAULT_SEND_TX_TIMEOUT_MS, type SendTxResult } from '../../send-tx/send-tx.js';
import { SendTxOptionsError } from '../../send-tx/errors.js';
import { addLogOptions, loggerFromFlags, type LogFlags } from '../log-flags.js';
import { abortOnSignals } from '../interrupt.js';

interface SendTxFlags extends LogFlags {
  peer: string;
  network: string;
  wait?: boolean;
  timeout: number;
  hex?: boolean;
  json?: boolean;
}

function secondsOption(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 86_400) throw new InvalidArgumentError(`${flag} must be a number of seconds from 0 to 86400, got "${value}"`);
    return n;
  };
}

/**
 * `tmp2p send-tx`: hands one tx to a CometBFT node (or any node with the
 * mempool channel) over the p2p mempool channel, as another node's mempool
 * would gossip it; with --wait, follows verified blocks until one contains it.
 */
export function registerSendTx(program: Command): void {
  const command = program
    .command('send-tx')
    .description("gossip a tx to a node over the mempool channel (0x30); with --wait, follow verified blocks until one contains it")
    .argument('<tx>', 'the tx: text sent as UTF-8 (the kvstore app takes key=value), or hex bytes with --hex')
    .requiredOption('--peer <id@host:port>', "the node to send to: its node ID and P2P address")
    .requiredOption('--network <chain-id>', "the node's network (chain id)")
    .option('--wait', 'wait until a verified block contains the tx; print its height and hash')
    .option('--timeout <seconds>', 'give up after this long (connect, delivery and --wait together; 0 = never)', secondsOption('--timeout'), DEFAULT_SEND_TX_TIMEOUT_MS / 1000)
    .option('--hex', 'the tx argument is hex-encoded bytes')
    .option('--json', 'print the result as one JSON object');
  addLogOptions(command, 'warn').action(async (tx: string, flags: SendTxFlags) => {
    const interrupt = abortOnSignals();
    try {
      const result = await sendTx(
        {
          peer: flags.peer,
          network: flags.network,
          tx: flags.hex ? hexBytes(tx) : tx,
          wait: flags.wait ?? false,
          timeoutMs: flags.timeout * 1000,
          logger: loggerFromFlags(flags, 'warn'),
        },
        { signal: interrupt.signal },
      );
      process.stdout.write(flags.json ? JSON.stringify(jsonResult(result)) + '\n' : describe(result));
    } finally {
      interrupt.dispose();
    }
  });
}

function hexBytes(text: string): Uint8Array {
  const hex = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text;
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new SendTxOptionsError(`--hex: the tx is not an even number of hex digits: ${JSON.stringify(text.slice(0, 80))}`);
  return Buffer.from(hex, 'hex');
}

function jsonResult(r: SendTxResult): Record<string, unknown> {
  return { hash: r.hash, peer: r.peer, ...(r.block ? { height: r.block.height, blockHash: r.block.hash } : {}) };
}

function describe(r: SendTxResult): string {
  if (r.block === undefined) return `tx ${r.hash} delivered to ${r.peer}\n`;
  return `tx ${r.hash} committed at height ${r.block.height} in block ${r.block.hash}\n`;
}

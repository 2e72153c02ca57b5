import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PeerRecord } from '../../framework/peer/peer-store.js';
import type { PeerManagerLogger } from '../../framework/peer/types.js';

/*
 * What LevelDB does not tell on its own about a damaged database directory.
 * Without paranoid checks (classic-level offers none), LevelDB opens a
 * directory whose CURRENT is gone as a new, empty database (and then deletes
 * the old tables as obsolete), and skips write-log records that fail their
 * checksum with only a line in its LOG file. These helpers find both, so the
 * store can repair instead of starting on a truncated store in silence.
 */

/** LevelDB's data files: tables, write logs and manifests (not LOG, LOCK or CURRENT). */
const DATA_FILE_RE = /^(?:\d+\.(?:ldb|sst|log)|MANIFEST-\d+)$/;
/** How much of LevelDB's LOG is read: one open writes a few lines. */
const MAX_INFO_LOG_BYTES = 1024 * 1024;

/**
 * Damage visible before opening: CURRENT missing while data files remain, or
 * CURRENT naming a manifest that is gone. Returns what is wrong, or undefined.
 */
export async function inspectLevelDirectory(path: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(path);
  } catch {
    return undefined; // no directory yet: a new store
  }
  const dataFiles = names.filter((name) => DATA_FILE_RE.test(name));
  if (!names.includes('CURRENT')) {
    return dataFiles.length > 0 ? `CURRENT is missing but ${dataFiles.length} LevelDB data files remain` : undefined;
  }
  const current = (await readFile(join(path, 'CURRENT'), 'utf8').catch(() => '')).trim();
  // Garbage in CURRENT is LevelDB's to report (as corruption, at open).
  if (/^MANIFEST-\d+$/.test(current) && !names.includes(current)) return `CURRENT names ${current}, which is missing`;
  return undefined;
}

/**
 * Whether a LevelDB failure means damaged files rather than a locked,
 * unreadable or missing store: corruption, or an I/O error on one of its
 * data files (a truncated or vanished table).
 */
export function isLevelDamage(error: unknown): boolean {
  const code = levelCode(error);
  if (code === 'LEVEL_CORRUPTION') return true;
  if (code !== 'LEVEL_IO_ERROR') return false;
  const message = levelMessage(error);
  return /\/(?:\d+\.(?:ldb|sst|log)|MANIFEST-\d+):/.test(message);
}

/** The code of LevelDB's underlying failure (open wraps it in LEVEL_DATABASE_NOT_OPEN). */
export function levelCode(error: unknown): string | undefined {
  const e = error as { code?: string; cause?: { code?: string } };
  return e?.cause?.code ?? e?.code;
}

/** LevelDB's own message, under any wrapper. */
export function levelMessage(error: unknown): string {
  const e = error as { message?: string; cause?: { message?: string } };
  return e?.cause?.message ?? e?.message ?? String(error);
}

/** Write-log bytes LevelDB reports in its LOG files as dropped ("dropping N bytes; Corruption: …"). */
export interface DroppedLogBytes {
  readonly bytes: number;
  /** LevelDB's reasons, e.g. "Corruption: checksum mismatch". */
  readonly reasons: readonly string[];
}

/**
 * What LevelDB dropped while opening (its LOG) and, after a repair, while
 * repairing (the repair's log, which the open after it rotated to LOG.old).
 */
export async function droppedLogBytes(path: string, options: { afterRepair: boolean }): Promise<DroppedLogBytes> {
  const files = options.afterRepair ? ['LOG', 'LOG.old'] : ['LOG'];
  let bytes = 0;
  const reasons = new Set<string>();
  for (const file of files) {
    const text = await readHead(join(path, file));
    for (const match of text.matchAll(/dropping (\d+) bytes; ([^\n]*)/g)) {
      bytes += Number(match[1]);
      reasons.add(match[2]!.trim());
    }
  }
  return { bytes, reasons: [...reasons] };
}

/** Files LevelDB's repair moved into `<path>/lost` (it never deletes them). */
export async function lostFileCount(path: string): Promise<number> {
  return (await readdir(join(path, 'lost')).catch(() => [])).length;
}

async function readHead(file: string): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return '';
  }
  try {
    const buffer = Buffer.alloc(Math.min((await handle.stat()).size, MAX_INFO_LOG_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('latin1');
  } finally {
    await handle.close();
  }
}

/** What a load read from the database. */
export interface StoreContents {
  readonly records: PeerRecord[];
  readonly corrupt: number;
  /** Every key under the record prefix, valid or not. */
  readonly keys: Set<string>;
}

/** The outcome of a repair, as the load after it found it. */
export interface LevelRepairReport {
  /** What was wrong, e.g. "Corruption: block checksum mismatch" or "CURRENT is missing …". */
  readonly reason: string;
  /** Valid records loaded after the repair. */
  readonly recovered: number;
  /** Records skipped by that load because they did not parse or validate. */
  readonly corrupt: number;
  /** Records the store counted at its last write before the damage; absent when it kept no count. */
  readonly expected?: number;
  /** expected − (recovered + corrupt), when known. */
  readonly lost?: number;
  /** Files LevelDB set aside in `<path>/lost` (damaged tables, replaced logs and manifests). */
  readonly lostFiles: number;
}

/** Warns with the counts of what a repair recovered and lost; returns the report. */
export async function reportRepair(
  log: PeerManagerLogger,
  path: string,
  reason: string,
  read: StoreContents,
  expected: number | undefined,
): Promise<LevelRepairReport> {
  const recovered = read.records.length;
  const lost = expected !== undefined ? Math.max(0, expected - read.keys.size) : undefined;
  const report: LevelRepairReport = { reason, recovered, corrupt: read.corrupt, ...(expected !== undefined ? { expected, lost } : {}), lostFiles: await lostFileCount(path) };
  const counts =
    expected !== undefined
      ? `${recovered} of ${expected} records recovered, ${lost} lost`
      : `${recovered} records recovered (how many were lost is unknown: the store had not counted its records)`;
  const lostDirectory = join(path, 'lost');
  log.warn({ path, ...report, lostDirectory }, `peer store repaired: ${counts}, ${read.corrupt} corrupt skipped; LevelDB kept the files it set aside in ${lostDirectory}`);
  return report;
}

/** Warns when LevelDB skipped write-log records that failed their checksum (those writes are lost); returns the bytes. */
export async function warnDroppedLog(log: PeerManagerLogger, path: string, options: { afterRepair: boolean }): Promise<number> {
  const dropped = await droppedLogBytes(path, options);
  if (dropped.bytes === 0) return 0;
  log.warn(
    { path, droppedBytes: dropped.bytes, reasons: dropped.reasons },
    `LevelDB dropped ${dropped.bytes} bytes of its write log (${dropped.reasons.join('; ')}): the most recent peer store writes in them are lost`,
  );
  return dropped.bytes;
}

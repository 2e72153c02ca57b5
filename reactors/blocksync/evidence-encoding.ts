import { ripemd160 } from '@noble/hashes/legacy.js';
import type { tendermint } from '../../proto/gen/messages.js';
import { encodeBlockId, encodeCommit, encodeHeader, encodeTimestamp } from './canonical-encoding.js';
import { sha256 } from './merkle.js';
import { encodeWith, type ProtoWriter } from './proto-writer.js';
import { BlockEncodingError } from './errors.js';

/**
 * CometBFT's encodings of block evidence, as it re-creates them after
 * decoding a block (the bytes its evidence hash and block parts are taken
 * over). Upstream's decode-then-encode normalises two things we must
 * mirror: a validator's address is derived again from its public key, and
 * a validator set's total voting power is written as 0.
 */
type Evidence = tendermint.types.Evidence.$Properties;
type DuplicateVoteEvidence = tendermint.types.DuplicateVoteEvidence.$Properties;
type LightClientAttackEvidence = tendermint.types.LightClientAttackEvidence.$Properties;
type Vote = tendermint.types.Vote.$Properties;
type LightBlock = tendermint.types.LightBlock.$Properties;
type SignedHeader = tendermint.types.SignedHeader.$Properties;
type ValidatorSet = tendermint.types.ValidatorSet.$Properties;
type Validator = tendermint.types.Validator.$Properties;
type PublicKey = tendermint.crypto.PublicKey.$Properties;

const ED25519_KEY_LENGTH = 32;
const SECP256K1_KEY_LENGTH = 33;
const ADDRESS_LENGTH = 20;

/** Writes a nullable sub-message: only when present, as gogoproto does for a pointer field. */
function optional<T>(w: ProtoWriter, field: number, value: T | null | undefined, encode: (value: T) => Uint8Array): ProtoWriter {
  if (value !== null && value !== undefined) w.message(field, encode(value));
  return w;
}

/** `tendermint.types.Evidence`, the oneof wrapper a block's evidence list holds. */
export function encodeEvidence(ev: Evidence): Uint8Array {
  const kind = evidenceKind(ev);
  return encodeWith((w) => {
    if (kind === 'duplicateVoteEvidence') w.message(1, encodeDuplicateVoteEvidence(ev.duplicateVoteEvidence!));
    else w.message(2, encodeLightClientAttackEvidence(ev.lightClientAttackEvidence!));
  });
}

/**
 * The bytes an evidence's entry in the evidence hash is taken over: the
 * encoding of the evidence itself, not of its oneof wrapper.
 */
export function evidenceBytes(ev: Evidence): Uint8Array {
  return evidenceKind(ev) === 'duplicateVoteEvidence'
    ? encodeDuplicateVoteEvidence(ev.duplicateVoteEvidence!)
    : encodeLightClientAttackEvidence(ev.lightClientAttackEvidence!);
}

function evidenceKind(ev: Evidence): 'duplicateVoteEvidence' | 'lightClientAttackEvidence' {
  const kind = ev.sum ?? (ev.duplicateVoteEvidence != null ? 'duplicateVoteEvidence' : ev.lightClientAttackEvidence != null ? 'lightClientAttackEvidence' : undefined);
  if (kind === undefined) throw new BlockEncodingError('an evidence entry holds neither duplicate-vote nor light-client-attack evidence');
  return kind;
}

export function encodeDuplicateVoteEvidence(e: DuplicateVoteEvidence): Uint8Array {
  // Upstream refuses duplicate-vote evidence without both votes when it decodes a block.
  if (e.voteA == null || e.voteB == null) throw new BlockEncodingError('duplicate-vote evidence lacks one of its votes');
  return encodeWith((w) => {
    optional(w, 1, e.voteA, encodeVote);
    optional(w, 2, e.voteB, encodeVote);
    w.varint(3, e.totalVotingPower).varint(4, e.validatorPower).message(5, encodeTimestamp(e.timestamp));
  });
}

export function encodeLightClientAttackEvidence(e: LightClientAttackEvidence): Uint8Array {
  return encodeWith((w) => {
    optional(w, 1, e.conflictingBlock, encodeLightBlock);
    w.varint(2, e.commonHeight);
    for (const v of e.byzantineValidators ?? []) w.message(3, encodeValidator(v));
    w.varint(4, e.totalVotingPower).message(5, encodeTimestamp(e.timestamp));
  });
}

/** `tendermint.types.Vote`: block_id and timestamp always written (non-nullable). */
export function encodeVote(v: Vote): Uint8Array {
  return encodeWith((w) =>
    w
      .varint(1, v.type)
      .varint(2, v.height)
      .varint(3, v.round)
      .message(4, encodeBlockId(v.blockId))
      .message(5, encodeTimestamp(v.timestamp))
      .bytes(6, v.validatorAddress)
      .varint(7, v.validatorIndex)
      .bytes(8, v.signature)
      .bytes(9, v.extension)
      .bytes(10, v.extensionSignature),
  );
}

function encodeLightBlock(b: LightBlock): Uint8Array {
  return encodeWith((w) => {
    optional(w, 1, b.signedHeader, encodeSignedHeader);
    optional(w, 2, b.validatorSet, encodeValidatorSet);
  });
}

function encodeSignedHeader(s: SignedHeader): Uint8Array {
  return encodeWith((w) => {
    optional(w, 1, s.header, encodeHeader);
    optional(w, 2, s.commit, encodeCommit);
  });
}

/** Upstream recomputes the total voting power on decode and writes 0 in its place on encode. */
function encodeValidatorSet(s: ValidatorSet): Uint8Array {
  return encodeWith((w) => {
    for (const v of s.validators ?? []) w.message(1, encodeValidator(v));
    optional(w, 2, s.proposer, encodeValidator);
  });
}

/** `tendermint.types.Validator` with the address derived from the key, as upstream re-creates it. */
function encodeValidator(v: Validator): Uint8Array {
  const { key, address } = validatorKey(v.pubKey);
  return encodeWith((w) => w.bytes(1, address).message(2, key).varint(3, v.votingPower).varint(4, v.proposerPriority));
}

function validatorKey(pk: PublicKey | null | undefined): { key: Uint8Array; address: Uint8Array } {
  const kind = pk?.sum ?? (pk?.ed25519 != null ? 'ed25519' : pk?.secp256k1 != null ? 'secp256k1' : undefined);
  if (kind === 'ed25519') {
    const bytes = pk!.ed25519!;
    if (bytes.length !== ED25519_KEY_LENGTH) throw new BlockEncodingError(`an evidence validator's ed25519 key is ${bytes.length} bytes, not ${ED25519_KEY_LENGTH}`);
    return { key: encodeWith((w) => w.message(1, bytes)), address: sha256(bytes).subarray(0, ADDRESS_LENGTH) };
  }
  if (kind === 'secp256k1') {
    const bytes = pk!.secp256k1!;
    if (bytes.length !== SECP256K1_KEY_LENGTH) throw new BlockEncodingError(`an evidence validator's secp256k1 key is ${bytes.length} bytes, not ${SECP256K1_KEY_LENGTH}`);
    return { key: encodeWith((w) => w.message(2, bytes)), address: ripemd160(sha256(bytes)) };
  }
  throw new BlockEncodingError('an evidence validator has no public key of a known type');
}

import { tendermint } from '../../proto/gen/messages.js';
import { defineChannel } from '../../framework/router/channel-definition.js';
import { oneofWrapper } from '../../framework/router/message-type.js';

export const NewRoundStep = tendermint.consensus.NewRoundStep;
export type NewRoundStep = tendermint.consensus.NewRoundStep;
export const NewValidBlock = tendermint.consensus.NewValidBlock;
export type NewValidBlock = tendermint.consensus.NewValidBlock;
export const HasVote = tendermint.consensus.HasVote;
export type HasVote = tendermint.consensus.HasVote;
export const VoteSetMaj23 = tendermint.consensus.VoteSetMaj23;
export type VoteSetMaj23 = tendermint.consensus.VoteSetMaj23;
export const VoteSetBits = tendermint.consensus.VoteSetBits;
export type VoteSetBits = tendermint.consensus.VoteSetBits;
/** `tendermint.consensus.Proposal` (a data-channel message; named apart from `tendermint.types.Proposal`). */
export const ConsensusProposal = tendermint.consensus.Proposal;
export type ConsensusProposal = tendermint.consensus.Proposal;
export const ProposalPOL = tendermint.consensus.ProposalPOL;
export type ProposalPOL = tendermint.consensus.ProposalPOL;
export const BlockPart = tendermint.consensus.BlockPart;
export type BlockPart = tendermint.consensus.BlockPart;
/** `tendermint.consensus.Vote` (a vote-channel message; named apart from `tendermint.types.Vote`). */
export const ConsensusVote = tendermint.consensus.Vote;
export type ConsensusVote = tendermint.consensus.Vote;
/** CometBFT v0.38's `tendermint.consensus.Message`, the oneof every consensus channel carries. */
export const ConsensusWireMessage = tendermint.consensus.Message;
export type ConsensusWireMessage = tendermint.consensus.Message;

/** Whatever the state channel may carry once the oneof is unwrapped. */
export type ConsensusStateMessage =
  | NewRoundStep
  | NewValidBlock
  | HasVote
  | VoteSetMaj23
  | VoteSetBits
  | ConsensusProposal
  | ProposalPOL
  | BlockPart
  | ConsensusVote;

/** CometBFT's consensus StateChannel. The data (0x21), vote (0x22) and vote-set-bits (0x23) channels are a validator's and never opened. */
export const CONSENSUS_STATE_CHANNEL_ID = 0x20;

/** CometBFT's `maxMsgSize` for every consensus channel; bigger messages close the connection. */
export const CONSENSUS_RECV_MESSAGE_CAPACITY = 1_048_576;

/**
 * Descriptor values are CometBFT v0.38's StateChannel (consensus reactor
 * GetChannels: priority 6, send queue 100, receive limit 1 MiB). Every
 * message type decodes, so nothing a CometBFT peer says here is an
 * "unknown message"; messages that belong on the other channels are
 * ignored, as upstream ignores them on this one.
 */
export const ConsensusStateChannel = defineChannel({
  id: CONSENSUS_STATE_CHANNEL_ID,
  name: 'consensus-state',
  messageType: ConsensusWireMessage,
  wrapper: oneofWrapper(ConsensusWireMessage, {
    newRoundStep: NewRoundStep,
    newValidBlock: NewValidBlock,
    proposal: ConsensusProposal,
    proposalPol: ProposalPOL,
    blockPart: BlockPart,
    vote: ConsensusVote,
    hasVote: HasVote,
    voteSetMaj23: VoteSetMaj23,
    voteSetBits: VoteSetBits,
  }),
  priority: 6,
  sendQueueCapacity: 100,
  recvBufferCapacity: 100 * 100,
  recvMessageCapacity: CONSENSUS_RECV_MESSAGE_CAPACITY,
  // A validator sends a handful of messages per peer per round step; this bounds a burst from many peers.
  recvQueueCapacity: 1024,
});

/**
 * CometBFT's round steps (`RoundStepType`), as NewRoundStep carries them.
 * A listener only ever announces `NewHeight`: it waits for the next block.
 */
export const ROUND_STEPS = ['NewHeight', 'NewRound', 'Propose', 'Prevote', 'PrevoteWait', 'Precommit', 'PrecommitWait', 'Commit'] as const;
export type RoundStepName = (typeof ROUND_STEPS)[number];

/** `RoundStepNewHeight`: waiting for the next height to start (what a node that just committed a block says). */
export const STEP_NEW_HEIGHT = 1;

/** The name of a valid step (1..8), else undefined. */
export function roundStepName(step: number): RoundStepName | undefined {
  return Number.isInteger(step) && step >= 1 && step <= ROUND_STEPS.length ? ROUND_STEPS[step - 1] : undefined;
}

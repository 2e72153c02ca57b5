/**
 * A number that changes once per event-loop turn, for "at most once per
 * turn" decisions without a timer per connection: one shared setImmediate,
 * armed only in turns where someone asked, moves it on at the turn's check
 * phase. Each thread (worker or main) has its own.
 */
let turn = 0;
let armed = false;

function advance(): void {
  turn++;
  armed = false;
}

/** The current turn's number; the next turn (after this one's immediates) has another. */
export function currentTurn(): number {
  if (!armed) {
    armed = true;
    setImmediate(advance);
  }
  return turn;
}

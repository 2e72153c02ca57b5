/**
 * An AbortSignal that the first SIGINT or SIGTERM aborts, for a command that
 * winds down cleanly when asked. The listeners are `once`: a second signal
 * meets Node's default and ends the process, so Ctrl-C always works.
 * `dispose()` removes them when the command is done.
 */
export function abortOnSignals(): { readonly signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    },
  };
}

/** One call to a recording logger (`msg` is '' when none was given). */
export interface RecordedLine {
  readonly level: string;
  readonly obj: Record<string, unknown>;
  readonly msg: string;
}

/** A logger that keeps every call, for tests that check what a component logged. */
export function recordingLogger() {
  const lines: RecordedLine[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj: obj as Record<string, unknown>, msg: msg ?? '' });
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

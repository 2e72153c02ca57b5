import { parse as parseToml } from 'smol-toml';
import { TomlEditError } from './errors.js';

/** A value we can write into CometBFT's config.toml (it only needs scalars for our edits). */
export type TomlScalar = string | number | boolean;

/**
 * Edits keyed by `"section.key"` (e.g. `"p2p.laddr"`); a key without a dot is a top-level key
 * (e.g. `"log_level"`). For a dotted section (`[a.b]`) use `"a.b.key"`: the last dot splits.
 */
export type TomlEdits = Readonly<Record<string, TomlScalar>>;

const BARE_SEGMENT = /^[A-Za-z0-9_-]+$/;
const HEADER_LINE = /^\s*(\[\[?)\s*([^\]#]*?)\s*(\]\]?)\s*(#.*)?$/;
const KEY_LINE = /^(\s*)([A-Za-z0-9_.-]+|"[^"\\]*"|'[^']*')\s*=\s*/;

interface ParsedEdit {
  readonly path: string;
  readonly section: string;
  readonly key: string;
  readonly value: TomlScalar;
}

interface KeySpan {
  readonly first: number;
  readonly last: number;
  readonly indent: string;
}

interface SectionInfo {
  /** Line after which new keys of this section are inserted (the header for an empty section). */
  insertAfter: number;
  readonly keys: Map<string, KeySpan>;
}

/** Renders a scalar as TOML. Strings become basic strings (JSON escapes are valid TOML escapes). */
export function formatTomlValue(value: TomlScalar, path = 'value'): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TomlEditError(`${path}: number must be finite, got ${value}`);
    return String(value);
  }
  if (typeof value !== 'string') {
    throw new TomlEditError(`${path}: value must be a string, number or boolean, got ${typeof value}`);
  }
  // JSON leaves DEL unescaped but TOML forbids it raw in basic strings.
  return JSON.stringify(value).replace(/\x7f/g, '\\u007f');
}

/**
 * Sets keys in a TOML document, preserving every other line (comments included). Existing keys are
 * replaced in place inside the right `[section]`; missing keys are added at the end of their section;
 * missing sections are appended. The result is re-parsed and every edit read back, so a document this
 * line-based editor misunderstood is reported instead of silently written.
 */
export function setTomlKeys(text: string, edits: TomlEdits): string {
  const parsed = Object.entries(edits).map(([path, value]) => parseEdit(path, value));
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  // A trailing newline yields one empty last element; keep it out of the scan and restore it later.
  const hadTrailingNewline = lines.length > 0 && lines[lines.length - 1] === '';
  if (hadTrailingNewline) lines.pop();

  const sections = scanSections(lines);
  const replaced = new Map<number, { last: number; text: string }>();
  const insertedAfter = new Map<number, string[]>();
  const appended = new Map<string, string[]>();

  for (const edit of parsed) {
    const rendered = formatTomlValue(edit.value, edit.path);
    const section = sections.get(edit.section);
    const span = section?.keys.get(edit.key);
    if (span) {
      replaced.set(span.first, { last: span.last, text: `${span.indent}${edit.key} = ${rendered}` });
    } else if (section) {
      const list = insertedAfter.get(section.insertAfter) ?? [];
      list.push(`${edit.key} = ${rendered}`);
      insertedAfter.set(section.insertAfter, list);
    } else {
      const list = appended.get(edit.section) ?? [];
      list.push(`${edit.key} = ${rendered}`);
      appended.set(edit.section, list);
    }
  }

  const out: string[] = [...(insertedAfter.get(-1) ?? [])];
  for (let i = 0; i < lines.length; i++) {
    const replacement = replaced.get(i);
    if (replacement) {
      out.push(replacement.text);
      // Continuation lines of a multi-line value belong to the replaced key; insertion points are
      // only ever a header or the last line of a value, so none is skipped here.
      i = replacement.last;
    } else {
      out.push(lines[i]!);
    }
    insertedAfter.get(i)?.forEach((l) => out.push(l));
  }
  for (const [section, keyLines] of appended) {
    out.push('', `[${section}]`, ...keyLines);
  }
  const result = out.join(eol) + (hadTrailingNewline || appended.size > 0 ? eol : '');
  verify(result, parsed);
  return result;
}

function parseEdit(path: string, value: TomlScalar): ParsedEdit {
  const segments = path.split('.');
  if (path.length === 0 || !segments.every((s) => BARE_SEGMENT.test(s))) {
    throw new TomlEditError(
      `invalid config key "${path}": use "section.key" or "key", each part made of [A-Za-z0-9_-]`,
    );
  }
  const key = segments.pop()!;
  return { path, section: segments.join('.'), key, value };
}

function scanSections(lines: readonly string[]): Map<string, SectionInfo> {
  const sections = new Map<string, SectionInfo>();
  // Top-level keys are inserted before the first line when the document starts with a header.
  let current: SectionInfo = { insertAfter: -1, keys: new Map() };
  sections.set('', current);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const header = HEADER_LINE.exec(line);
    if (header && !KEY_LINE.test(line)) {
      const name = header[2]!.split('.').map((s) => s.trim()).join('.');
      // Arrays of tables have several instances; never match them, so edits cannot pick one at random.
      const id = header[1] === '[[' ? `[[${name}]]#${i}` : name;
      current = sections.get(id) ?? { insertAfter: i, keys: new Map() };
      sections.set(id, current);
      continue;
    }
    const keyMatch = KEY_LINE.exec(line);
    if (!keyMatch) continue;
    const rawKey = keyMatch[2]!;
    const key = /^["']/.test(rawKey) ? rawKey.slice(1, -1) : rawKey;
    const last = valueEndLine(lines, i, keyMatch[0].length);
    if (!current.keys.has(key)) current.keys.set(key, { first: i, last, indent: keyMatch[1]! });
    current.insertAfter = last;
    i = last;
  }
  return sections;
}

type StringState = null | '"' | "'" | '"""' | "'''";

/** Index of the line where the value starting at (`start`, `col`) ends (multi-line arrays/strings). */
function valueEndLine(lines: readonly string[], start: number, col: number): number {
  let depth = 0;
  let str: StringState = null;
  for (let n = start; n < lines.length; n++) {
    const line = lines[n]!;
    let i = n === start ? col : 0;
    while (i < line.length) {
      const c = line[i]!;
      if (str === '"' || str === '"""') {
        if (c === '\\') i += 2;
        else if (str === '"""' && line.startsWith('"""', i)) (str = null), (i += 3);
        else if (str === '"' && c === '"') (str = null), i++;
        else i++;
      } else if (str === "'" || str === "'''") {
        if (str === "'''" && line.startsWith("'''", i)) (str = null), (i += 3);
        else if (str === "'" && c === "'") (str = null), i++;
        else i++;
      } else if (c === '#') {
        break;
      } else if (line.startsWith('"""', i) || line.startsWith("'''", i)) {
        str = line.slice(i, i + 3) as StringState;
        i += 3;
      } else {
        if (c === '"' || c === "'") str = c;
        else if (c === '[' || c === '{') depth++;
        else if (c === ']' || c === '}') depth--;
        i++;
      }
    }
    // Single-line strings cannot span lines; an unterminated one is left for the parser to reject.
    if (str === '"' || str === "'") str = null;
    if (str === null && depth <= 0) return n;
  }
  return lines.length - 1;
}

function verify(result: string, edits: readonly ParsedEdit[]): void {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(result) as Record<string, unknown>;
  } catch (cause) {
    throw new TomlEditError(`config.toml is not valid TOML after applying edits: ${String(cause)}`, { cause });
  }
  for (const edit of edits) {
    let node: unknown = doc;
    for (const segment of edit.path.split('.')) {
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    }
    const readBack = typeof node === 'bigint' ? Number(node) : node;
    if (readBack !== edit.value) {
      throw new TomlEditError(
        `config edit "${edit.path}" = ${JSON.stringify(edit.value)} did not take effect: ` +
          `the rewritten file has ${JSON.stringify(readBack)}`,
      );
    }
  }
}

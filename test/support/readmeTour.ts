import { isDeepStrictEqual } from 'node:util';
/**
 * The README's commands and outputs, as a test reads them. A code block's lines that start with `$ `
 * are commands; the lines after one, up to the next command or the end of the block, are the output
 * the README claims for it. `…` stands for text left out: inside a line it matches anything, and a line
 * that is only `…` matches any number of lines.
 */

export interface Section {
  heading: string;
  level: number;
  body: string;
}

export interface ShownCommand {
  /** The heading of the section the block is in. */
  section: string;
  command: string;
  output: string[];
}

export interface CodeBlock {
  section: string;
  info: string;
  lines: string[];
  /** The fence's indentation (a block inside a list item), taken off each line. */
  indent: number;
}

/** The README's code blocks, each with the heading above it; fences must be balanced. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let section = '';
  let open: CodeBlock | undefined;
  for (const line of markdown.split('\n')) {
    const fence = /^(\s*)```(.*)$/.exec(line);
    if (fence) {
      if (open) {
        blocks.push(open);
        open = undefined;
      } else {
        open = { section, info: (fence[2] ?? '').trim(), lines: [], indent: (fence[1] ?? '').length };
      }
      continue;
    }
    if (open) {
      const indent = open.indent;
      open.lines.push(line.slice(Math.min(indent, line.length - line.trimStart().length)));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) section = heading[2] ?? '';
  }
  if (open) throw new Error(`unclosed code fence in section "${open.section}"`);
  return blocks;
}

/** Headings outside code blocks, in order. */
export function headings(markdown: string): string[] {
  const found: string[] = [];
  let inBlock = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) inBlock = !inBlock;
    else if (!inBlock && /^#{1,6}\s/.test(line)) found.push(line.trim());
  }
  return found;
}

/** Every `$ ` command of the blocks, with the output shown under it. */
export function shownCommands(blocks: CodeBlock[]): ShownCommand[] {
  const commands: ShownCommand[] = [];
  for (const block of blocks) {
    let current: ShownCommand | undefined;
    for (const line of block.lines) {
      if (line.startsWith('$ ')) {
        current = { section: block.section, command: line.slice(2), output: [] };
        commands.push(current);
      } else if (current && line.trim() !== '') {
        current.output.push(line);
      }
    }
  }
  return commands;
}

/** Timings and instants differ between runs; everything else must be as shown. */
export function normalize(line: string): string {
  return line
    .replace(/\(\+?\d+ ms\)/g, '(N ms)')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, 'TIME')
    .trimEnd();
}

function linePattern(expected: string): RegExp {
  const parts = normalize(expected)
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}

/**
 * Whether an output line is the one the README shows: by its text (`…` standing for left-out text), or,
 * when both are whole JSON documents, by their parsed values: DynamoDB returns a map's keys in an order
 * of its own (dynalite keeps the order they were written in), and JSON does not order keys.
 */
export function lineMatches(expected: string, actual: string): boolean {
  if (linePattern(expected).test(actual)) return true;
  const shown = parseJson(normalize(expected));
  return shown !== undefined && isDeepStrictEqual(shown, parseJson(actual));
}

function parseJson(text: string): unknown {
  if (!/^[[{]/.test(text.trim())) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Whether `actual` output matches the `expected` lines as the README shows them: the same lines in the
 * same order, `…` standing for left-out text (`lineMatches`). Answers the first expected line that found no match.
 */
export function outputMismatch(expected: string[], actual: string[]): string | undefined {
  const got = actual.map(normalize).filter((line) => line !== '');
  let at = 0;
  let skipping = false;
  for (const line of expected) {
    if (line.trim() === '…') {
      skipping = true;
      continue;
    }
    if (skipping) {
      while (at < got.length && !lineMatches(line, got[at] ?? '')) at += 1;
      if (at >= got.length) return line;
    } else if (!lineMatches(line, got[at] ?? '')) {
      return line;
    }
    at += 1;
    skipping = false;
  }
  return undefined;
}

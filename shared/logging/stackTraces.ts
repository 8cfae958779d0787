import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';

/**
 * Stack traces of a bundled function through its index.js.map, read when a stack trace is first
 * formatted rather than at every cold start.
 *
 * Node's `--enable-source-maps` does the mapping, but it pays at load: it reads and parses the map
 * and walks every character of the bundle (to cache line lengths) before the handler has run, about
 * 20-30 ms of a 550 KiB bundle's load (bench/bundles.ts). Here nothing happens at load but one `stat`;
 * the map is read on the first stack trace formatted, which is an error's, and then kept.
 *
 * Frames in `bundleFile` read `at name (functions/executor/handler.ts:12:5)`: the original file
 * (leading `../` dropped), line and column, and the function's original name where its caller is in
 * the bundle too (the name at the call site, as Node finds it; else the minified one); other frames
 * are printed as V8 prints them.
 *
 * Installs only where `bundleFile.map` exists (a bundle: tests and local runs load the sources and
 * keep their own stack traces) and Node does not map stack traces itself. Returns whether it did.
 */
export function mapBundleStackTraces(bundleFile: string): boolean {
  const mapFile = `${bundleFile}.map`;
  if (installedFor.has(bundleFile) || (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled || !existsSync(mapFile)) return false;
  installedFor.add(bundleFile);
  let map: SourceMap | null | undefined;
  const sourceMap = (): SourceMap | null => {
    if (map === undefined) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')));
      } catch {
        map = null;
      }
    }
    return map;
  };
  const before = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, frames) => {
    // Another bundle's frames (or none of this one's): the formatter installed before this one.
    if (before && !frames.some((frame) => frame.getFileName() === bundleFile)) return before(error, frames);
    return `${header(error)}${frames.map((frame, i) => `\n    at ${formatFrame(frame, frames[i + 1], bundleFile, sourceMap)}`).join('')}`;
  };
  return true;
}

const installedFor = new Set<string>();

/** `Name: message`, as V8 heads a stack trace. */
function header(error: Error): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return 'Error';
  }
}

type SourceMapping = ReturnType<SourceMap['findEntry']>;

function lookup(frame: NodeJS.CallSite | undefined, bundleFile: string, sourceMap: () => SourceMap | null): SourceMapping | undefined {
  if (!frame || frame.getFileName() !== bundleFile) return undefined;
  const line = frame.getLineNumber();
  const column = frame.getColumnNumber();
  const map = line && column ? sourceMap() : null;
  return map && line && column ? map.findEntry(line - 1, column - 1) : undefined;
}

function formatFrame(
  frame: NodeJS.CallSite,
  caller: NodeJS.CallSite | undefined,
  bundleFile: string,
  sourceMap: () => SourceMap | null,
): string {
  const entry = lookup(frame, bundleFile, sourceMap);
  if (!entry || !('originalSource' in entry) || !entry.originalSource) return String(frame);
  const file = entry.originalSource.replace(/^(?:\.\.\/)+/, '');
  // The function's own name is the one its caller's call site has in the map (as Node finds it).
  const callerEntry = lookup(caller, bundleFile, sourceMap);
  const name = (callerEntry && 'name' in callerEntry && callerEntry.name) || frame.getFunctionName() || '<anonymous>';
  return `${frame.isAsync() ? 'async ' : ''}${name} (${file}:${entry.originalLine + 1}:${entry.originalColumn + 1})`;
}

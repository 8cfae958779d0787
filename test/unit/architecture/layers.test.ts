import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The folders of shared/, lowest first. A file may import from its own folder and from the folders
 * before it, never from one after it: the vocabulary (domain/) knows nothing of the rest, the flow
 * schema nothing of the engine, the engine nothing of the store, and webhook intake (intake/) sits
 * above all it ties together. A new folder goes into this list where its imports allow.
 */
const LAYERS = [
  'domain', // channel kinds, chat types, ids, inbound events, sessions and bindings: the vocabulary
  'logging', // the logger, metrics, and values made safe for a log line
  'config', // the environment, AWS clients
  'privacy', // which values are personal, and how they are masked
  'http', // the guarded outbound caller, signing
  'messages', // the channel-neutral message model
  'templating', // Liquid with limits, secrets bound to hosts
  'callbacks', // a card's callback: its one-use id and URL, the brand's signature on it
  'flow', // flow and block schemas, their validation, condition patterns
  'connections', // a brand API by name
  'health', // a card's health from its execution log entries
  'import', // a card from a curl line or an OpenAPI operation
  'channels', // LINE and Messenger: signatures, webhook parsing, rendering, API clients
  'engine', // running a turn: triggers, cards, answers; which flows may share a channel
  'store', // DynamoDB repositories
  'jobs', // the turn job and its FIFO queue, callback timeouts, the executor's fair share
  'intake', // a webhook's events become queued turns
  'lambda', // API Gateway plumbing for the handlers
] as const;

const shared = path.join(__dirname, '..', '..', '..', 'shared');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The relative module names a file imports or re-exports (`import … from './x'`, `export … from '../y'`, `import('./z')`). */
function relativeImports(source: string): string[] {
  const statements =
    /(?:^|[\n;])\s*(?:import|export)\b[^;'"]*?from\s*'(\.[^']*)'|\bimport\(\s*'(\.[^']*)'\s*\)|(?:^|\n)\s*import\s+'(\.[^']*)'/g;
  return [...source.matchAll(statements)].map((match) => match[1] ?? match[2] ?? match[3] ?? '');
}

/** The folder of shared/ a path lies in (`(root)` for a file directly in shared/, undefined outside shared/). */
function folderOf(file: string): string | undefined {
  const relative = path.relative(shared, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  const parts = relative.split(path.sep);
  return parts.length > 1 ? parts[0] : '(root)';
}

describe('the layers of shared/', () => {
  const files = tsFiles(shared);

  it('lists every folder of shared/ in its order', () => {
    const folders = [...new Set(files.map((file) => folderOf(file) ?? ''))].sort();
    expect(folders.filter((folder) => !(LAYERS as readonly string[]).includes(folder))).toEqual([]);
  });

  it('has no folder importing a folder above it, nor anything outside shared/', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = folderOf(file) ?? '';
      for (const name of relativeImports(fs.readFileSync(file, 'utf8'))) {
        const to = folderOf(path.resolve(path.dirname(file), name));
        const where = `shared/${path.relative(shared, file).split(path.sep).join('/')} imports '${name}'`;
        if (to === undefined) wrong.push(`${where}, outside shared/`);
        else if (LAYERS.indexOf(to as (typeof LAYERS)[number]) > LAYERS.indexOf(from as (typeof LAYERS)[number]))
          wrong.push(`${where}: ${from}/ is below ${to}/`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('reads the imports it judges (multi-line, type-only, re-exports)', () => {
    expect(
      relativeImports(
        "import * as z from 'zod';\nimport {\n  a,\n  type B,\n} from '../flow/schema';\nexport { c } from './c';\nimport type { D } from \"x\";\nconst e = import('./e');",
      ),
    ).toEqual(['../flow/schema', './c', './e']);
  });
});

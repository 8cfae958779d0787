import { parseArgs } from 'node:util';
import { z } from 'zod';
import { adapterFor, CHANNEL_KINDS, type ChannelKind } from '../shared/channels/registry';
import { isChannelKind } from '../shared/domain/channelKindList';
import type { Flow } from '../shared/flow/schema';
import { headerSecretUses, validateFlow } from '../shared/flow/validateFlow';
import { importCurl } from '../shared/import/curl';
import { ImportError, type ImportedCardInput } from '../shared/import/importedCard';
import { importOperation, listOperations, loadOpenApi } from '../shared/import/openapi';
import { connectionListSchema, connectionViewSchema, deletedSchema } from '../functions/admin/schemas';

/** What the CLI touches outside itself: passed in, so tests run it in-process against the local stack. */
export interface FlowsCliIo {
  out(line: string): void;
  err(line: string): void;
  readFile(path: string): Promise<string>;
  writeFile(path: string, text: string): Promise<void>;
  env: { CALLCARD_API_URL?: string; CALLCARD_ADMIN_KEY?: string; PORT?: string };
  fetch?: typeof fetch;
}

export const FLOWS_USAGE = `Usage: npm run flows -- <command>

  validate <file.json>                        check a flow offline; prints every problem with its path
                                              (with CALLCARD_ADMIN_KEY set, also warns of secrets the workspace lacks)
  push <file.json> --flow <id>                create the flow, or save it as a new version of the latest
  pull <id> [--version N] [--out file.json]   the latest (or version N) as JSON, to a file or stdout
  publish <id> --version N --channel line:<channelId> [--channel messenger:<pageId> ...]
                                              run version N on the channels, beside their other flows
                                              (replaces another version of it there: also a rollback)
  unpublish <id> --channel line:<channelId> [--channel ...]
                                              take the flow off the channels
  versions <id>                               every version, newest first
  import-curl '<curl line>' [--into <file.json> --block <id>]
                                              a Call an API card from a curl command, as JSON (offline);
                                              with --into, written as block <id> of the flow file (kept
                                              only when the flow validates)
  import-openapi <file> [<operationId>] [--into <file.json> --block <id>]
                                              without an operation: the document's operations; with one:
                                              its card (the response schema as its contract)
  connections                                 the workspace's connections (the brand APIs cards call by name)
  connection get <name>                       one connection as JSON (what connection put takes)
  connection put <name> <file.json>           create or replace it; warns of secrets the workspace lacks
  connection delete <name>                    delete it (refused while a published flow calls it)

Environment: CALLCARD_API_URL (default http://127.0.0.1:$PORT, PORT being npm start's, 3000 by default),
             CALLCARD_ADMIN_KEY (the workspace's admin key).`;

/** Exit codes: 0 done, 1 the flow or the API said no, 2 wrong usage or configuration. */
export type ExitCode = 0 | 1 | 2;

class UsageError extends Error {}

/** `npm run flows -- ...`: flows as files, against the admin API. */
export async function runFlowsCli(args: readonly string[], io: FlowsCliIo): Promise<ExitCode> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    io.err(FLOWS_USAGE);
    return 2;
  }
  const { command, positionals, values } = parsed;
  try {
    switch (command) {
      case 'validate':
        return await validateCommand(required(positionals[0], 'the flow file'), io);
      case 'push':
        return await pushCommand(required(positionals[0], 'the flow file'), required(values.flow, '--flow <id>'), io);
      case 'pull':
        return await pullCommand(required(positionals[0], 'the flow id'), values.version, values.out, io);
      case 'publish':
        return await publishCommand(
          required(positionals[0], 'the flow id'),
          required(values.version, '--version N'),
          values.channel ?? [],
          io,
        );
      case 'unpublish':
        return await unpublishCommand(required(positionals[0], 'the flow id'), values.channel ?? [], io);
      case 'versions':
        return await versionsCommand(required(positionals[0], 'the flow id'), io);
      case 'import-curl':
        return await importCurlCommand(
          required(positionals[0], "the curl command, quoted: 'curl https://…'"),
          values.into,
          values.block,
          io,
        );
      case 'import-openapi':
        return await importOpenApiCommand(
          required(positionals[0], 'the OpenAPI document (a file)'),
          positionals[1],
          values.into,
          values.block,
          io,
        );
      case 'connections':
        return await connectionsCommand(io);
      case 'connection':
        return await connectionCommand(positionals, io);
      case 'help':
      case undefined:
        io.out(FLOWS_USAGE);
        return command === 'help' ? 0 : 2;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(error.message);
      io.err(FLOWS_USAGE);
      return 2;
    }
    if (error instanceof ImportError) {
      io.err(`cannot import: ${error.message}`);
      for (const problem of error.problems) io.err(`  ${problem.path}: ${problem.message}`);
      return 1;
    }
    if (error instanceof ApiError) {
      io.err(error.message);
      for (const problem of error.problems) io.err(`  ${problem.path}: ${problem.message}`);
      return error.status === 401 ? 2 : 1;
    }
    io.err(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

function parse(args: readonly string[]) {
  const { positionals, values } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      flow: { type: 'string' },
      version: { type: 'string' },
      out: { type: 'string' },
      channel: { type: 'string', multiple: true },
      into: { type: 'string' },
      block: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  return { command: values.help ? 'help' : command, positionals: rest, values };
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

/** A flow file: JSON, then `validateFlow`. Problems are printed with their paths (relative to the file). */
async function readFlow(file: string, io: FlowsCliIo): Promise<{ document: unknown; flow: Flow } | undefined> {
  let json: unknown;
  try {
    json = JSON.parse(await io.readFile(file));
  } catch (error) {
    io.err(
      `${file}: ${error instanceof SyntaxError ? `not valid JSON (${error.message})` : error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  }
  const result = validateFlow(json);
  if (result.ok) return { document: json, flow: result.flow };
  io.err(`${file}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`);
  for (const problem of result.problems) io.err(`  ${problem.path}: ${problem.message}`);
  return undefined;
}

/**
 * Everything offline (shape, references, templates, secrets only in headers, card addresses). Whether
 * the secrets a flow names exist needs the workspace: checked only when CALLCARD_ADMIN_KEY is set,
 * through `POST /admin/flows/validate`, and reported as warnings (as a save would), never as problems.
 */
async function validateCommand(file: string, io: FlowsCliIo): Promise<ExitCode> {
  const read = await readFlow(file, io);
  if (read === undefined) return 1;
  const namesSecrets = headerSecretUses(read.flow).length > 0;
  if (!namesSecrets) {
    io.out(`${file}: valid`);
  } else if (!io.env.CALLCARD_ADMIN_KEY) {
    io.out(`${file}: valid (its secrets were not checked against a workspace: set CALLCARD_ADMIN_KEY to check them)`);
  } else {
    let answer: unknown;
    try {
      answer = await adminApi(io).request('POST', '/admin/flows/validate', { flow: read.document });
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 0)) throw error;
      io.out(`${file}: valid (its secrets were not checked: ${error.message})`);
      return 0;
    }
    io.out(`${file}: valid`);
    printWarnings(z.object({ warnings: warningsSchema }).parse(answer).warnings, io);
  }
  return 0;
}

const versionSchema = z.object({ flowId: z.string(), version: z.number(), createdAt: z.string(), flow: z.record(z.string(), z.unknown()) });
const warningsSchema = z.array(z.object({ path: z.string(), message: z.string() })).default([]);
const savedSchema = versionSchema.extend({ unchanged: z.literal(true).optional(), warnings: warningsSchema });

/** What a save warns about (paths relative to the file), on stderr. */
function printWarnings(warnings: Array<{ path: string; message: string }>, io: FlowsCliIo): void {
  if (!warnings.length) return;
  // A secret not set blocks publishing; one bound to no host only warns (its message says so).
  const blocking = warnings.some((w) => w.message.includes(' is not set in this workspace'));
  io.err(`${warnings.length} warning${warnings.length === 1 ? '' : 's'}${blocking ? ' (publishing refuses the flow until fixed)' : ''}:`);
  for (const w of warnings) io.err(`  ${w.path.replace(/^flow\./, '')}: ${w.message}`);
}

async function pushCommand(file: string, flowId: string, io: FlowsCliIo): Promise<ExitCode> {
  const read = await readFlow(file, io);
  if (read === undefined) return 1;
  const flow = read.document;
  const api = adminApi(io);
  const current = await api.request('GET', `/admin/flows/${encodeURIComponent(flowId)}`, undefined, { allow404: true });
  const saved =
    current === undefined
      ? savedSchema.parse(await api.request('POST', '/admin/flows', { flowId, flow }))
      : savedSchema.parse(
          await api.request('PUT', `/admin/flows/${encodeURIComponent(flowId)}`, {
            flow,
            baseVersion: versionSchema.parse(current).version,
          }),
        );
  if (saved.unchanged) io.out(`${flowId}: unchanged, the same as version ${saved.version}: nothing saved`);
  else
    io.out(
      `${flowId}: saved version ${saved.version}${saved.version === 1 ? ' (new flow)' : ''}. Publish it with: npm run flows -- publish ${flowId} --version ${saved.version} --channel <kind:channelId>`,
    );
  printWarnings(saved.warnings, io);
  return 0;
}

async function pullCommand(flowId: string, version: string | undefined, out: string | undefined, io: FlowsCliIo): Promise<ExitCode> {
  const path =
    version === undefined
      ? `/admin/flows/${encodeURIComponent(flowId)}`
      : `/admin/flows/${encodeURIComponent(flowId)}/versions/${encodeURIComponent(positiveInteger(version, '--version'))}`;
  const pulled = versionSchema.parse(await adminApi(io).request('GET', path));
  const text = `${JSON.stringify(pulled.flow, null, 2)}\n`;
  if (out === undefined) {
    io.out(text.trimEnd());
  } else {
    await io.writeFile(out, text);
    io.out(`${flowId}: version ${pulled.version} written to ${out}`);
  }
  return 0;
}

/** `--channel line:<id>` arguments as the API takes them. */
function channelRefs(channelArgs: string[]): Array<{ kind: ChannelKind; channelId: string }> {
  if (!channelArgs.length) throw new UsageError('missing --channel <kind:channelId>');
  return channelArgs.map((arg) => {
    const [kind, channelId, ...extra] = arg.split(':');
    if (!isChannelKind(kind) || !channelId || extra.length)
      throw new UsageError(`--channel ${arg}: expected ${CHANNEL_KINDS.map((k) => `${k}:<${adapterFor(k).idName}>`).join(' or ')}`);
    return { kind, channelId };
  });
}

const flowRefsSchema = z.array(z.object({ flowId: z.string(), version: z.number() }));
/** A publish or unpublish answer: each channel's active flows before and after. */
const activeFlowsChangesSchema = z.object({
  channels: z.array(z.object({ kind: z.string(), channelId: z.string(), before: flowRefsSchema, after: flowRefsSchema })),
});

/** Each channel, then its active flows before and after. */
function printChanges(changes: z.infer<typeof activeFlowsChangesSchema>, io: FlowsCliIo): void {
  const list = (flows: z.infer<typeof flowRefsSchema>) =>
    flows.length ? flows.map((f) => `${f.flowId} v${f.version}`).join(', ') : '(none)';
  for (const c of changes.channels) {
    io.out(`  ${c.kind}:${c.channelId}`);
    io.out(`    before: ${list(c.before)}`);
    io.out(`    after:  ${list(c.after)}`);
  }
}

async function publishCommand(flowId: string, version: string, channelArgs: string[], io: FlowsCliIo): Promise<ExitCode> {
  const channels = channelRefs(channelArgs);
  const result = activeFlowsChangesSchema.extend({ version: z.number() }).parse(
    await adminApi(io).request('POST', `/admin/flows/${encodeURIComponent(flowId)}/publish`, {
      version: Number(positiveInteger(version, '--version')),
      channels,
    }),
  );
  io.out(`${flowId}: version ${result.version} published`);
  printChanges(result, io);
  return 0;
}

async function unpublishCommand(flowId: string, channelArgs: string[], io: FlowsCliIo): Promise<ExitCode> {
  const channels = channelRefs(channelArgs);
  const result = activeFlowsChangesSchema.parse(
    await adminApi(io).request('POST', `/admin/flows/${encodeURIComponent(flowId)}/unpublish`, { channels }),
  );
  io.out(`${flowId}: unpublished`);
  printChanges(result, io);
  return 0;
}

async function versionsCommand(flowId: string, io: FlowsCliIo): Promise<ExitCode> {
  const listed = z
    .object({ versions: z.array(z.object({ version: z.number(), name: z.string(), createdAt: z.string() })) })
    .parse(await adminApi(io).request('GET', `/admin/flows/${encodeURIComponent(flowId)}/versions`));
  for (const v of listed.versions) io.out(`v${v.version}\t${v.createdAt}\t${v.name}`);
  return 0;
}

async function importCurlCommand(line: string, into: string | undefined, block: string | undefined, io: FlowsCliIo): Promise<ExitCode> {
  return await printImported(importCurl(line), into, block, io);
}

async function importOpenApiCommand(
  file: string,
  operationId: string | undefined,
  into: string | undefined,
  block: string | undefined,
  io: FlowsCliIo,
): Promise<ExitCode> {
  const document = await loadOpenApi(await io.readFile(file));
  if (operationId === undefined) {
    if (into !== undefined) throw new UsageError('missing the operationId to import');
    for (const op of listOperations(document)) io.out(`${op.operationId}\t${op.method} ${op.path}${op.summary ? `\t${op.summary}` : ''}`);
    return 0;
  }
  return printImported(importOperation(document, operationId), into, block, io);
}

/**
 * The imported card as JSON on stdout (or written into a flow file as block `block`), and on stderr
 * the secrets to store (never their values: they are in the source the admin has) and the warnings.
 */
async function printImported(
  imported: ImportedCardInput,
  into: string | undefined,
  block: string | undefined,
  io: FlowsCliIo,
): Promise<ExitCode> {
  if ((into === undefined) !== (block === undefined)) throw new UsageError('--into <file.json> and --block <id> go together');
  for (const warning of imported.warnings) io.err(`warning: ${warning}`);
  for (const secret of imported.secrets) {
    const where = secret.header ? `sent in ${secret.header}` : 'not sent (secrets go in headers only)';
    io.err(
      `secret ${secret.name} (${secret.from}, ${where}): store it with PUT /admin/secrets/${secret.name} {"value": …, "allowedHosts": ${JSON.stringify(secret.allowedHosts)}}${secret.value === undefined ? ' (the source held only a placeholder)' : ''}`,
    );
  }
  if (into === undefined || block === undefined) {
    const { secrets, ...rest } = imported;
    io.out(
      JSON.stringify(
        { ...rest, secrets: secrets.map(({ value: _value, ...offer }) => ({ ...offer, valueOffered: _value !== undefined })) },
        null,
        2,
      ),
    );
    return 0;
  }
  let flow: unknown;
  try {
    flow = JSON.parse(await io.readFile(into));
  } catch (error) {
    io.err(
      `${into}: ${error instanceof SyntaxError ? `not valid JSON (${error.message})` : error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }
  const blocks =
    typeof flow === 'object' && flow !== null && 'blocks' in flow && typeof flow.blocks === 'object' && flow.blocks !== null
      ? (flow.blocks as Record<string, unknown>)
      : undefined;
  if (!blocks) {
    io.err(`${into}: not a flow (no blocks)`);
    return 1;
  }
  // A card already there keeps where it goes next (onSuccess, onFailure, ...) and what it saves; the import replaces its request and contract.
  const existing = blocks[block];
  const kept =
    typeof existing === 'object' && existing !== null && (existing as { type?: unknown }).type === 'callApi'
      ? (existing as Record<string, unknown>)
      : {};
  const { contract: _oldContract, request: _oldRequest, ...routing } = kept;
  blocks[block] = { ...routing, ...imported.card };
  const result = validateFlow(flow);
  if (!result.ok) {
    io.err(
      `${into}: not written, the flow with the imported card has ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`,
    );
    for (const problem of result.problems) io.err(`  ${problem.path}: ${problem.message}`);
    return 1;
  }
  await io.writeFile(into, `${JSON.stringify(flow, null, 2)}\n`);
  io.out(`${into}: block ${block} ${existing === undefined ? 'added' : 'replaced'} by the imported card`);
  return 0;
}

/** `connections`: one line per connection (name, auth, base URLs), its warnings under it. */
async function connectionsCommand(io: FlowsCliIo): Promise<ExitCode> {
  const { connections } = connectionListSchema.parse(await adminApi(io).request('GET', '/admin/connections'));
  if (!connections.length) io.out('no connections: create one with npm run flows -- connection put <name> <file.json>');
  for (const { name, connection, warnings } of connections) {
    const { production, staging } = connection.baseUrl;
    io.out(`${name}\t${connection.auth.type}\t${production}${staging ? `\t(staging ${staging})` : ''}`);
    for (const w of warnings ?? []) io.out(`  warning: ${w.path}: ${w.message}`);
  }
  return 0;
}

/** `connection get|put|delete <name>`: the connection as a JSON file, like a flow's. */
async function connectionCommand(positionals: string[], io: FlowsCliIo): Promise<ExitCode> {
  const [action, name, file] = positionals;
  const path = `/admin/connections/${encodeURIComponent(required(name, 'the connection name'))}`;
  const api = adminApi(io);
  const printWarnings = (warnings: Array<{ path: string; message: string }> = []) => {
    for (const w of warnings) io.err(`warning: ${w.path}: ${w.message}`);
  };
  switch (action) {
    case 'get': {
      const view = connectionViewSchema.parse(await api.request('GET', path));
      io.out(JSON.stringify(view.connection, null, 2));
      printWarnings(view.warnings);
      return 0;
    }
    case 'put': {
      const source = required(file, 'the connection file');
      let body: unknown;
      try {
        body = JSON.parse(await io.readFile(source));
      } catch (error) {
        io.err(
          `${source}: ${error instanceof SyntaxError ? `not valid JSON (${error.message})` : error instanceof Error ? error.message : String(error)}`,
        );
        return 1;
      }
      const view = connectionViewSchema.parse(await api.request('PUT', path, body));
      io.out(`${view.name}: saved (${view.connection.auth.type}, ${view.connection.baseUrl.production})`);
      printWarnings(view.warnings);
      return 0;
    }
    case 'delete':
      deletedSchema.parse(await api.request('DELETE', path));
      io.out(`${name}: deleted`);
      return 0;
    default:
      throw new UsageError(
        action === undefined ? 'missing get, put or delete after connection' : `unknown connection command "${action}": get, put or delete`,
      );
  }
}

function positiveInteger(value: string, what: string): string {
  if (!/^[1-9][0-9]*$/.test(value)) throw new UsageError(`${what} must be a positive integer, got "${value}"`);
  return value;
}

const errorBodySchema = z.object({
  error: z.string().catch('request failed'),
  problems: z.array(z.object({ path: z.string(), message: z.string() })).catch([]),
  latestVersion: z.number().optional().catch(undefined),
});

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems: { path: string; message: string }[],
  ) {
    super(message);
  }
}

function adminApi(io: FlowsCliIo) {
  const base = (io.env.CALLCARD_API_URL ?? `http://127.0.0.1:${io.env.PORT ?? 3000}`).replace(/\/+$/, '');
  const key = io.env.CALLCARD_ADMIN_KEY;
  if (!key) throw new UsageError('set CALLCARD_ADMIN_KEY to an admin key of the workspace (the local stack prints its demo key)');
  const send = io.fetch ?? fetch;
  return {
    /** The JSON answer of a 2xx; `undefined` for a 404 when allowed; an ApiError otherwise. */
    async request(method: string, path: string, body?: unknown, options: { allow404?: boolean } = {}): Promise<unknown> {
      let response: Response;
      try {
        response = await send(`${base}${path}`, {
          method,
          headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
      } catch (error) {
        throw new ApiError(
          0,
          `cannot reach ${base} (${error instanceof Error ? error.message : String(error)}): is the stack running? (npm start)`,
          [],
        );
      }
      const text = await response.text();
      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      if (response.ok) return json;
      if (response.status === 404 && options.allow404) return undefined;
      const detail = errorBodySchema.parse(json ?? {});
      const hint =
        response.status === 401
          ? ' (check CALLCARD_ADMIN_KEY)'
          : response.status === 409 && detail.latestVersion !== undefined
            ? ` (latest is version ${detail.latestVersion}: pull it, merge your change, push again)`
            : '';
      // Flow problems come back under `flow.`; in a file they are relative to the file.
      const problems = detail.problems.map((p) => ({ path: p.path.replace(/^flow\./, ''), message: p.message }));
      throw new ApiError(response.status, `${method} ${path}: ${response.status} ${detail.error}${hint}`, problems);
    },
  };
}

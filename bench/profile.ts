import { Session, type Profiler } from 'node:inspector';

/** Whose code a CPU sample was in. */
export type CpuOwner = 'callcard' | 'awsSdk' | 'model' | 'standIns' | 'platform' | 'bench';

const SDK = /^(@aws-sdk\/|@smithy\/|@aws-crypto\/)|^(fast-xml-parser|strnum|bowser|tslib)$/;
const MODEL =
  /^(dynalite|level|memory-level|abstract-level|level-transcoder|level-supports|module-error|buffer-crc32|big\.js|lazy|lock|async|once|functional-red-black-tree|local-aws-sqs)$/;
const STAND_IN_LIBS = /^(ajv|ajv-formats|yaml|fast-deep-equal|fast-uri|json-schema-traverse|standardwebhooks)$/;

/**
 * Whose code a script is: callcard (functions/, shared/ and the libraries they call), the AWS SDK,
 * the in-memory AWS model, the channel and brand stand-ins, the local platform (API Gateway router,
 * SQS event source) or the bench itself. Node's own code (undefined here) belongs to its caller.
 */
export function ownerOf(url: string): CpuOwner | undefined {
  if (url === '' || url.startsWith('node:')) return undefined;
  if (url.includes('/bench/') || url.includes('node_modules/tsx/')) return 'bench';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) {
    if (SDK.test(pkg)) return 'awsSdk';
    if (MODEL.test(pkg)) return 'model';
    if (STAND_IN_LIBS.test(pkg)) return 'standIns';
    return 'callcard';
  }
  if (url.includes('/local/aws/')) return 'model';
  if (/\/local\/(lineStandIn|messengerStandIn|demoBrandApi|lineOpenApi|httpServer)\.ts/.test(url)) return 'standIns';
  if (url.includes('/local/')) return 'platform';
  return 'callcard';
}

/**
 * Run `work` under the CPU profiler and split the busy time by owner (shares of the busy time; the
 * garbage collector and frames with no JS caller are shared in proportion).
 */
export async function profileOwners(work: () => Promise<void>, intervalUs = 100): Promise<Record<CpuOwner, number>> {
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) =>
      session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: intervalUs });
  await post('Profiler.start');
  let profile: Profiler.Profile;
  try {
    await work();
  } finally {
    profile = (await post<{ profile: Profiler.Profile }>('Profiler.stop')).profile;
    session.disconnect();
  }
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const owners = new Map<number, CpuOwner | undefined>();
  const owner = (id: number): CpuOwner | undefined => {
    if (owners.has(id)) return owners.get(id);
    const node = nodes.get(id);
    const own = node ? ownerOf(node.callFrame.url) : undefined;
    const parentId = parent.get(id);
    const result = own ?? (parentId !== undefined ? owner(parentId) : undefined);
    owners.set(id, result);
    return result;
  };
  const time: Record<CpuOwner, number> = { callcard: 0, awsSdk: 0, model: 0, standIns: 0, platform: 0, bench: 0 };
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i += 1) {
    const id = samples[i] ?? -1;
    const name = nodes.get(id)?.callFrame.functionName;
    if (name === '(idle)' || name === '(program)' || name === '(root)') continue;
    const who = owner(id);
    if (who) time[who] += deltas[i + 1] ?? 0;
  }
  const total = Object.values(time).reduce((a, b) => a + b, 0) || 1;
  return Object.fromEntries(Object.entries(time).map(([k, v]) => [k, Math.round((v / total) * 1000) / 1000])) as Record<CpuOwner, number>;
}

import { Metrics } from '@aws-lambda-powertools/metrics';
import { addCardAlertMetrics } from '../../../../functions/executor/processTurnJob';

// The per-card alert metrics as Powertools writes them (embedded metric format): the namespace, metric
// names and dimension keys the deployment's Metrics Insights alarms query (infra/constructs/CardAlerts.ts).

test('EMF lines: CardFailureMargin with deployment, workspace, card and minutes; CardContractFailures with deployment, workspace and card', () => {
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
  const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
  try {
    const metrics = new Metrics({ namespace: 'callcard', serviceName: 'callcard-executor', defaultDimensions: { handler: 'executor' } });
    const alerts = [{ flowId: 'f1', blockId: 'card', failureRate: { percent: 25, minutes: 15 as const }, contract: true }];
    addCardAlertMetrics(
      metrics,
      alerts,
      { workspaceId: 'ws1', flowId: 'f1', blockId: 'card' },
      { method: 'GET', url: 'https://x.example/', latencyMs: 5, outcome: 'failure', reason: 'contract: $.id is missing', attempt: 1 },
      'callcard-prod-app',
    );
  } finally {
    write.mockRestore();
    log.mockRestore();
  }
  const emf = lines
    .flatMap((line) => line.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map(
      (line) =>
        JSON.parse(line) as {
          _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
        } & Record<string, unknown>,
    );
  expect(emf).toHaveLength(2);
  const [margin, contract] = emf;
  expect(margin?._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'callcard', Metrics: [{ Name: 'CardFailureMargin' }] });
  expect(margin?._aws.CloudWatchMetrics[0]?.Dimensions[0]).toEqual(expect.arrayContaining(['deployment', 'workspace', 'card', 'minutes']));
  expect(margin).toMatchObject({
    CardFailureMargin: 75,
    deployment: 'callcard-prod-app',
    workspace: 'ws1',
    card: 'f1/card',
    minutes: '15',
  });
  expect(contract?._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'callcard', Metrics: [{ Name: 'CardContractFailures' }] });
  expect(contract).toMatchObject({ CardContractFailures: 1, deployment: 'callcard-prod-app', workspace: 'ws1', card: 'f1/card' });
  expect(contract?._aws.CloudWatchMetrics[0]?.Dimensions[0]).not.toContain('minutes');
});

import { egressAddressesOf, readEnv } from '../../../../shared/config/env';

const base = { TABLE_NAME: 't', JOBS_QUEUE_URL: 'https://sqs.ap-northeast-1.amazonaws.com/123456789012/jobs.fifo' };

test('EGRESS_ADDRESSES: the Elastic IPs CDK joins with commas, each trimmed', () => {
  expect(egressAddressesOf(readEnv({ ...base, EGRESS_ADDRESSES: '13.112.10.1,54.65.20.2' }))).toEqual(['13.112.10.1', '54.65.20.2']);
  expect(egressAddressesOf(readEnv({ ...base, EGRESS_ADDRESSES: ' 13.112.10.1 , ,54.65.20.2,' }))).toEqual(['13.112.10.1', '54.65.20.2']);
});

test('EGRESS_ADDRESSES unset or empty: no fixed address', () => {
  expect(egressAddressesOf(readEnv(base))).toEqual([]);
  expect(egressAddressesOf(readEnv({ ...base, EGRESS_ADDRESSES: '' }))).toEqual([]);
});

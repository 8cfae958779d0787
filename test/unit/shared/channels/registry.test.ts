import { CHANNEL_ADAPTERS, CHANNEL_KINDS, adapterFor, byKind, channelKindSchema } from '../../../../shared/channels/registry';
import { CHANNEL_KIND_LIST, CHANNEL_LABELS, isChannelKind } from '../../../../shared/domain/channelKindList';

describe('the channel registry', () => {
  it('has an adapter for every channel kind, and no adapter without its kind (both directions)', () => {
    // A kind added to shared/domain/channelKindList.ts without an adapter, or an adapter without its kind, fails here.
    expect([...CHANNEL_KINDS].sort()).toEqual([...CHANNEL_KIND_LIST].sort());
    for (const kind of CHANNEL_KIND_LIST) expect(Object.hasOwn(CHANNEL_ADAPTERS, kind)).toBe(true);
    for (const kind of Object.keys(CHANNEL_ADAPTERS)) expect(CHANNEL_KIND_LIST as readonly string[]).toContain(kind);
  });

  it('files each adapter under its own kind, with its label', () => {
    for (const kind of CHANNEL_KINDS) {
      expect(adapterFor(kind).kind).toBe(kind);
      expect(adapterFor(kind).label).toBe(CHANNEL_LABELS[kind]);
    }
  });

  it('validates exactly the registry kinds with the zod enum', () => {
    expect([...channelKindSchema.options].sort()).toEqual([...CHANNEL_KINDS].sort());
    for (const kind of CHANNEL_KINDS) expect(isChannelKind(kind)).toBe(true);
    expect(isChannelKind('telegram')).toBe(false);
  });

  it('gives one value per kind', () => {
    expect(byKind((adapter) => adapter.label)).toEqual({ line: 'LINE', messenger: 'Messenger' });
  });

  it('says what each channel needs and offers', () => {
    expect(adapterFor('line').credentials.required).toEqual(['secret', 'accessToken']);
    expect(adapterFor('messenger').credentials.required).toEqual(['secret', 'accessToken', 'verifyToken']);
    expect(adapterFor('messenger').credentials.requiredUnderApp).toEqual(['accessToken']);
    expect(adapterFor('line').features).toMatchObject({ replyToken: true, groups: true, echoes: false, apps: false });
    expect(adapterFor('messenger').features).toMatchObject({ replyToken: false, groups: false, echoes: true, apps: true });
    expect(adapterFor('line').limits.messagesPerRequest).toBe(5);
    expect(adapterFor('messenger').limits.messagesPerRequest).toBe(1);
  });
});

import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { DEFAULT_LANGUAGE, languageSchema } from '../flow/texts';
import type { Table } from './table';

/** A TCP port a workspace's cards may call besides 443. */
export const portSchema = z.number().int().min(1).max(65_535);

/** Ports a workspace's cards may name in their URLs besides 443 (the default); at most 20. */
export const allowedPortsSchema = z
  .array(portSchema)
  .max(20)
  .transform((ports) => [...new Set(ports)].sort((a, b) => a - b));

/** Days a verified binding stays live: 1 to 3650 (ten years). */
export const bindingLapseDaysSchema = z.number().int().min(1).max(3650);

/** A workspace's settings. A workspace that never saved any has the defaults. */
export const workspaceSettingsSchema = z.object({
  allowedPorts: allowedPortsSchema.default([]),
  /** The language of callcard's own texts to customers (apology, re-ask): zh-TW unless chosen. */
  language: languageSchema.default(DEFAULT_LANGUAGE),
  /** A verified binding lapses this many days after it was made (then personal cards ask to verify again); never when absent. */
  bindingLapseDays: bindingLapseDaysSchema.optional(),
});
export type WorkspaceSettings = z.infer<typeof workspaceSettingsSchema>;

/** A workspace's settings item key. */
export const workspaceSettingsKey = (workspaceId: string) => ({ pk: `WS#${workspaceId}`, sk: 'SETTINGS' });
const key = workspaceSettingsKey;

/** A settings item as read: the defaults when the workspace never saved any. */
export function workspaceSettingsOf(item: Record<string, unknown> | undefined): WorkspaceSettings {
  return workspaceSettingsSchema.parse(item ?? {});
}

/** One item per workspace, beside its secrets: read by the executor and the dry run before a card calls out. */
export class WorkspaceSettingsRepository {
  constructor(private readonly table: Table) {}

  /** The workspace's settings, the defaults when none were saved. */
  async get(workspaceId: string): Promise<WorkspaceSettings> {
    return (await this.find(workspaceId)) ?? workspaceSettingsOf(undefined);
  }

  /** The workspace's saved settings (defaults filled in for fields saved before they existed), or undefined if it never saved any. */
  async find(workspaceId: string): Promise<WorkspaceSettings | undefined> {
    const { Item } = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: key(workspaceId) }));
    return Item ? workspaceSettingsSchema.parse(Item) : undefined;
  }

  /** Replace the workspace's settings (validated); returns them as stored. */
  async put(workspaceId: string, settings: z.input<typeof workspaceSettingsSchema>, now = new Date()): Promise<WorkspaceSettings> {
    const parsed = workspaceSettingsSchema.parse(settings);
    await this.table.doc.send(new PutCommand({ TableName: this.table.name, Item: { ...key(workspaceId), ...parsed, updatedAt: now.toISOString() } }));
    return parsed;
  }
}

import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { DEFAULT_LANGUAGE, languageSchema } from '../flow/texts';
import { cardAlertSchema } from '../health/cardHealth';
import { DEFAULT_PERSONAL_ATTRIBUTES } from '../privacy/personalData';
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

/**
 * How long what callcard keeps of customers lives (DynamoDB TTL on `expiresAt`, docs/DATA-MODEL.md):
 * execution log entries `logDays` after the call, the console simulator's conversations
 * `simulatorDays` after each entry, a customer's profile `idleCustomerDays` after their last turn
 * (each turn moves it on). Entries written before a change keep their expiry.
 */
export const RETENTION_DAYS = {
  logDays: z.number().int().min(1).max(365),
  simulatorDays: z.number().int().min(1).max(30),
  idleCustomerDays: z.number().int().min(1).max(3650),
};
export const retentionSchema = z.object({
  /** 30 days: enough to answer "why did my customer get the apology last week?", short enough to keep little. */
  logDays: RETENTION_DAYS.logDays.default(30),
  /** 1 day: a simulated conversation is a test, looked at while it is played. */
  simulatorDays: RETENTION_DAYS.simulatorDays.default(1),
  /** 365 days: a customer who comes back within a year keeps their attributes and binding; one gone a year is forgotten. */
  idleCustomerDays: RETENTION_DAYS.idleCustomerDays.default(365),
});
export type Retention = z.infer<typeof retentionSchema>;
export const DEFAULT_RETENTION: Retention = retentionSchema.parse({});

/** A customer attribute's name, as flows write them. */
const personalAttributeSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not an attribute name');

/** Attributes whose values are personal: at most 50 names, each once. */
export const personalAttributesSchema = z
  .array(personalAttributeSchema)
  .max(50)
  .transform((names) => [...new Set(names)]);

/** The epoch second (the TTL attribute's unit) `days` after `now` (ms). */
export function expiresAfterDays(days: number, now = Date.now()): number {
  return Math.floor(now / 1000) + days * 86_400;
}

/** A workspace's settings. A workspace that never saved any has the defaults. */
export const workspaceSettingsSchema = z.object({
  allowedPorts: allowedPortsSchema.default([]),
  /** The language of callcard's own texts to customers (apology, re-ask): zh-TW unless chosen. */
  language: languageSchema.default(DEFAULT_LANGUAGE),
  /** A verified binding lapses this many days after it was made (then personal cards ask to verify again); never when absent. */
  bindingLapseDays: bindingLapseDaysSchema.optional(),
  /**
   * Attributes whose values are personal: masked in the execution log and in what admins see (the
   * binding's member id and attributes, and the attributes a card binds, always are). At most 50.
   */
  personalAttributes: personalAttributesSchema.default([...DEFAULT_PERSONAL_ATTRIBUTES]),
  /** How long log entries, simulator conversations and idle customers are kept. */
  retention: retentionSchema.default(DEFAULT_RETENTION),
  /**
   * Alert rules per card (at most 100): read with the settings on every turn, so the executor emits the
   * per-card metrics the deployment's alarms watch for these cards only (docs/DEPLOY.md, "Card health and alerts").
   */
  alerts: z.array(cardAlertSchema).max(100).default([]),
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
    await this.table.doc.send(
      new PutCommand({ TableName: this.table.name, Item: { ...key(workspaceId), ...parsed, updatedAt: now.toISOString() } }),
    );
    return parsed;
  }
}

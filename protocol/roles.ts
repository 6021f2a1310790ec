// The roles of city-hall operators, declared once (the console, the hub's checks, the CLI).
import { z } from 'zod';

export const operatorRoles = ['operator', 'consultant', 'dispatcher', 'planning', 'admin', 'tax'] as const;
export const OperatorRole = z.enum(operatorRoles, { error: '役割は 証明書担当・相談担当・配車担当・企画担当・管理者・税務担当 から選んでください。' });
export type OperatorRole = z.infer<typeof OperatorRole>;

/** Who may read the records report (実績) and its files: the planning staff who publish it, and admins. */
export const RECORDS_VIEW_ROLES: readonly OperatorRole[] = ['planning', 'admin'];

/** How a role is named on screens and in messages. */
export const operatorRoleLabel: Record<OperatorRole, string> = { operator: '証明書担当', consultant: '相談担当', dispatcher: '配車担当', planning: '企画担当', admin: '管理者', tax: '税務担当（資産税課）' };

/**
 * Who works the り災証明書 queue: the tax department (資産税課) only — the applications, their
 * personal data and photos, the status moves, the certificate PDF, sending it to a vehicle, the counts.
 * An admin keeps the disaster list and sees none of the applications.
 */
export const RISAI_ROLES: readonly OperatorRole[] = ['tax'];

/** Who may read the disaster list: the tax department (its filters) and admins (who keep it). */
export const DISASTER_LIST_ROLES: readonly OperatorRole[] = ['tax', 'admin'];

/** Who adds a disaster to the list: admins only. */
export const DISASTER_ADD_ROLES: readonly OperatorRole[] = ['admin'];

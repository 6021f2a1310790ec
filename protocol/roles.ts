// The roles of city-hall operators, declared once (the console, the hub's checks, the CLI).
import { z } from 'zod';

export const operatorRoles = ['operator', 'consultant', 'dispatcher', 'admin'] as const;
export const OperatorRole = z.enum(operatorRoles);
export type OperatorRole = z.infer<typeof OperatorRole>;

/** How a role is named on screens and in messages. */
export const operatorRoleLabel: Record<OperatorRole, string> = { operator: '証明書担当', consultant: '相談担当', dispatcher: '配車担当', admin: '管理者' };

// The roles of city-hall operators, declared once (the console, the hub's checks, the CLI).
import { z } from 'zod';

export const operatorRoles = ['operator', 'consultant', 'dispatcher', 'admin'] as const;
export const OperatorRole = z.enum(operatorRoles);
export type OperatorRole = z.infer<typeof OperatorRole>;

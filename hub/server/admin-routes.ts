// The admins' console API: vehicles, operators, set-aside messages and the audit log. Admins only;
// every POST carries the session's CSRF token, as the other console calls do.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import {
  AdminOperatorParam, AdminVehicleParam, AuditQuery, CONSOLE_API, DeadLetterIdParam, NewOperatorInput, OperatorActiveInput, OperatorRoleInput,
  ResolveDeadLetterInput, RevokeVehicleInput, type ConsoleSession,
} from '../../protocol/console';
import type { OperatorRole } from '../../protocol/roles';
import type { AdminService } from './admin';
import { parse } from './parse';

export interface AdminRouteDeps {
  admin: AdminService;
  operator(req: FastifyRequest, roles: readonly OperatorRole[], opts?: { csrf: boolean }): Promise<ConsoleSession>;
  place(req: FastifyRequest): string;
}

const adminOnly: readonly OperatorRole[] = ['admin'];

export const adminRoutes: FastifyPluginAsync<AdminRouteDeps> = async (app, { admin, operator, place }) => {
  const read = (req: FastifyRequest) => operator(req, adminOnly, { csrf: false });
  const change = (req: FastifyRequest) => operator(req, adminOnly);

  app.get(CONSOLE_API.vehicles, async (req) => {
    await read(req);
    return admin.vehicles();
  });
  app.post(CONSOLE_API.vehicleRevoke, async (req) => {
    const s = await change(req);
    const { id } = parse(AdminVehicleParam, req.params);
    await admin.revokeVehicle(id, parse(RevokeVehicleInput, req.body).confirm, s.operatorId, place(req));
    return { revoked: id };
  });

  app.get(CONSOLE_API.operators, async (req) => {
    await read(req);
    return admin.operators();
  });
  app.post(CONSOLE_API.operators, async (req) => {
    const s = await change(req);
    const input = parse(NewOperatorInput, req.body);
    await admin.addOperator(input, s.operatorId);
    return { created: input.id };
  });
  app.post(CONSOLE_API.operatorRole, async (req) => {
    const s = await change(req);
    const { id } = parse(AdminOperatorParam, req.params);
    await admin.setRole(id, parse(OperatorRoleInput, req.body).role, s.operatorId, place(req));
    return { changed: id };
  });
  app.post(CONSOLE_API.operatorActive, async (req) => {
    const s = await change(req);
    const { id } = parse(AdminOperatorParam, req.params);
    await admin.setActive(id, parse(OperatorActiveInput, req.body).active, s.operatorId, place(req));
    return { changed: id };
  });
  app.post(CONSOLE_API.operatorPassword, async (req) => {
    const s = await change(req);
    const { id } = parse(AdminOperatorParam, req.params);
    return admin.resetPassword(id, s.operatorId, place(req));
  });

  app.get(CONSOLE_API.deadLetters, async (req) => {
    const s = await read(req);
    return admin.deadLetters(s.operatorId, place(req));
  });
  app.post(CONSOLE_API.deadLetterResolve, async (req) => {
    const s = await change(req);
    const { id } = parse(DeadLetterIdParam, req.params);
    await admin.resolveDeadLetter(id, parse(ResolveDeadLetterInput, req.body).resolution, s.operatorId, place(req));
    return { resolved: id };
  });

  app.get(CONSOLE_API.audit, async (req) => {
    const s = await read(req);
    return admin.audit(parse(AuditQuery, req.query), s.operatorId, place(req));
  });
};

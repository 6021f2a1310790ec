// The routes of the day's home visits: the dispatcher's assignments (console session, CSRF on writes)
// and the vehicle's pull of its coming visits (mutual TLS, authenticated like every vehicle route).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ConsoleRole, ConsoleSession } from '../../protocol/console';
import { VISITS_API } from '../../protocol/visits';
import type { VisitService } from './visits';

export interface VisitRouteDeps {
  visits: VisitService;
  /** The vehicle behind the request's client certificate, or a refusal (audited). */
  vehicleOf(req: FastifyRequest): Promise<string>;
  /** The signed-in operator with one of `roles`, CSRF checked unless told otherwise. */
  operator(req: FastifyRequest, roles: readonly ConsoleRole[], opts?: { csrf: boolean }): Promise<ConsoleSession>;
}

const dispatchers: readonly ConsoleRole[] = ['dispatcher', 'admin'];

/** A plugin registered on the hub's app: it inherits the app's error handler and security headers. */
export const visitRoutes: FastifyPluginAsync<VisitRouteDeps> = async (app, { visits, vehicleOf, operator }) => {
  app.get(VISITS_API.vehicle, async (req) => visits.forVehicle(await vehicleOf(req)));

  app.get(VISITS_API.assignments, async (req) => {
    await operator(req, dispatchers, { csrf: false });
    return visits.list(req.query);
  });
  // Assigning a day that has a vehicle reassigns it.
  app.post(VISITS_API.assignments, async (req) => {
    const s = await operator(req, dispatchers);
    return visits.assign(req.body, s.operatorId);
  });
  app.delete(VISITS_API.assignment, async (req) => {
    const s = await operator(req, dispatchers);
    return visits.unassign(req.params, s.operatorId);
  });
};

// The routes of り災証明書: the vehicles' side (mutual TLS, authenticated like every vehicle route: the
// disasters list, what the hub holds of a photo, one chunk) and the tax department's console (session,
// CSRF on writes; the queue, one application with its photos, status moves, the certificate, sending it
// to a vehicle, counts — the tax department only). Admins keep the disaster list: they read it and add to
// it, and see none of the applications; the tax department reads the list for its filters.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ConsoleRole, ConsoleSession } from '../../protocol/console';
import { CHUNK_CONTENT_TYPE, CHUNK_SHA256_HEADER, PHOTO_CHUNK_BYTES, RISAI_API } from '../../protocol/disaster';
import { entityId } from '../../protocol/ids';
import { DISASTER_ADD_ROLES, DISASTER_LIST_ROLES, RISAI_ROLES } from '../../protocol/roles';
import { parse } from './parse';
import type { RisaiService } from './risai';

export interface RisaiRouteDeps {
  risai: RisaiService;
  vehicleOf(req: FastifyRequest): Promise<string>;
  operator(req: FastifyRequest, roles: readonly ConsoleRole[], opts?: { csrf: boolean }): Promise<ConsoleSession>;
}

const PhotoParams = z.object({ photoId: entityId('写真の番号が正しくありません。') });
const ChunkParams = PhotoParams.extend({ index: z.coerce.number().int().min(0).max(1000) });
const IdParams = z.object({ id: entityId('申請の番号が正しくありません。') });
const PhotoOfApplication = IdParams.extend({ photoId: entityId('写真の番号が正しくありません。') });

export const risaiRoutes: FastifyPluginAsync<RisaiRouteDeps> = async (app, { risai, vehicleOf, operator }) => {
  app.get(RISAI_API.disasters, async (req) => {
    await vehicleOf(req);
    return risai.forVehicle();
  });
  app.get(RISAI_API.photo, async (req) => risai.progress(await vehicleOf(req), parse(PhotoParams, req.params).photoId));
  // A chunk's raw bytes (this plugin's scope only): nothing bigger than one chunk is ever read.
  app.addContentTypeParser(CHUNK_CONTENT_TYPE, { parseAs: 'buffer', bodyLimit: PHOTO_CHUNK_BYTES }, (_req, body, done) => done(null, body));
  app.post(RISAI_API.chunk, { bodyLimit: PHOTO_CHUNK_BYTES }, async (req) => {
    const vehicleId = await vehicleOf(req);
    const p = parse(ChunkParams, req.params);
    return risai.chunk(vehicleId, p.photoId, p.index, { sha256: req.headers[CHUNK_SHA256_HEADER], data: Buffer.isBuffer(req.body) ? req.body : undefined });
  });

  app.get(RISAI_API.console.disasters, async (req) => {
    await operator(req, DISASTER_LIST_ROLES, { csrf: false });
    return risai.disasters();
  });
  app.post(RISAI_API.console.disasters, async (req) => {
    const s = await operator(req, DISASTER_ADD_ROLES);
    return risai.addDisaster(req.body, s.operatorId);
  });
  app.get(RISAI_API.console.applications, async (req) => {
    await operator(req, RISAI_ROLES, { csrf: false });
    return risai.list(req.query);
  });
  app.get(RISAI_API.console.application, async (req) => {
    const s = await operator(req, RISAI_ROLES, { csrf: false });
    return risai.detail(parse(IdParams, req.params).id, s.operatorId);
  });
  app.get(RISAI_API.console.photo, async (req, reply) => {
    const s = await operator(req, RISAI_ROLES, { csrf: false });
    const p = parse(PhotoOfApplication, req.params);
    const jpeg = await risai.photo(p.id, p.photoId, s.operatorId);
    return reply.type('image/jpeg').send(jpeg);
  });
  app.post(RISAI_API.console.status, async (req) => {
    const s = await operator(req, RISAI_ROLES);
    return risai.move(parse(IdParams, req.params).id, req.body, s.operatorId);
  });
  app.get(RISAI_API.console.certificate, async (req, reply) => {
    const s = await operator(req, RISAI_ROLES, { csrf: false });
    const { pdf, serial } = await risai.certificate(parse(IdParams, req.params).id, s.operatorId);
    return reply.type('application/pdf').header('content-disposition', `inline; filename="risai-${serial}.pdf"`).send(Buffer.from(pdf));
  });
  app.post(RISAI_API.console.sendToVehicle, async (req) => {
    const s = await operator(req, RISAI_ROLES);
    return risai.sendToVehicle(parse(IdParams, req.params).id, req.body, s.operatorId);
  });
  app.get(RISAI_API.console.counts, async (req) => {
    await operator(req, RISAI_ROLES, { csrf: false });
    return risai.counts();
  });
};

// The registry port over the city's Registry adapter (hub/registry): the console needs only whether
// the request's subject is found, not found, or ambiguous, and the resident id to issue from.
import type { Person } from '../../protocol/request';
import type { Registry } from '../registry/registry';
import type { RegistryMatch, ResidentLookup } from './ports';

export function registryLookup(registry: Registry): ResidentLookup {
  return {
    async match(subject: Person): Promise<RegistryMatch> {
      const m = await registry.findResident({ name: subject.name, birthDate: subject.birthDate, address: subject.address });
      if (m.status === 'found') return { status: 'found', residentId: m.resident.residentId };
      if (m.status === 'ambiguous') return { status: 'ambiguous', candidates: m.candidates.length };
      return { status: 'not_found' };
    },
  };
}

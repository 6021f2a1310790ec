import { describe, expect, it } from 'vitest';
import { newId } from '../../common/ids';
import { EntityId, ENTITY_ID_PATTERN, StaffId, VehicleId } from '../../protocol/ids';

describe('one id generator, one set of id formats', () => {
  it('generates ids every schema that takes an entity id accepts, unique and in creation order', () => {
    const ids = Array.from({ length: 1000 }, () => newId());
    for (const id of ids) expect(id).toMatch(ENTITY_ID_PATTERN);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]!.slice(0, 9) <= ids[999]!.slice(0, 9)).toBe(true);
  });

  it('refuses ids outside the formats, with the Japanese message where a person typed it', () => {
    expect(EntityId.safeParse('short').success).toBe(false);
    expect(EntityId.safeParse('a/b-c_d-e').success).toBe(false);
    expect(VehicleId.safeParse('car-1').success).toBe(true);
    expect(VehicleId.safeParse('x'.repeat(33)).success).toBe(false);
    const staff = StaffId.safeParse('職員1');
    expect(staff.success).toBe(false);
    expect(staff.error?.issues[0]?.message).toBe('職員番号は半角英数字32文字以内です。');
  });
});

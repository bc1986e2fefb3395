/**
 * A hotel floor for the RF model: a straight corridor with doors every `doorSpacingM` on both
 * sides, a lobby at its west end with the building's entrance reader and an elevator reader.
 * Coordinates in metres: the corridor runs along +x from x = 0, between the south wall (y = 0) and
 * the north wall (y = widthM); the lobby is x < 0. Locks sit on the door leaf by the handle, at
 * `lockHeightM`. Doors on the two sides face each other (same x): the hard case for ranking.
 */

export interface Point3 {
  xM: number;
  yM: number;
  zM: number;
}

export type EntranceKind = 'room' | 'lobby' | 'elevator';

export interface Entrance {
  id: string;
  kind: EntranceKind;
  /** The lock's antenna. */
  lock: Point3;
  /** Where a guest stands to use it (on the walking line, or in the lobby). */
  approach: { xM: number; yM: number };
}

export interface CorridorOptions {
  roomsPerSide: number;
  doorSpacingM: number;
  /** (L) Hotel corridors: 1.5–1.8 m is common (accessibility codes ask ≥ 1.1 m clear); 1.8 m. */
  widthM: number;
  /** (L) Lever-handle locks are mounted about 0.9–1.1 m above the floor. */
  lockHeightM: number;
  floor: number;
}

export const corridorDefaults: CorridorOptions = { roomsPerSide: 20, doorSpacingM: 3, widthM: 1.8, lockHeightM: 1.0, floor: 2 };

export interface Corridor {
  options: CorridorOptions;
  entrances: Entrance[];
  /** y of the walking line (the corridor's centre). */
  walkLineYM: number;
  /** Where a guest steps out of the elevator. */
  elevatorExit: { xM: number; yM: number };
  byId: Map<string, Entrance>;
}

export class CorridorError extends Error {
  readonly code = 'corridor_invalid';
  constructor(message: string) {
    super(`corridor_invalid: ${message}`);
  }
}

/** Room ids: odd numbers on the south side, even on the north, numbered along the corridor (201, 202 face each other). */
export function roomId(floor: number, index: number, side: 'south' | 'north'): string {
  return String(floor * 100 + 2 * index + (side === 'south' ? 1 : 2));
}

export function createCorridor(partial: Partial<CorridorOptions> = {}): Corridor {
  const options = { ...corridorDefaults, ...partial };
  if (!Number.isInteger(options.roomsPerSide) || options.roomsPerSide < 1 || options.roomsPerSide > 49) throw new CorridorError('roomsPerSide must be an integer in 1..49');
  if (!(options.doorSpacingM >= 1 && options.doorSpacingM <= 20)) throw new CorridorError('doorSpacingM must be in 1..20');
  if (!(options.widthM >= 1 && options.widthM <= 5)) throw new CorridorError('widthM must be in 1..5');
  if (!Number.isInteger(options.floor) || options.floor < 1 || options.floor > 99) throw new CorridorError('floor must be an integer in 1..99');
  const walkLineYM = options.widthM / 2;
  const entrances: Entrance[] = [
    // The floor's lobby: its entrance reader on the west wall, the elevator reader on the north wall.
    { id: 'lobby', kind: 'lobby', lock: { xM: -8, yM: walkLineYM, zM: options.lockHeightM }, approach: { xM: -7.5, yM: walkLineYM } },
    { id: 'elevator', kind: 'elevator', lock: { xM: -4, yM: options.widthM + 3, zM: options.lockHeightM }, approach: { xM: -4, yM: options.widthM + 2.5 } },
  ];
  for (let i = 0; i < options.roomsPerSide; i++) {
    const xM = options.doorSpacingM * (i + 1);
    entrances.push({ id: roomId(options.floor, i, 'south'), kind: 'room', lock: { xM, yM: 0, zM: options.lockHeightM }, approach: { xM, yM: walkLineYM } });
    entrances.push({ id: roomId(options.floor, i, 'north'), kind: 'room', lock: { xM, yM: options.widthM, zM: options.lockHeightM }, approach: { xM, yM: walkLineYM } });
  }
  return { options, entrances, walkLineYM, elevatorExit: { xM: -4, yM: options.widthM + 2 }, byId: new Map(entrances.map((e) => [e.id, e])) };
}

/** The room beside `id` on the same wall (next door along the corridor), if any. */
export function sameSideNeighbour(corridor: Corridor, id: string): string | undefined {
  const room = Number(id);
  const next = room + 2;
  return corridor.byId.has(String(next)) ? String(next) : corridor.byId.has(String(room - 2)) ? String(room - 2) : undefined;
}

/** The room across the corridor from `id`. */
export function facingRoom(corridor: Corridor, id: string): string | undefined {
  const room = Number(id);
  const other = room % 2 === 1 ? room + 1 : room - 1;
  return corridor.byId.has(String(other)) ? String(other) : undefined;
}

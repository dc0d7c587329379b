/**
 * Store errors carry what an operator needs to find the problem (file, event id, segment path,
 * field) so a pipeline log line is enough without a stack trace.
 */

export class StoreValidationError extends Error {
  override readonly name = 'StoreValidationError';
  constructor(
    /** The repository call that was refused, e.g. `events.start`. */
    readonly operation: string,
    /** The first offending field, as named in the TypeScript API (e.g. `behaviour`, `details.box[0]`). */
    readonly field: string,
    readonly problems: readonly string[],
  ) {
    super(`${operation}: ${problems.join('; ')}`);
  }
}

export class UnknownEventError extends Error {
  override readonly name = 'UnknownEventError';
  constructor(readonly operation: string, readonly eventId: string) {
    super(`${operation}: no event with id ${eventId}`);
  }
}

export class EventEndedError extends Error {
  override readonly name = 'EventEndedError';
  constructor(readonly operation: string, readonly eventId: string, readonly endedAt: number) {
    super(`${operation}: event ${eventId} already ended at ${new Date(endedAt).toISOString()}`);
  }
}

export class SegmentError extends Error {
  override readonly name = 'SegmentError';
  constructor(readonly operation: string, readonly path: string, reason: string, options?: ErrorOptions) {
    super(`${operation}: segment ${path}: ${reason}`, options);
  }
}

export class SchemaVersionError extends Error {
  override readonly name = 'SchemaVersionError';
  constructor(readonly file: string, readonly fileVersion: number, readonly supportedVersion: number) {
    super(
      `${file}: database schema version ${fileVersion} is newer than this Mimamori supports ` +
        `(${supportedVersion}); it was written by a newer release. Upgrade Mimamori, or point it at ` +
        'another data directory; the file was left untouched.',
    );
  }
}

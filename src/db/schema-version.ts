/**
 * Schema versions of the stores. A store's version is the number of migrations applied to it; a
 * binary knows as many as its migration list holds (the list's length, never a constant, so that
 * appending a migration is the whole of a schema change). At start-up an older store is migrated
 * forward; a newer one (written by a later retouch) is refused before anything touches it, since
 * this binary would misread or corrupt columns it does not know.
 */
export class SchemaTooNewError extends Error {
  constructor(
    readonly where: string,
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `${where} has schema version ${found}, but this retouch knows versions up to ${known}: it was written by a newer ` +
        'retouch. Run that version (or newer) again, or restore a backup made by this version (`retouch restore`); ' +
        'retouch never migrates a schema backwards.',
    );
    this.name = 'SchemaTooNewError';
  }
}

/** Throws SchemaTooNewError when `found` is beyond the `known` migrations. */
export function assertSchemaNotNewer(where: string, found: number, known: number): void {
  if (found > known) throw new SchemaTooNewError(where, found, known);
}

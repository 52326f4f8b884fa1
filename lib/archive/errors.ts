/**
 * Errors of the model-archive area.
 *
 * @module
 */

/** A model archive that cannot be read or fails verification: names the file and what is wrong. */
export class ArchiveFormatError extends Error {
  override name = "ArchiveFormatError";
  /** The archive (or file inside it) the error is about. */
  readonly path: string;

  constructor(path: string, message: string, options?: ErrorOptions) {
    super(`${path}: ${message}`, options);
    this.path = path;
  }
}

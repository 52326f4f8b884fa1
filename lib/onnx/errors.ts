/**
 * Error class for ONNX files that cannot be read or written.
 *
 * @module
 */

/**
 * A model file or byte buffer is not a valid ONNX model (truncated, corrupt,
 * missing external data, unsupported tensor data). The message names the file
 * and what is wrong; `cause` keeps the underlying error.
 */
export class OnnxFormatError extends Error {
  override name = "OnnxFormatError";
  /** The file or model name the error is about. */
  readonly source: string;

  constructor(source: string, message: string, options?: ErrorOptions) {
    super(`Cannot read "${source}": ${message}`, options);
    this.source = source;
  }
}

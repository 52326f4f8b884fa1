/**
 * Error classes of the config area. Each message is one line: what failed, the
 * quoted names, details after a colon; longer hints follow on later lines.
 *
 * @module
 */

/** Base class of the errors that composition, interpolation and instantiation raise. */
export class ConfigError extends Error {
  /** Creates the error; `cause` keeps the underlying error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The defaults list or an override cannot be applied (Hydra's ConfigCompositionException). */
export class ConfigCompositionError extends ConfigError {}

/** A config file or group option does not exist (Hydra's MissingConfigException). */
export class MissingConfigError extends ConfigError {
  /** The options of the group, when the missing config was a group option. */
  readonly options: string[];
  /** Creates the error with the options that do exist. */
  constructor(message: string, options: string[] = [], errorOptions?: ErrorOptions) {
    super(message, errorOptions);
    this.options = options;
  }
}

/** An interpolation cannot be resolved (missing key, cycle, unknown resolver). */
export class InterpolationError extends ConfigError {}

/** A mandatory value (`???`) was read before it was given. */
export class MissingValueError extends ConfigError {}

/** `_target_` instantiation failed (unknown target, factory error). */
export class InstantiationError extends ConfigError {}

/** Unparsable config text or override, naming the file (or override) and position. */
export class ConfigSyntaxError extends SyntaxError {
  /** File (or override text) the error is in. */
  readonly source: string;
  /** 1-based line, 0 when unknown. */
  readonly line: number;
  /** 1-based column, 0 when unknown. */
  readonly column: number;
  /** Creates the error. */
  constructor(
    message: string,
    where: { source: string; line?: number; column?: number },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ConfigSyntaxError";
    this.source = where.source;
    this.line = where.line ?? 0;
    this.column = where.column ?? 0;
  }
}

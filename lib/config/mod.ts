/**
 * Hydra-compatible experiment configuration.
 *
 * @module
 */

/** Placeholder until composition lands. */
export const CONFIG_VERSION = "0.1.0";

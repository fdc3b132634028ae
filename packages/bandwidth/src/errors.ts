import { SluiceError } from '@sluice/stream-core';

/**
 * A rate, burst or byte count that is not a finite, integer-safe number inside its range, or an
 * option of the wrong type. Thrown at construction, before any byte is limited.
 */
export class InvalidRateError extends SluiceError {
  /** The option that was refused, e.g. `perConnection.mbps`. */
  readonly option: string;
  readonly value: unknown;
  constructor(option: string, value: unknown, why: string) {
    super('ERR_SLUICE_INVALID_RATE', `Invalid ${option} ${describe(value)}: ${why}`);
    this.option = option;
    this.value = value;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  return Object.prototype.toString.call(value);
}

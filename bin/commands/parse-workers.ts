import { InvalidArgumentError } from 'commander';

/** `--workers N`: a whole number from 1 up */
export function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--workers must be a whole number from 1 up, not ${value}`);
  return n;
}

// Shares as people write them on a command line: `10%` or `0.1`. A bare number of 1 or more
// (`--threshold 10`) could mean 10% or 1000%; guessing wrong lets a regression through, so it
// is refused with a sentence saying how to write it.

/** A share the gate cannot use; the CLI exits 2 with this sentence. */
export class ShareError extends Error {
  override readonly name = "ShareError";
}

export interface ShareRange {
  /** Smallest share accepted, inclusive. @default 0 */
  min?: number;
  /** Largest share accepted, inclusive. @default 10 (1000%) */
  max?: number;
}

/** A decimal without sign or exponent: `10`, `0.1`, `.1`, `12.5`. */
const DECIMAL = /^(?:\d+(?:\.\d+)?|\.\d+)$/;

/** 0.1 → "10%", 0.125 → "12.5%", 0.9999 → "99.99%". */
export function formatShare(share: number): string {
  return `${Number((share * 100).toFixed(4))}%`;
}

const shown = (text: string) => (/^\S+$/.test(text) ? text : JSON.stringify(text));

/**
 * `"10%"` or `"0.1"` → 0.1. Throws a ShareError naming the flag (`name`) for anything else:
 * empty, negative, not a decimal (`10%%`, `NaN`, `1e-1`), a bare number of 1 or more
 * (ambiguous), or outside `range`.
 */
export function parseShare(text: string, name: string, range: ShareRange = {}): number {
  const { min = 0, max = 10 } = range;
  const value = text.trim();
  const example = "a percentage such as 10% or a fraction such as 0.1";
  if (value === "") throw new ShareError(`${name} needs a value: ${example}`);
  let share: number;
  if (value.endsWith("%") && DECIMAL.test(value.slice(0, -1))) {
    share = Number(value.slice(0, -1)) / 100;
  } else if (DECIMAL.test(value)) {
    share = Number(value);
    if (share >= 1) {
      const fraction = share / 100;
      const ways = fraction < 1 ? `${value}% or ${fraction}` : `${value}%`;
      throw new ShareError(`${name} ${value} is ambiguous: write ${ways}`);
    }
  } else if (/^-/.test(value) && (DECIMAL.test(value.slice(1)) || DECIMAL.test(value.slice(1, -1)))) {
    throw new ShareError(`${name} ${value} is negative: write ${example}`);
  } else {
    throw new ShareError(`${name} ${shown(text)} is not a share: write ${example}`);
  }
  if (share < min || share > max) {
    throw new ShareError(
      `${name} ${value} is out of range: expected from ${formatShare(min)} to ${formatShare(max)}`,
    );
  }
  return share;
}

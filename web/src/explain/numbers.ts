// How an explanation writes its numbers: in TeX for the equations, in Unicode for
// titles, tooltips and screen readers. Pure.

function parts(v: number, digits: number): { mantissa: string; exponent: number | null } {
  if (v === 0) return { mantissa: '0', exponent: null };
  if (!Number.isFinite(v)) return { mantissa: String(v), exponent: null };
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) {
    const [m = '', e = ''] = v.toExponential(Math.max(0, digits - 1)).split('e');
    return { mantissa: m.replace(/\.?0+$/, ''), exponent: Number(e) };
  }
  return { mantissa: String(Number(v.toPrecision(digits))), exponent: null };
}

/** 0.4811, -0.0312, 3.2\times10^{-5} (4 significant digits by default). */
export function texNum(v: number, digits = 4): string {
  const { mantissa, exponent } = parts(v, digits);
  if (mantissa === 'NaN' || mantissa === 'Infinity' || mantissa === '-Infinity') return `\\text{${mantissa}}`;
  return exponent === null ? mantissa : `${mantissa}\\times10^{${exponent}}`;
}

/** texNum in parentheses when negative, for a factor or a term after + or ·. */
export function texFactor(v: number, digits = 4): string {
  const s = texNum(v, digits);
  return v < 0 || Object.is(v, -0) ? `(${s})` : s;
}

/** "+ 0.5" or "- 0.5": a term added to what came before. */
export function texPlus(v: number, digits = 4): string {
  return v < 0 ? `- ${texNum(-v, digits)}` : `+ ${texNum(v, digits)}`;
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** 0.4811, −0.0312, 3.2·10⁻⁵: with a true minus sign. */
export function textNum(v: number, digits = 4): string {
  const { mantissa, exponent } = parts(v, digits);
  const e = exponent === null ? '' : `·10${exponent < 0 ? '⁻' : ''}${[...String(Math.abs(exponent))].map((d) => SUPERSCRIPT[Number(d)]).join('')}`;
  return (mantissa + e).replace('-', '−');
}

/**
 * Short numbers for the cells of a small grid, at most 5 characters: 2 significant
 * digits without the leading 0 (.52, −.044), ≈0 below 0.001 in size (the cell's
 * title has the exact value), whole numbers from 100.
 */
export function cellNum(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (!Number.isFinite(v)) return String(v);
  if (a >= 100) return (a >= 99999.5 ? v.toExponential(0).replace('+', '') : v.toFixed(0)).replace('-', '−');
  if (a < 1e-3) return '≈0';
  return String(Number(v.toPrecision(2))).replace(/^(-?)0\./, '$1.').replace('-', '−');
}

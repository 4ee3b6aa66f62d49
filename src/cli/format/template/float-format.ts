// strconv.FormatFloat's %e, %f and %g bodies (no sign, no padding) for fmt.

export function floatBody(abs: number, verb: string, prec: number | undefined): string {
  switch (verb) {
    case "e":
    case "E": {
      const text = abs.toExponential(Math.min(prec ?? 6, 100)).replace(/e([+-])(\d)$/, "e$10$2");
      return verb === "E" ? text.toUpperCase() : text;
    }
    case "f":
    case "F":
      return toFixed(abs, prec ?? 6);
    default: {
      const text = formatG(abs, prec ?? -1);
      return verb === "G" ? text.toUpperCase() : text;
    }
  }
}

function toFixed(abs: number, prec: number): string {
  if (abs < 1e21) return abs.toFixed(Math.min(prec, 100));
  // toFixed switches to exponent form here; such doubles are integers anyway.
  return BigInt(abs).toString() + (prec > 0 ? `.${"0".repeat(prec)}` : "");
}

/** strconv.FormatFloat(x, 'g', prec): prec -1 is the shortest form, which uses an exponent from 1e+06 on. */
function formatG(abs: number, prec: number): string {
  if (abs === 0) return "0";
  const shortest = prec < 0;
  const digitsWanted = shortest ? undefined : Math.max(prec, 1);
  const [mantissa = "0", exponent = "0"] = (digitsWanted === undefined ? abs.toExponential() : abs.toExponential(digitsWanted - 1)).split(
    "e",
  );
  const digits = mantissa.replace(".", "").replace(/0+$/, "") || "0";
  const point = Number(exponent) + 1; // digits before the decimal point
  let eprec = digitsWanted ?? 6;
  if (!shortest && eprec > digits.length && digits.length >= point) eprec = digits.length;
  if (shortest) eprec = 6;
  const exp = point - 1;
  if (exp < -4 || exp >= eprec) {
    const shown = shortest ? digits.length : Math.min(digitsWanted ?? 0, digits.length);
    return exponentForm(digits, shown - 1, exp);
  }
  const shown = shortest || (digitsWanted ?? 0) > point ? digits.length : (digitsWanted ?? 0);
  return fixedForm(digits, point, Math.max(shown - point, 0));
}

function exponentForm(digits: string, fraction: number, exp: number): string {
  const rest = digits.slice(1).padEnd(fraction, "0").slice(0, fraction);
  const mantissa = fraction > 0 ? `${digits[0] ?? "0"}.${rest}` : (digits[0] ?? "0");
  return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

function fixedForm(digits: string, point: number, fraction: number): string {
  const integer = point > 0 ? digits.slice(0, point).padEnd(point, "0") : "0";
  let frac = "";
  for (let i = 0; i < fraction; i++) frac += digits[point + i] ?? "0";
  return fraction > 0 ? `${integer}.${frac}` : integer;
}

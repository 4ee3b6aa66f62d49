// fmt.Sprintf: the format string's directives, argument indexes and error forms.

import { type Directive, directive, formatArg, formatValue } from "./fmt.js";
import { goTypeName } from "./values.js";

export function sprintf(format: string, args: readonly unknown[]): string {
  return new Printf(format, args).run();
}

/** fmt's doPrintf: flags, [n] argument indexes, * widths and precisions, and its %!verb(…) error forms. */
class Printf {
  private out = "";
  private i = 0;
  private argNum = 0;
  private reordered = false;
  private goodArgNum = true;

  constructor(
    private readonly format: string,
    private readonly args: readonly unknown[],
  ) {}

  run(): string {
    while (this.i < this.format.length) {
      const percent = this.format.indexOf("%", this.i);
      if (percent < 0) {
        this.out += this.format.slice(this.i);
        break;
      }
      this.out += this.format.slice(this.i, percent);
      this.i = percent + 1;
      if (!this.directive()) break;
    }
    if (!this.reordered && this.argNum < this.args.length) this.out += this.extraArgs();
    return this.out;
  }

  /** Handles one directive after "%"; false when the format ended inside it. */
  private directive(): boolean {
    this.goodArgNum = true;
    const d = directive("");
    this.flags(d);
    let afterIndex = this.argIndex();
    if (this.format[this.i] === "*") {
      this.i++;
      d.width = this.intArg();
      if (d.width === undefined) this.out += "%!(BADWIDTH)";
      else if (d.width < 0) Object.assign(d, { width: -d.width, minus: true, zero: false });
      afterIndex = false;
    } else {
      d.width = this.number();
      if (afterIndex && d.width !== undefined) this.goodArgNum = false;
    }
    if (this.i + 1 < this.format.length && this.format[this.i] === ".") {
      this.i++;
      if (afterIndex) this.goodArgNum = false;
      afterIndex = this.argIndex();
      if (this.format[this.i] === "*") {
        this.i++;
        d.prec = this.intArg();
        if (d.prec !== undefined && d.prec < 0) d.prec = undefined;
        if (d.prec === undefined) this.out += "%!(BADPREC)";
        afterIndex = false;
      } else {
        d.prec = this.number() ?? 0;
      }
    }
    if (!afterIndex) this.argIndex();
    const cp = this.format.codePointAt(this.i);
    if (cp === undefined) {
      this.out += "%!(NOVERB)";
      return false;
    }
    d.verb = String.fromCodePoint(cp);
    this.i += d.verb.length;
    this.out += this.verb(d);
    return true;
  }

  private flags(d: Directive): void {
    for (;;) {
      switch (this.format[this.i]) {
        case "#":
          d.sharp = true;
          break;
        case "0":
          d.zero = !d.minus;
          break;
        case "+":
          d.plus = true;
          break;
        case "-":
          Object.assign(d, { minus: true, zero: false });
          break;
        case " ":
          d.space = true;
          break;
        default:
          return;
      }
      this.i++;
    }
  }

  private verb(d: Directive): string {
    if (d.verb === "%") return "%";
    if (!this.goodArgNum) return `%!${d.verb}(BADINDEX)`;
    if (this.argNum >= this.args.length) return `%!${d.verb}(MISSING)`;
    if (d.verb === "v") Object.assign(d, { sharpV: d.sharp, sharp: false, plusV: d.plus, plus: false });
    return formatArg(d, this.args[this.argNum++]);
  }

  /** An explicit "[n]" argument index; true when one was present. */
  private argIndex(): boolean {
    if (this.format[this.i] !== "[") return false;
    this.reordered = true;
    const close = this.format.indexOf("]", this.i);
    const digits = close < 0 ? "" : this.format.slice(this.i + 1, close);
    this.i = close < 0 ? this.i + 1 : close + 1;
    const index = /^\d+$/.test(digits) ? Number(digits) - 1 : -1;
    if (index >= 0 && index < this.args.length) {
      this.argNum = index;
      return true;
    }
    this.goodArgNum = false;
    return close >= 0;
  }

  private number(): number | undefined {
    const match = /^\d+/.exec(this.format.slice(this.i));
    if (!match) return undefined;
    this.i += match[0].length;
    const value = Number(match[0]);
    return value > 1e6 ? undefined : value;
  }

  private intArg(): number | undefined {
    if (this.argNum >= this.args.length) return undefined;
    const value = this.args[this.argNum++];
    return typeof value === "number" && Number.isInteger(value) && Math.abs(value) <= 1e6 ? value : undefined;
  }

  private extraArgs(): string {
    const extras = this.args
      .slice(this.argNum)
      .map((arg) => (arg === null || arg === undefined ? "<nil>" : `${goTypeName(arg)}=${formatValue(arg)}`));
    return `%!(EXTRA ${extras.join(", ")})`;
  }
}

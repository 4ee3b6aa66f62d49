// `--gpus` as docker CLI 28 parses it (opts/gpus.go): one CSV record of `all`, a count, or
// `driver=`, `count=`, `device=`, `capabilities=`, `options=` fields, into a DeviceRequest. The
// errors are the CLI's, Go's encoding/csv included; commander makes them flag errors.
import { InvalidArgumentError } from "commander";
import type { DeviceRequest } from "../engine/containers/device-requests.js";

/**
 * One line of Go's encoding/csv Reader (default settings): comma-separated fields, `"…"` quoted
 * with `""` for a quote. Errors carry Go's words and 1-based columns; an empty line is io.EOF.
 */
export function readCsvRecord(line: string): string[] {
  if (line === "") throw new Error("EOF");
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) throw new Error(`parse error on line 1, column ${line.length + 1}: extraneous or missing " in quoted-field`);
        value += line.slice(i, quote);
        i = quote + 1;
        if (line[i] === '"') {
          value += '"';
          i++;
        } else if (i === line.length || line[i] === ",") break;
        else throw new Error(`parse error on line 1, column ${quote + 1}: extraneous or missing " in quoted-field`);
      }
      fields.push(value);
    } else {
      const comma = line.indexOf(",", i);
      const end = comma < 0 ? line.length : comma;
      const value = line.slice(i, end);
      const bare = value.indexOf('"');
      if (bare >= 0) throw new Error(`parse error on line 1, column ${i + bare + 1}: bare " in non-quoted-field`);
      fields.push(value);
      i = end;
    }
    if (i >= line.length) return fields;
    i++; // the comma
    if (i === line.length) {
      fields.push("");
      return fields;
    }
  }
}

/** `all` is -1; otherwise strconv.Atoi, with the CLI's words around Go's. */
function parseCount(text: string): number {
  if (text === "all") return -1;
  if (!/^[+-]?\d+$/.test(text)) {
    throw new Error(`invalid count (${text}): value must be either "all" or an integer: invalid syntax`);
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`invalid count (${text}): value must be either "all" or an integer: value out of range`);
  return n;
}

/** docker/cli's opts.ConvertKVStringsToMap: KEY=VALUE, or KEY alone for an empty value. */
function keyValues(fields: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) {
    const eq = f.indexOf("=");
    if (eq < 0) out[f] = "";
    else out[f.slice(0, eq)] = f.slice(eq + 1);
  }
  return out;
}

/** One --gpus value as a DeviceRequest; throws the CLI's message. */
export function parseGpuRequest(value: string): DeviceRequest {
  const fields = readCsvRecord(value);
  const req: DeviceRequest = { Driver: "", Count: 0, DeviceIDs: null, Capabilities: null, Options: null };
  const seen = new Set<string>();
  for (const field of fields) {
    const eq = field.indexOf("=");
    const key = eq < 0 ? field : field.slice(0, eq);
    const val = field.slice(eq + 1);
    if (seen.has(key)) throw new Error(`gpu request key '${key}' can be specified only once`);
    seen.add(key);
    if (eq < 0) {
      seen.add("count");
      req.Count = parseCount(key);
      continue;
    }
    switch (key) {
      case "driver":
        req.Driver = val;
        break;
      case "count":
        req.Count = parseCount(val);
        break;
      case "device":
        req.DeviceIDs = val.split(",");
        break;
      case "capabilities":
        req.Capabilities = [[...val.split(","), "gpu"]];
        break;
      case "options":
        try {
          req.Options = keyValues(readCsvRecord(val));
        } catch (err) {
          throw new Error(`failed to read gpu options: ${(err as Error).message}`);
        }
        break;
      default:
        throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!seen.has("count") && req.DeviceIDs === null) req.Count = 1;
  req.Options ??= {};
  req.Capabilities ??= [["gpu"]];
  return req;
}

/** Commander's collector for --gpus: each value appends a request, a bad one is a flag error. */
export function collectGpus(value: string, previous: DeviceRequest[] = []): DeviceRequest[] {
  try {
    return [...previous, parseGpuRequest(value)];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

// Docker's way of showing a JSON message stream (docker/cli's jsonmessage): on a terminal each
// layer owns a line that is redrawn in place with a progress bar; piped, byte counts are dropped
// and every status change is one plain line.
import type { ProgressMessage } from "../../engine/progress.js";
import { humanSizeWithPrecision } from "./units.js";

export interface ProgressDisplay {
  show(message: ProgressMessage): void;
}

export function progressDisplay(out: NodeJS.WriteStream, opts: { terminal: boolean; now?: () => number }): ProgressDisplay {
  const lines = new Map<string, number>();
  const starts = new Map<string, number>();
  const now = opts.now ?? Date.now;
  return {
    show(m) {
      // Docker sends every layer line with a progressDetail, empty when there are no bytes to show.
      const detail = m.progressDetail ?? (m.id !== undefined ? { current: 0 } : undefined);
      const hasBytes = Boolean(detail && (detail.current > 0 || (detail.total ?? 0) > 0));
      let diff = 0;
      if (m.id !== undefined) {
        // A layer's line: new ones are appended, known ones redrawn where they are. The cursor
        // rests on the empty row below the block, as docker/cli leaves it.
        let line = lines.get(m.id);
        if (line === undefined) {
          line = lines.size;
          lines.set(m.id, line);
          if (opts.terminal) out.write("\n");
        }
        diff = lines.size - line;
        if (opts.terminal) out.write(`\x1b[${diff}A`);
      } else {
        // Anything else ends the block of layer lines (pull -a moves on to the next tag).
        lines.clear();
      }
      if (!opts.terminal && hasBytes) return;
      let text = m.id !== undefined ? `${m.id}: ` : "";
      if (opts.terminal && m.id !== undefined) {
        if (hasBytes && !starts.has(m.id)) starts.set(m.id, now());
        text = `\x1b[2K\r${text}${m.status}${detail ? ` ${progressBar(detail, out.columns ?? 200, starts.get(m.id), now())}` : ""}\r`;
      } else {
        text += `${m.status}\n`;
      }
      out.write(text);
      if (opts.terminal && m.id !== undefined) out.write(`\x1b[${diff}B`);
    },
  };
}

/** JSONProgress.String(): `[=====>     ]  12.3MB/30.1MB 4s`, the bar only on wide terminals. */
export function progressBar(p: { current: number; total?: number }, width: number, startedAt?: number, now = Date.now()): string {
  const total = p.total ?? 0;
  if (p.current <= 0 && total <= 0) return "";
  const current = humanSizeWithPrecision(p.current, 4);
  if (total <= 0) return current.padStart(8);
  const percentage = Math.min(50, Math.trunc(Math.trunc((p.current / total) * 100) / 2));
  const bar = width > 110 ? `[${"=".repeat(percentage)}>${" ".repeat(Math.max(0, 50 - percentage))}] ` : "";
  const numbers = p.current > total ? current.padStart(8) : `${current.padStart(8)}/${humanSizeWithPrecision(total, 4)}`;
  let left = "";
  if (p.current > 0 && startedAt !== undefined && percentage < 50) {
    const seconds = Math.round((((now - startedAt) / p.current) * (total - p.current)) / 1000);
    left = ` ${goDuration(seconds)}`;
  }
  return bar + numbers + left;
}

/** Go's time.Duration.String() for whole seconds: 0s, 45s, 1m30s, 2h0m5s. */
function goDuration(seconds: number): string {
  if (seconds <= 0) return "0s";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}

// Sizes, times and IDs as the docker CLI prints them (units.HumanSize: decimal, 3 significant digits).
export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toPrecision(3))}${units[unit]}`;
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}

export function ago(date: Date): string {
  const seconds = Math.max(0, (Date.now() - date.getTime()) / 1000);
  if (seconds < 60) return "just now";
  const steps: [number, string][] = [
    [60, "minute"],
    [3600, "hour"],
    [86400, "day"],
    [86400 * 30, "month"],
    [86400 * 365, "year"],
  ];
  let label = "minute";
  let size = 60;
  for (const [s, name] of steps) if (seconds >= s) [size, label] = [s, name];
  const n = Math.floor(seconds / size);
  return `${n} ${label}${n === 1 ? "" : "s"} ago`;
}

/** A history entry's CREATED BY without the shell's prefix: `RUN …`, `COPY …`, as people wrote it. */
export function instruction(createdBy: string): string {
  const text = createdBy.trim();
  const nop = /^\/bin\/sh -c #\(nop\)\s*(.*)$/s.exec(text);
  if (nop) return nop[1]!.trim();
  const run = /^\/bin\/sh -c (.*)$/s.exec(text);
  if (run) return `RUN ${run[1]!.trim()}`;
  return text;
}

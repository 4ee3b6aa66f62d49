// The words Docker's daemon uses for a container's state (container/state.go String(), with
// go-units HumanDuration): `ps` prints them, and the API's /containers/json carries them.
import type { ContainerState } from "../../store/container-store.js";
import { healthSuffix } from "./health-state.js";

/** units.HumanDuration, as "CREATED" columns print it before " ago". */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60000);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3600000 + 0.5);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3600000 / 24 / 365)} years`;
}

/** "Up 5 seconds", "Up 2 minutes (Paused)", "Up 1 second (healthy)", "Exited (0) 3 seconds ago", "Created", "Dead". */
export function containerStatusText(s: ContainerState, now = Date.now()): string {
  if (s.Running) return `Up ${humanDuration(now - Date.parse(s.StartedAt))}${s.Paused ? " (Paused)" : healthSuffix(s)}`;
  if (s.Restarting) return `Restarting (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
  if (s.Status === "created") return "Created";
  if (s.Status === "dead") return "Dead";
  return `Exited (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
}

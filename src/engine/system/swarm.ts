// Swarm mode: berth is a single engine and never a swarm node, so it answers as a dockerd that has
// not joined one: every manager call is "unavailable" with dockerd's words (clients, docker-py's
// among them, take 503 as "no swarm"), leaving says there is nothing to leave, and joining or
// creating a swarm is refused as something berth does not do.
import { NotImplementedError, UnavailableError } from "../../errors.js";

export function notSwarmManager(): UnavailableError {
  return new UnavailableError(
    'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.',
  );
}

export function notInSwarm(): UnavailableError {
  return new UnavailableError("This node is not part of a swarm");
}

export function swarmNotImplemented(): NotImplementedError {
  return new NotImplementedError("berth does not implement swarm mode: it runs containers on this machine only");
}

/** dockerd's "info" section for a node outside any swarm. */
export const INACTIVE_SWARM_INFO = {
  NodeID: "",
  NodeAddr: "",
  LocalNodeState: "inactive",
  ControlAvailable: false,
  Error: "",
  RemoteManagers: null,
} as const;

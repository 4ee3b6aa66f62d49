// The run/create flags of issue 13's last part: --gpus, --isolation, --link-local-ip,
// --volume-driver (engine settings), --disable-content-trust and --use-api-socket (the docker
// CLI's own doing: it verifies tags with a Notary server, and mounts the socket it talks to).
import { Option, type Command } from "commander";
import type { CreateRequest } from "../../engine/containers/create-container.js";
import type { DeviceRequest } from "../../engine/containers/device-requests.js";
import type { Engine } from "../../engine/engine.js";
import { parseBool, collect } from "../command-spec.js";
import { ClientError } from "../errors.js";
import { collectGpus } from "../gpus-flag.js";

export function addExtraCreateFlags(cmd: Command): Command {
  return (
    cmd
      // No default: unset, DOCKER_CONTENT_TRUST decides (docker's default is its negation).
      .option("--disable-content-trust [bool]", "Skip image verification (default true)", parseBool)
      .option("--gpus <gpu-request>", "GPU devices to add to the container ('all' to pass all GPUs)", collectGpus, [])
      .option("--isolation <string>", "Container isolation technology")
      .option("--link-local-ip <list>", "Container IPv4/IPv6 link-local addresses", collect, [])
      .option("--use-api-socket", "Bind mount Docker API socket and required auth")
      .option("--volume-driver <string>", "Optional volume driver for the container")
      // docker's aliases of --network are hidden from its help (cli/command/container/opts.go).
      .addOption(new Option("--net <network>", "Alias of --network").argParser(collect).default([]).hideHelp())
  );
}

/** The HostConfig fields these flags set. */
export function extraHostSettings(opts: Record<string, unknown>): Partial<CreateRequest["host"]> {
  const gpus = opts.gpus as DeviceRequest[];
  return {
    DeviceRequests: gpus.length ? gpus : null,
    Isolation: (opts.isolation as string | undefined) ?? "",
    VolumeDriver: (opts.volumeDriver as string | undefined) ?? "",
  };
}

/**
 * --use-api-socket: the docker CLI bind-mounts the unix socket it talks to at /var/run/docker.sock.
 * berth's CLI is its own engine; the API a container can talk to is the `berth serve` of the same
 * runroot, so that one's socket is mounted, and without one running the flag fails.
 */
export async function withApiSocket(engine: Engine, req: CreateRequest, opts: Record<string, unknown>): Promise<CreateRequest> {
  if (!opts.useApiSocket) return req;
  const { findServeSocket } = await import("../../engine/system/serve-socket.js");
  const socket = await findServeSocket(engine);
  if (!socket) {
    throw new ClientError(
      `flag --use-api-socket needs a running 'berth serve' to mount its socket: none listens for runroot ${engine.config.runroot}`,
    );
  }
  const { parseMountFlag } = await import("../../engine/containers/mount-specs.js");
  return {
    ...req,
    mounts: [...req.mounts, { ...parseMountFlag(`type=bind,source=${socket},target=/var/run/docker.sock`), propagation: "" }],
  };
}

// Whether the host ports a container publishes are free on the host, asked of the kernel: each
// address, port and protocol is bound once, as dockerd's docker-proxy binds it, and released at
// once. netavark's DNAT rules take any port without a look (NETWORKING.md §0.3), and berth's own
// reservations know only berth's containers, so a port some other process holds is found only here.
//
// The sockets are not kept for the container's lifetime (podman has conmon hold them): between this
// probe and netavark's setup another process can still take the port, and it can take it later; its
// traffic to the published address then goes to the container, which DNAT sees first.
import * as net from "node:net";
import * as dgram from "node:dgram";
import { SystemError } from "../errors.js";
import type { NetavarkPortMapping } from "./netavark.js";

/** A host port a container could not have, in docker-proxy's words. */
export class HostPortUnavailableError extends SystemError {}

interface Listen {
  readonly network: "tcp4" | "tcp6" | "udp4" | "udp6";
  readonly address: string;
  readonly port: number;
}

/**
 * Binds every host port of `mappings` and releases them all again. Throws HostPortUnavailableError
 * with `Error starting userland proxy: listen tcp4 127.0.0.1:PORT: bind: address already in use`
 * (dockerd 20.10's text) for the first one the kernel refuses. "All addresses" (host_ip "") is
 * 0.0.0.0 and ::, each on its own, as docker-proxy listens; :: is skipped on a host without IPv6.
 * SCTP ports are not probed: Node has no SCTP sockets.
 */
export async function probeHostPorts(mappings: readonly NetavarkPortMapping[]): Promise<void> {
  for (const listen of listensOf(mappings)) {
    const error = await tryBind(listen);
    if (!error) continue;
    if (listen.address === "::" && (error.code === "EAFNOSUPPORT" || error.code === "EADDRNOTAVAIL")) continue;
    const where = listen.address.includes(":") ? `[${listen.address}]:${listen.port}` : `${listen.address}:${listen.port}`;
    throw new HostPortUnavailableError(`Error starting userland proxy: listen ${listen.network} ${where}: bind: ${goErrno(error)}`, {
      cause: error,
    });
  }
}

function listensOf(mappings: readonly NetavarkPortMapping[]): Listen[] {
  const listens: Listen[] = [];
  for (const m of mappings) {
    if (m.protocol === "sctp") continue;
    for (let i = 0; i < m.range; i++) {
      const port = m.host_port + i;
      const addresses = m.host_ip === "" ? ["0.0.0.0", "::"] : [m.host_ip];
      for (const address of addresses) {
        const v6 = net.isIPv6(address);
        listens.push({ network: `${m.protocol}${v6 ? "6" : "4"}`, address, port });
      }
    }
  }
  return listens;
}

/** The bind's error, or undefined once the socket was bound and closed again. */
function tryBind(listen: Listen): Promise<NodeJS.ErrnoException | undefined> {
  return listen.network.startsWith("tcp") ? tryBindTcp(listen) : tryBindUdp(listen);
}

function tryBindTcp(listen: Listen): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) => resolve(err));
    // ipv6Only: docker-proxy's tcp6 socket leaves the IPv4 port to the tcp4 one.
    server.listen({ host: listen.address, port: listen.port, exclusive: true, ipv6Only: listen.network === "tcp6" }, () =>
      server.close(() => resolve(undefined)),
    );
  });
}

function tryBindUdp(listen: Listen): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket({ type: listen.network === "udp6" ? "udp6" : "udp4", ipv6Only: listen.network === "udp6" });
    socket.once("error", (err: NodeJS.ErrnoException) => {
      try {
        socket.close();
      } catch {
        // Never bound: nothing to close.
      }
      resolve(err);
    });
    socket.bind({ address: listen.address, port: listen.port, exclusive: true }, () => socket.close(() => resolve(undefined)));
  });
}

/** Go's text for the errno (what docker-proxy prints), not Node's. */
function goErrno(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "EADDRINUSE":
      return "address already in use";
    case "EADDRNOTAVAIL":
      return "cannot assign requested address";
    case "EACCES":
      return "permission denied";
    default:
      return err.message;
  }
}

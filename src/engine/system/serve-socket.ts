// Where `berth serve` listens, recorded under the runroot while it runs (one file per serve
// process), so that `run --use-api-socket` can mount the API of the engine it talks to. The file
// goes when serve stops; one left by a killed serve is skipped, as nothing answers on its socket.
import * as fs from "node:fs";
import * as net from "node:net";
import type { Engine } from "../engine.js";
import { resourceFault } from "../../errors.js";

function recordsDir(engine: Pick<Engine, "config">): string {
  return `${engine.config.runroot}/serve`;
}

/**
 * Records serve's unix sockets; returns the record's remover, for serve's shutdown. A runroot that
 * is full or read-only must not stop serve from answering reads: it serves unrecorded, and says so.
 */
export function recordServeSockets(engine: Pick<Engine, "config" | "log">, sockets: readonly string[]): () => void {
  const dir = recordsDir(engine);
  const file = `${dir}/${process.pid}.json`;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(`${file}.tmp`, JSON.stringify({ pid: process.pid, sockets }), { mode: 0o600 });
    fs.renameSync(`${file}.tmp`, file);
  } catch (err) {
    const fault = resourceFault(err);
    if (!fault) throw err;
    fs.rmSync(`${file}.tmp`, { force: true });
    engine.log.warn(`run --use-api-socket will not find this server: ${fault.message}`);
    return () => undefined;
  }
  return () => fs.rmSync(file, { force: true });
}

/** The first recorded unix socket on which a `berth serve` of this runroot answers, if any. */
export async function findServeSocket(engine: Pick<Engine, "config">): Promise<string | undefined> {
  let names: string[];
  try {
    names = fs.readdirSync(recordsDir(engine)).filter((n) => n.endsWith(".json"));
  } catch {
    return undefined;
  }
  for (const name of names.sort()) {
    let sockets: string[];
    try {
      sockets = (JSON.parse(fs.readFileSync(`${recordsDir(engine)}/${name}`, "utf8")) as { sockets: string[] }).sockets;
    } catch {
      continue;
    }
    for (const socket of sockets) if (await socketAnswers(socket)) return socket;
  }
  return undefined;
}

/** Whether something accepts connections on a unix socket. */
export function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
}

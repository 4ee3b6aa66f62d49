// Where `berth serve` listens, recorded under the runroot while it runs (one file per serve
// process), so that `run --use-api-socket` can mount the API of the engine it talks to. The file
// goes when serve stops; one left by a killed serve is skipped, as nothing answers on its socket.
import * as fs from "node:fs";
import * as net from "node:net";
import type { Engine } from "../engine.js";

function recordsDir(engine: Pick<Engine, "config">): string {
  return `${engine.config.runroot}/serve`;
}

/** Records serve's unix sockets; returns the record's remover, for serve's shutdown. */
export function recordServeSockets(engine: Pick<Engine, "config">, sockets: readonly string[]): () => void {
  const dir = recordsDir(engine);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = `${dir}/${process.pid}.json`;
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ pid: process.pid, sockets }), { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
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

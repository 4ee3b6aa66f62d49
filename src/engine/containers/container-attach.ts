// Joining a client's streams to a container: the attach socket, detach keys and the terminal's
// size. The CLI and the API reach conmon's attach side only through here, so these few runtime
// calls stay in one place.
import type { Engine } from "../engine.js";
import { attach, type AttachConnection, type AttachResult, type AttachStreams } from "../../runtime/attach.js";
import { parseDetachKeys } from "../../runtime/detach-keys.js";
import type { TerminalControl } from "../../runtime/runtime.js";
import { createTask } from "./start-container.js";
import type { ExitFollower } from "./exit-follower.js";
import { attachRunning } from "./container-io.js";
import { cleanupContainer, waitContainer } from "./container-lifecycle.js";
import type { ContainerRecord } from "../../store/container-store.js";
import { NotFoundError } from "../../errors.js";

export type { AttachConnection, AttachResult, AttachStreams };

/** Docker's --detach-keys / detachKeys text as bytes; unset means ctrl-p,ctrl-q, "" means none. */
export function detachKeys(text: string | undefined): number[] {
  return parseDetachKeys(text ?? "ctrl-p,ctrl-q");
}

/** Streams an open attach connection until the container ends its output or the client detaches. */
export function streamAttach(connection: AttachConnection, streams: AttachStreams): Promise<AttachResult> {
  return attach(connection, streams);
}

export type { TerminalControl };

/**
 * Starts a container with attaches joined before its process runs, so they miss no byte
 * (`run`, `start -a`, the API's pending attaches). `beforeStart` gets a way to open a connection
 * to the created task. Returns undefined when the container already ran (nothing was started).
 */
export async function startWithAttach(
  engine: Engine,
  idOrName: string,
  beforeStart: (connect: () => Promise<AttachConnection>) => Promise<void>,
  opts: { followed?: boolean } = {},
): Promise<{ id: string; terminal: TerminalControl; follower?: ExitFollower | undefined } | undefined> {
  const task = await createTask(engine, idOrName, { ...opts, attachNext: true });
  if ("alreadyRunning" in task) return undefined;
  try {
    await beforeStart(() => task.attach());
    await task.start();
  } catch (err) {
    task.follower?.release();
    throw err;
  }
  return { id: task.record.spec.id, terminal: task.terminal, follower: task.follower };
}

/** What a client that follows a container to its end is told: its exit code, or that it detached. */
export type AttachedEnd = { detached: true } | { detached: false; exitCode: number };

export interface FollowHooks {
  /** Once the process runs: the client's terminal size and signal forwarding; returns what undoes them. */
  onRunning?(running: { id: string; terminal: TerminalControl }): Promise<() => void>;
}

/**
 * `run` and `start -a`: start with the streams attached, follow the container to its end, and
 * record that end (with --rm, the container goes), as the client's own wait and cleanup.
 */
export async function startAndFollow(
  engine: Engine,
  idOrName: string,
  streams: AttachStreams,
  hooks: FollowHooks = {},
): Promise<AttachedEnd | undefined> {
  let connection: AttachConnection | undefined;
  // Followed: this process settles the exit, and conmon's exit command need not start berth again.
  const started = await startWithAttach(
    engine,
    idOrName,
    async (connect) => {
      connection = await connect();
    },
    { followed: true },
  );
  if (!started || !connection) {
    started?.follower?.release();
    return undefined;
  }
  try {
    return await followAttached(engine, started.id, connection, started.terminal, streams, hooks, started.follower);
  } finally {
    started.follower?.release();
  }
}

/** `attach`: the streams of a running container, until it ends (then its exit code) or the client detaches. */
export async function attachAndFollow(
  engine: Engine,
  idOrName: string,
  streams: (record: ContainerRecord) => AttachStreams | Promise<AttachStreams>,
  hooks: FollowHooks = {},
): Promise<AttachedEnd> {
  const { record, connection, terminal } = await attachRunning(engine, idOrName);
  let chosen: AttachStreams;
  try {
    chosen = await streams(record);
  } catch (err) {
    connection.close();
    throw err;
  }
  return followAttached(engine, record.spec.id, connection, terminal, chosen, hooks);
}

async function followAttached(
  engine: Engine,
  id: string,
  connection: AttachConnection,
  terminal: TerminalControl,
  streams: AttachStreams,
  hooks: FollowHooks,
  follower?: ExitFollower,
): Promise<AttachedEnd> {
  const undo = hooks.onRunning ? await hooks.onRunning({ id, terminal }) : () => undefined;
  let result: AttachResult;
  try {
    result = await attach(connection, streams);
  } finally {
    undo();
  }
  if (result === "detached") return { detached: true };
  const exitCode = await waitContainer(engine, id).catch((err: unknown) => {
    const recorded = err instanceof NotFoundError ? recordedExitCode(engine, id) : undefined;
    if (recorded === undefined) throw err;
    return recorded;
  });
  await cleanupContainer(engine, id);
  // A restart the policy decided on is the exit command's to carry out (restartAfterExit).
  const after = engine.store.containers.get(id)?.state;
  if (!after || (!after.Running && !after.Restarting)) follower?.settled();
  return { detached: false, exitCode };
}

/**
 * The exit code of a container that is gone: with --rm, conmon's exit command may record the exit
 * and remove the container before its follower asks. The exit was stored with a "die" event in the
 * same transaction, and the removal came after it.
 */
function recordedExitCode(engine: Engine, id: string): number | undefined {
  const code = engine.store.events.latest("container", id, "die")?.attributes.exitCode;
  return code === undefined ? undefined : Number(code);
}

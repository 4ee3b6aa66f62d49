// The classic builder's JSON messages for POST /build (BUILD-API §2). (Minimal stand-in with the
// shared shape; the full version replaces this file.)
import type { BuildReporter } from "../engine/build/build-events.js";
import type { BuildResult } from "../engine/build/build-request.js";

export class ClassicBuildStream {
  readonly reporter: BuildReporter;
  private readonly held: string[] = [];

  constructor(
    private readonly write: (line: string) => void,
    private readonly opts: { quiet: boolean },
  ) {
    this.reporter = {
      event: (event) => {
        if (event.kind === "step-start")
          this.send({ stream: `Step ${event.step.number}/${event.step.total} : ${event.step.text}` }, { stream: "\n" });
        else if (event.kind === "step-output") this.send({ stream: event.data.toString() });
        else if (event.kind === "step-done") this.send({ stream: ` ---> ${event.imageId.replace(/^sha256:/, "").slice(0, 12)}\n` });
        else if (event.kind === "stage-done") this.send({ aux: { ID: event.imageId } });
        else if (event.kind === "tagged") this.send({ stream: `Successfully tagged ${event.name}\n` });
      },
    };
  }

  finish(result: BuildResult): void {
    if (this.opts.quiet) this.write(JSON.stringify({ stream: `${result.imageId}\n` }) + "\r\n");
    else this.send({ stream: `Successfully built ${result.imageId.replace(/^sha256:/, "").slice(0, 12)}\n` });
  }

  fail(err: unknown): void {
    for (const line of this.held) this.write(line);
    const message = err instanceof Error ? err.message : String(err);
    this.write(JSON.stringify({ errorDetail: { message }, error: message }) + "\r\n");
  }

  private send(...messages: unknown[]): void {
    for (const m of messages) {
      const line = JSON.stringify(m) + "\r\n";
      if (this.opts.quiet) this.held.push(line);
      else this.write(line);
    }
  }
}

/**
 * Human progress of an operation: a listr2 task list on stderr (a live task with the engine's
 * latest resource steps on a terminal; one line per step otherwise), so stdout keeps only the
 * result. `--json` does not use this: it prints the events as NDJSON.
 */
import { Listr, ListrLogger, ProcessOutput } from "listr2";
import type { EngineEvent } from "./engine";

/** One line of an event, as the task list shows it (undefined: not shown). */
export function eventLine(e: EngineEvent): string | undefined {
  if (e.type === "resource" && e.resource) return `${e.resource.op.padEnd(7)} ${e.resource.type} ${e.resource.urn.split("::").pop()}`;
  if (e.type === "diagnostic" && e.message) return `${e.severity ?? "info"}: ${e.message}`;
  if (e.type === "output" && e.message) return e.message;
  return undefined;
}

/**
 * Runs `work` as one task titled `title`, feeding it an `onEvent` that updates the task's output.
 * Resolves with work's result, or rejects with its error (after the task list shows the failure).
 */
export async function withProgress<T>(title: string, work: (onEvent: (e: EngineEvent) => void) => Promise<T>, stream: NodeJS.WriteStream = process.stderr): Promise<T> {
  const logger = new ListrLogger({ processOutput: new ProcessOutput(stream, stream) });
  let result: T | undefined;
  const list = new Listr(
    [
      {
        title,
        task: async (_ctx, task) => {
          result = await work((e) => {
            const line = eventLine(e);
            if (line !== undefined) task.output = line;
          });
        },
        rendererOptions: { outputBar: 6, persistentOutput: false },
      },
    ],
    {
      renderer: "default",
      rendererOptions: { logger },
      fallbackRenderer: "simple",
      fallbackRendererOptions: { logger },
      registerSignalListeners: false,
      exitOnError: true,
    },
  );
  await list.run();
  return result as T;
}

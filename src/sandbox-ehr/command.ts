// `human-connect sandbox-ehr`: the sandbox EHR in its own process, until SIGINT or SIGTERM.
import { parseArgs } from "node:util";
import { startSandboxEhr } from "./server.ts";

/** Where the command writes. */
export interface SandboxEhrIo {
  stdout: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** Runs the sandbox EHR; resolves to the exit code once it stops. Throws an Error for bad options. */
export async function sandboxEhrCommand(args: string[], io: SandboxEhrIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: "string" }, host: { type: "string" }, "client-secret": { type: "string" } },
    strict: true,
  });
  const rawPort = values.port ?? io.env.HC_SANDBOX_EHR_PORT ?? "9090";
  if (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) > 65535) throw new Error("--port must be a port number (0-65535)");
  const clientSecret = values["client-secret"] ?? io.env.HC_SANDBOX_EHR_CLIENT_SECRET;
  const ehr = await startSandboxEhr({ port: Number(rawPort), host: values.host ?? "127.0.0.1", clientSecret });
  io.stdout(`Sandbox EHR listening on ${ehr.url}\nFHIR base URL: ${ehr.fhirBaseUrl}\nTest patients: demo/demo, jordan/jordan, sam/sam\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      ehr.close().then(resolve, resolve);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
  return 0;
}

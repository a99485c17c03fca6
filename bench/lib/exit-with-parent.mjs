// Preloaded (`node --import`) into the benchmark's child processes: when the benchmark process goes away, the IPC
// channel closes and the child stops itself with SIGTERM (the service's own graceful shutdown), so nothing outlives
// an interrupted run. The channel is unreferenced so that it never keeps a finished child alive.
process.on("disconnect", () => process.kill(process.pid, "SIGTERM"));
process.channel?.unref();

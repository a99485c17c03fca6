// The throughput floor: the smallest useful node:http server, in its own process like the service.
import { createServer } from "node:http";

const body = JSON.stringify({ hello: "world" });
const server = createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, "127.0.0.1", () => process.send?.({ ready: { url: `http://127.0.0.1:${server.address().port}` } }));
process.once("SIGTERM", () => server.close(() => process.exit(0)));

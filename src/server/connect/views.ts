import type { ConnectionView } from "../../protocol/connect-api.ts";
import type { ConnectionRecord } from "../store/types.ts";

/** A stored connection as both APIs show it. */
export function toConnectionView(r: ConnectionRecord): ConnectionView {
  return {
    source: { name: r.source.name, id: r.source.id },
    status: r.status,
    status_reason: r.statusReason,
    connected_at: new Date(r.connectedAt).toISOString(),
    status_changed_at: new Date(r.statusChangedAt).toISOString(),
  };
}

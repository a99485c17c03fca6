import { createCipheriv, createDecipheriv, createHash, randomBytes, randomFillSync, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Name of the generated master key file inside the data dir. */
export const MASTER_KEY_FILE = "master.key";

// Random bytes for tokens and ids are drawn from one buffer filled by the CSPRNG 4 KB at a time, as Node's own
// randomUUID() does: a system call per token cost a twentieth of the token endpoint's time. Bytes are used once.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomFromPool(bytes: number): Buffer {
  if (bytes > pool.length) return randomBytes(bytes);
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return out;
}

/** A random opaque string of `bytes` random bytes (base64url), optionally prefixed. */
export function randomToken(bytes = 32, prefix = ""): string {
  return prefix + randomFromPool(bytes).toString("base64url");
}

/** 32 lowercase hex characters (128 random bits). */
export function randomHex128(): string {
  return randomFromPool(16).toString("hex");
}

/** SHA-256 of a token, hex; tokens are stored only in this form. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Base64url SHA-256, as PKCE S256 wants it. */
export function sha256Base64Url(text: string): string {
  return createHash("sha256").update(text, "ascii").digest("base64url");
}

/** Compares two strings without leaking where they differ (length differences are hidden behind a hash). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a, "utf8").digest();
  const hb = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

function parseKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, "hex");
  const b = Buffer.from(trimmed, /[-_]/.test(trimmed) ? "base64url" : "base64");
  return b.length === 32 ? b : null;
}

/**
 * Loads the 32-byte key that encrypts client secrets at rest: HC_MASTER_KEY (hex or base64) when set, otherwise
 * `master.key` in the data dir, created with mode 0600 on first use.
 */
export function loadMasterKey(dataDir: string, envValue: string | undefined = process.env.HC_MASTER_KEY): Buffer {
  if (envValue !== undefined && envValue !== "") {
    const key = parseKey(envValue);
    if (!key) throw new Error("HC_MASTER_KEY must be 32 bytes, written as 64 hex characters or base64");
    return key;
  }
  const file = join(dataDir, MASTER_KEY_FILE);
  if (existsSync(file)) {
    const key = parseKey(readFileSync(file, "utf8"));
    if (!key) throw new Error(`${file} does not hold a 32-byte key (64 hex characters or base64)`);
    return key;
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString("hex") + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return key;
}

/** AES-256-GCM encryption of small secrets: `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error("SecretBox needs a 32-byte key");
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
  }

  decrypt(sealed: string): string {
    const [version, iv, tag, body] = sealed.split(".");
    if (version !== "v1" || iv === undefined || tag === undefined || body === undefined) {
      throw new Error("unknown secret format");
    }
    const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  }
}

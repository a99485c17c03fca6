import type { AuthMethod, SourceType } from "../../protocol/connect-api.ts";
import type { SourceBehavior, SourceRecord } from "./types.ts";
import { US_CITIES, US_STATE_NAMES } from "./us-places.ts";
import {
  APP_WORDS, DEVICE_MODELS, DEVICE_PREFIXES, DEVICE_PRODUCTS, INSURER_BRANDS, LAB_BRANDS, NATURE_WORDS,
  PHARMACY_CHAINS, PLACE_WORDS, SAINTS, SURNAMES,
} from "./sandbox-names.ts";

/** The seed of the sandbox catalog: the same seed always yields the same sources in the same order. */
export const SANDBOX_CATALOG_SEED = 0x5eed_c0de;

/**
 * The one slow kind of source: clinics of the "Vulcan" network, whose names all start with "Vulcan".
 * Nothing else in the generated catalog uses that word.
 */
const SLOW_NETWORK = "Vulcan";
const SLOW_NETWORK_SHARE = 0.003;
const UNAVAILABLE_SHARE = 0.03;
/** Generated sources of each type that the sandbox ranks as popular. */
const POPULAR_PER_TYPE = 3;

const TYPE_WEIGHTS: readonly (readonly [SourceType, number])[] = [
  ["hospital", 14], ["clinic", 34], ["lab", 9], ["pharmacy", 27], ["insurer", 5], ["wearable", 11],
];

const TYPE_LABELS: Record<SourceType, string> = {
  hospital: "Hospital",
  clinic: "Clinic",
  lab: "Laboratory",
  pharmacy: "Pharmacy",
  insurer: "Health insurer",
  wearable: "Wearable device or health app",
};

const AUTH_TEXT: Record<AuthMethod, string> = {
  credentials: "Sign in with the username and password of your online account.",
  credentials_mfa: "Sign in with your username and password, then a one-time code.",
  oauth: "Sign in on the source's own page in a pop-up window.",
  smart: "Sign in on your health system's own patient portal page.",
};

const BEHAVIOR_TEXT: Record<SourceBehavior, string> = {
  normal: "",
  unavailable: " Sandbox: this source is down for maintenance.",
  slow: " Sandbox: this source answers slowly (about 3 seconds).",
};

/** The sources every sandbox catalog holds, with the ids the docs and the tests name. */
export const FIXED_SANDBOX_SOURCES: readonly SourceRecord[] = [
  fixed("5b1daf3f079c652eaf41fd23", "Starfleet Pharmacy", "pharmacy", "San Francisco", "CA", "credentials", "normal", 0),
  fixed("54dc427aaa6b4cb7d6203061", "Cleveland Clinic", "hospital", "Cleveland", "OH", "credentials", "normal", 1),
  fixed("5b1daf3f079c652eaf41fd24", "Enterprise Medical Labs", "lab", "Riverside", "IA", "credentials_mfa", "normal", 3),
  fixed("5b1daf3f079c652eaf41fd25", "Holodeck Fitness", "wearable", "San Francisco", "CA", "oauth", "normal", 2),
  fixed("5b1daf3f079c652eaf41fd26", "Romulan Health Plan", "insurer", "Phoenix", "AZ", "credentials", "unavailable"),
  fixed("5b1daf3f079c652eaf41fd27", "Vulcan Slow Clinic", "clinic", "Vulcan", "MI", "credentials", "slow"),
];

/** Generates the deterministic sandbox catalog: the fixed sources first, then realistic generated ones up to `count`. */
export function generateSandboxCatalog(count = 50_000): SourceRecord[] {
  const total = Math.max(0, Math.floor(count));
  const sources = FIXED_SANDBOX_SOURCES.slice(0, total).map((s) => ({ ...s }));
  const random = new SeededRandom(SANDBOX_CATALOG_SEED);
  const usedIds = new Set(FIXED_SANDBOX_SOURCES.map((s) => s.id));
  const reservedNames = new Set(FIXED_SANDBOX_SOURCES.map((s) => s.name.toLowerCase()));
  const usedNamesInCity = new Set<string>();
  const cityPicks = weightedCityIndexes();
  const typePicks = TYPE_WEIGHTS.flatMap(([type, weight]) => Array<SourceType>(weight).fill(type));
  // The popular sources after the fixed ones: the first few working sources of each type, ranked in the order they
  // are generated, so that a smaller catalog ranks the same sources as a larger one.
  const rankedOfType = new Map<SourceType, number>();
  let nextRank = FIXED_SANDBOX_SOURCES.filter((s) => s.rank !== undefined).length;

  while (sources.length < total) {
    const type = random.pick(typePicks);
    const [city, state] = US_CITIES[random.pick(cityPicks)]!;
    const slow = type === "clinic" && random.next() < SLOW_NETWORK_SHARE;
    let name = "";
    for (let attempt = 0; ; attempt++) {
      name = slow ? slowNetworkName(random) : sourceName(type, city, state, random);
      if (attempt >= 20) name = `${name} #${attempt}`;
      const key = `${name.toLowerCase()}\u0000${city}\u0000${state}`;
      if (!reservedNames.has(name.toLowerCase()) && !usedNamesInCity.has(key)) {
        usedNamesInCity.add(key);
        break;
      }
    }
    const behavior: SourceBehavior = slow ? "slow" : random.next() < UNAVAILABLE_SHARE ? "unavailable" : "normal";
    const auth = authFor(type, random);
    let id = random.hex24();
    while (usedIds.has(id)) id = random.hex24();
    usedIds.add(id);
    const source: SourceRecord = { id, name, type, city, state, auth, description: describe(type, city, state, auth, behavior), behavior };
    const ranked = rankedOfType.get(type) ?? 0;
    if (behavior === "normal" && ranked < POPULAR_PER_TYPE) {
      rankedOfType.set(type, ranked + 1);
      source.rank = nextRank++;
    }
    sources.push(source);
  }
  return sources;
}

function fixed(
  id: string, name: string, type: SourceType, city: string, state: string, auth: AuthMethod, behavior: SourceBehavior, rank?: number,
): SourceRecord {
  const source: SourceRecord = { id, name, type, city, state, auth, behavior, description: describe(type, city, state, auth, behavior) };
  if (rank !== undefined) source.rank = rank;
  return source;
}

function describe(type: SourceType, city: string, state: string, auth: AuthMethod, behavior: SourceBehavior): string {
  return `${TYPE_LABELS[type]} in ${city}, ${state}. ${AUTH_TEXT[auth]}${BEHAVIOR_TEXT[behavior]}`;
}

function authFor(type: SourceType, random: SeededRandom): AuthMethod {
  const r = random.next();
  // Device makers mostly offer OAuth; portals of care providers mostly take a username and password.
  if (type === "wearable") return r < 0.75 ? "oauth" : r < 0.95 ? "credentials" : "credentials_mfa";
  if (type === "insurer") return r < 0.55 ? "credentials" : r < 0.9 ? "credentials_mfa" : "oauth";
  return r < 0.72 ? "credentials" : r < 0.92 ? "credentials_mfa" : "oauth";
}

function slowNetworkName(random: SeededRandom): string {
  return `${SLOW_NETWORK} ${random.pick(["Family Clinic", "Walk-In Clinic", "Urgent Care", "Medical Group"])}`;
}

function sourceName(type: SourceType, city: string, state: string, random: SeededRandom): string {
  const surname = () => random.pick(SURNAMES);
  const nature = () => random.pick(NATURE_WORDS);
  const naturePlace = () => `${random.pick(NATURE_WORDS)} ${random.pick(PLACE_WORDS)}`;
  const stateName = US_STATE_NAMES[state] ?? state;
  switch (type) {
    case "hospital":
      switch (random.int(14)) {
        case 0: return `${city} General Hospital`;
        case 1: return `${city} Regional Medical Center`;
        case 2: return `${random.pick(SAINTS)} Hospital`;
        case 3: return `${random.pick(SAINTS)} Medical Center`;
        case 4: return `${surname()} Memorial Hospital`;
        case 5: return `${naturePlace()} Hospital`;
        case 6: return `${naturePlace()} Medical Center`;
        case 7: return `Children's Hospital of ${city}`;
        case 8: return `${city} Community Hospital`;
        case 9: return `${city} Rehabilitation Hospital`;
        case 10: return `${surname()} Cancer Institute`;
        case 11: return `University Medical Center of ${city}`;
        case 12: return `${city} Veterans Medical Center`;
        default: return `${stateName} Heart Hospital`;
      }
    case "clinic":
      switch (random.int(22)) {
        case 0: return `${surname()} Family Medicine`;
        case 1: return `${surname()} & ${surname()} Pediatrics`;
        case 2: return `${naturePlace()} Family Practice`;
        case 3: return `${city} Urgent Care`;
        case 4: return `${nature()} Dermatology`;
        case 5: return `${surname()} Orthopedics`;
        case 6: return `${city} Women's Health`;
        case 7: return `${surname()} Eye Care`;
        case 8: return `${nature()} Internal Medicine`;
        case 9: return `${city} Cardiology Associates`;
        case 10: return `${surname()} Dental Group`;
        case 11: return `${city} Community Health Center`;
        case 12: return `${nature()} Pediatric Clinic`;
        case 13: return `${surname()} Medical Clinic`;
        case 14: return `${naturePlace()} Walk-In Clinic`;
        case 15: return `${city} Sports Medicine`;
        case 16: return `${surname()} Allergy & Asthma`;
        case 17: return `${nature()} Behavioral Health`;
        case 18: return `${city} Ear, Nose & Throat`;
        case 19: return `${surname()} Physical Therapy`;
        case 20: return `${nature()} Primary Care`;
        default: return `${surname()} OB/GYN`;
      }
    case "lab":
      switch (random.int(8)) {
        case 0: return `${surname()} Diagnostic Laboratory`;
        case 1: return `${city} Pathology Associates`;
        case 2: return `${random.pick(LAB_BRANDS)} Labs`;
        case 3: return `${nature()} Clinical Laboratory`;
        case 4: return `${random.pick(LAB_BRANDS)} Diagnostics`;
        case 5: return `${city} Imaging & Lab`;
        case 6: return `${random.pick(LAB_BRANDS)} Genetics`;
        default: return `${random.pick(LAB_BRANDS)} Reference Laboratory`;
      }
    case "pharmacy":
      switch (random.int(8)) {
        case 0:
        case 1:
        case 2: return `${random.pick(PHARMACY_CHAINS)} Pharmacy #${String(1 + random.int(9999)).padStart(4, "0")}`;
        case 3: return `${surname()} Pharmacy`;
        case 4: return `${surname()} Drug`;
        case 5: return `${city} Apothecary`;
        case 6: return `${nature()} Compounding Pharmacy`;
        default: return `${nature()} Pharmacy`;
      }
    case "insurer":
      switch (random.int(7)) {
        case 0: return `${random.pick(INSURER_BRANDS)} Health Plan`;
        case 1: return `${random.pick(INSURER_BRANDS)} Health Insurance`;
        case 2: return `${stateName} ${random.pick(INSURER_BRANDS)} Health`;
        case 3: return `${nature()} Mutual Health`;
        case 4: return `${random.pick(INSURER_BRANDS)} Medicare Advantage`;
        case 5: return `${random.pick(INSURER_BRANDS)} Dental Insurance`;
        default: return `${random.pick(INSURER_BRANDS)} Vision Plan`;
      }
    case "wearable":
      switch (random.int(3)) {
        case 0: return `${random.pick(DEVICE_PREFIXES)} ${random.pick(DEVICE_PRODUCTS)}`;
        case 1: return `${random.pick(DEVICE_PREFIXES)} ${random.pick(DEVICE_PRODUCTS)} ${random.pick(DEVICE_MODELS)}`;
        default: return `${random.pick(DEVICE_PREFIXES)} ${random.pick(APP_WORDS)}`;
      }
  }
}

function weightedCityIndexes(): number[] {
  const picks: number[] = [];
  US_CITIES.forEach(([, , weight], index) => {
    for (let i = 0; i < weight; i++) picks.push(index);
  });
  return picks;
}

/** mulberry32: tiny, fast and good enough to spread sandbox data; not for anything secret. */
class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  uint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  next(): number {
    return this.uint32() / 4294967296;
  }

  int(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  hex24(): string {
    return hex8(this.uint32()) + hex8(this.uint32()) + hex8(this.uint32());
  }
}

function hex8(value: number): string {
  return value.toString(16).padStart(8, "0");
}

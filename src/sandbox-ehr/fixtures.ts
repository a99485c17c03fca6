// The sandbox EHR's test patients and their records: written for this project, FHIR R4, made up.
import type { AllergyIntolerance, Bundle, Condition, FhirResource, MedicationRequest, Observation, Patient } from "fhir/r4";

/** A test patient: the sign-in of their portal account and their records. */
export interface TestPatient {
  username: string;
  password: string;
  patient: Patient & { id: string };
  observations: Observation[];
  conditions: Condition[];
  medications: MedicationRequest[];
  allergies: AllergyIntolerance[];
}

const LOINC = "http://loinc.org";
const SNOMED = "http://snomed.info/sct";
const RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";

function vital(id: string, patient: string, code: string, display: string, value: number, unit: string, ucum: string, when: string): Observation {
  return {
    resourceType: "Observation",
    id,
    status: "final",
    category: [{ coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "vital-signs", display: "Vital Signs" }] }],
    code: { coding: [{ system: LOINC, code, display }], text: display },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: when,
    valueQuantity: { value, unit, system: "http://unitsofmeasure.org", code: ucum },
  };
}

function condition(id: string, patient: string, code: string, display: string, onset: string): Condition {
  return {
    resourceType: "Condition",
    id,
    clinicalStatus: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/condition-clinical", code: "active" }] },
    verificationStatus: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/condition-ver-status", code: "confirmed" }] },
    code: { coding: [{ system: SNOMED, code, display }], text: display },
    subject: { reference: `Patient/${patient}` },
    onsetDateTime: onset,
  };
}

function medication(id: string, patient: string, code: string, display: string, dosage: string, authored: string): MedicationRequest {
  return {
    resourceType: "MedicationRequest",
    id,
    status: "active",
    intent: "order",
    medicationCodeableConcept: { coding: [{ system: RXNORM, code, display }], text: display },
    subject: { reference: `Patient/${patient}` },
    authoredOn: authored,
    dosageInstruction: [{ text: dosage }],
  };
}

function allergy(id: string, patient: string, code: string, display: string, criticality: AllergyIntolerance["criticality"]): AllergyIntolerance {
  return {
    resourceType: "AllergyIntolerance",
    id,
    clinicalStatus: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", code: "active" }] },
    code: { coding: [{ system: SNOMED, code, display }], text: display },
    patient: { reference: `Patient/${patient}` },
    ...(criticality ? { criticality } : {}),
  };
}

/** The documented test patients; `demo` / `demo` is the first. */
export const TEST_PATIENTS: readonly TestPatient[] = [
  {
    username: "demo",
    password: "demo",
    patient: {
      resourceType: "Patient",
      id: "hc-demo-1",
      active: true,
      name: [{ use: "official", family: "Rivera", given: ["Alex"] }],
      gender: "female",
      birthDate: "1984-03-12",
      address: [{ city: "Cleveland", state: "OH", country: "US" }],
    },
    observations: [
      vital("hc-demo-1-bp", "hc-demo-1", "8480-6", "Systolic blood pressure", 118, "mmHg", "mm[Hg]", "2026-10-02T09:30:00Z"),
      vital("hc-demo-1-hr", "hc-demo-1", "8867-4", "Heart rate", 64, "beats/minute", "/min", "2026-10-02T09:30:00Z"),
      vital("hc-demo-1-wt", "hc-demo-1", "29463-7", "Body weight", 63.5, "kg", "kg", "2026-10-02T09:30:00Z"),
    ],
    conditions: [condition("hc-demo-1-asthma", "hc-demo-1", "195967001", "Asthma", "2009-05-01")],
    medications: [medication("hc-demo-1-albuterol", "hc-demo-1", "245314", "Albuterol 0.09 MG/ACTUAT inhaler", "2 puffs every 4 hours as needed", "2026-06-15")],
    allergies: [allergy("hc-demo-1-peanut", "hc-demo-1", "91935009", "Allergy to peanut", "high")],
  },
  {
    username: "jordan",
    password: "jordan",
    patient: {
      resourceType: "Patient",
      id: "hc-demo-2",
      active: true,
      name: [{ use: "official", family: "Okafor", given: ["Jordan"] }],
      gender: "male",
      birthDate: "1957-11-02",
      address: [{ city: "Houston", state: "TX", country: "US" }],
    },
    observations: [
      vital("hc-demo-2-glucose", "hc-demo-2", "2339-0", "Glucose [Mass/volume] in Blood", 131, "mg/dL", "mg/dL", "2026-09-20T08:00:00Z"),
      vital("hc-demo-2-a1c", "hc-demo-2", "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 7.1, "%", "%", "2026-09-20T08:00:00Z"),
    ],
    conditions: [
      condition("hc-demo-2-diabetes", "hc-demo-2", "44054006", "Diabetes mellitus type 2", "2015-02-10"),
      condition("hc-demo-2-htn", "hc-demo-2", "38341003", "Hypertensive disorder", "2012-07-22"),
    ],
    medications: [medication("hc-demo-2-metformin", "hc-demo-2", "861007", "Metformin hydrochloride 500 MG oral tablet", "1 tablet twice a day with meals", "2026-01-05")],
    allergies: [],
  },
  {
    username: "sam",
    password: "sam",
    patient: {
      resourceType: "Patient",
      id: "hc-demo-3",
      active: true,
      name: [{ use: "official", family: "Lee", given: ["Sam"] }],
      gender: "other",
      birthDate: "2001-08-30",
      address: [{ city: "Portland", state: "OR", country: "US" }],
    },
    observations: [],
    conditions: [],
    medications: [],
    allergies: [allergy("hc-demo-3-penicillin", "hc-demo-3", "91936005", "Allergy to penicillin", "low")],
  },
];

/** The resource types the sandbox searches by `patient`. */
export const SEARCHABLE_TYPES = ["Observation", "Condition", "MedicationRequest", "AllergyIntolerance"] as const;
export type SearchableType = (typeof SEARCHABLE_TYPES)[number];

/** One patient's resources of a searchable type. */
export function resourcesOf(patient: TestPatient, type: SearchableType): FhirResource[] {
  switch (type) {
    case "Observation":
      return patient.observations;
    case "Condition":
      return patient.conditions;
    case "MedicationRequest":
      return patient.medications;
    case "AllergyIntolerance":
      return patient.allergies;
  }
}

/** A searchset Bundle of `resources`, with full URLs under `fhirBase`. */
export function searchBundle(fhirBase: string, self: string, resources: readonly FhirResource[]): Bundle {
  return {
    resourceType: "Bundle",
    type: "searchset",
    total: resources.length,
    link: [{ relation: "self", url: self }],
    entry: resources.map((resource) => ({ fullUrl: `${fhirBase}/${resource.resourceType}/${resource.id}`, resource, search: { mode: "match" } })),
  };
}

/**
 * The validation every write goes through (and $validate): base R4 (JSON Schema, cardinality,
 * reference formats), the R4 invariants, the profiles a resource claims in meta.profile, and,
 * with PROFILES=egisz, the EGISZ profile of its type. VALIDATION=strict rejects a resource with
 * any error (422, every issue listed), lenient stores it and reports the issues, off skips it all.
 */
import type { Resource, StructureDefinition } from 'fhir/r4.js';
import { FhirError } from '../fhir/errors.js';
import { validateBase } from './base-schema.js';
import { DEFAULT_ATTACHMENT_LIMIT, attachmentIssues } from './attachment-limits.js';
import { checkInvariants } from './invariants.js';
import { type ValidationIssue, outcomeIssue } from './issue.js';
import { type ProfileRegistry, profileRegistry } from './profile-registry.js';

export type ValidationMode = 'strict' | 'lenient' | 'off';
export type ProfileMode = 'egisz' | 'none';

const EGISZ_BASE = 'https://egisz.example.ru/fhir/StructureDefinition';

/** The EGISZ profile each type must meet when PROFILES=egisz. */
const EGISZ_PROFILE_OF_TYPE: Readonly<Record<string, string>> = {
  Patient: `${EGISZ_BASE}/egisz-patient`,
  Organization: `${EGISZ_BASE}/egisz-organization`,
  Observation: `${EGISZ_BASE}/egisz-lab-observation`,
  DiagnosticReport: `${EGISZ_BASE}/egisz-lab-diagnosticreport`,
  Consent: `${EGISZ_BASE}/egisz-consent`,
};

export interface ValidationSettings {
  mode: ValidationMode;
  profiles: ProfileMode;
  /** The largest attachment accepted, in bytes (Binary content, presentedForm, sourceAttachment). */
  attachmentLimit?: number;
}

/** Finds a profile the registry does not know (one written to the server as a StructureDefinition). */
export type ProfileFinder = (url: string) => Promise<StructureDefinition | undefined>;

/** Told of each write strict validation refuses (the metrics). */
export type RejectionRecorder = (resourceType: string) => void;

export class Validator {
  constructor(
    readonly settings: ValidationSettings,
    private readonly findProfile: ProfileFinder = async () => undefined,
    private readonly registry: ProfileRegistry = profileRegistry(),
    private readonly recordRejection?: RejectionRecorder,
  ) {}

  /** Registers the profiles among `urls` that the registry does not know yet but the store holds. */
  async loadProfiles(urls: readonly string[]): Promise<void> {
    for (const url of urls) {
      if (this.registry.validator(url)) continue;
      const sd = await this.findProfile(url);
      if (sd) this.registry.register(sd);
    }
  }

  /** The profiles a resource is checked against: those it claims, the EGISZ one of its type, and any asked for. */
  profilesOf(resource: Resource, asked: readonly string[] = []): string[] {
    const claimed = resource.meta?.profile ?? [];
    const egisz = this.settings.profiles === 'egisz' ? EGISZ_PROFILE_OF_TYPE[resource.resourceType] : undefined;
    return [...new Set([...claimed, ...(egisz ? [egisz] : []), ...asked])];
  }

  /** Every issue of `resource`, errors first. */
  issues(resource: Resource, asked: readonly string[] = []): ValidationIssue[] {
    const structural = validateBase(resource);
    // profiles assume a structurally sound resource: checking a broken one against them only adds noise
    if (structural.some((issue) => issue.severity === 'error')) return structural;
    const found = [
      ...structural,
      ...checkInvariants(resource),
      ...attachmentIssues(resource, this.settings.attachmentLimit ?? DEFAULT_ATTACHMENT_LIMIT),
      ...this.profilesOf(resource, asked).flatMap((url) => this.registry.validate(resource, url)),
    ];
    return found.sort((a, b) => rank(a) - rank(b));
  }

  /**
   * The check before a write. Strict: any error throws a 422 listing every issue. Lenient: the
   * issues are returned for the answer to report. Off: nothing is checked.
   */
  async checkWrite(resource: Resource): Promise<ValidationIssue[]> {
    if (this.settings.mode === 'off') return [];
    await this.loadProfiles(this.profilesOf(resource));
    const found = [...this.issues(resource), ...this.asProfile(resource)];
    const errors = found.filter((issue) => issue.severity === 'error' || issue.severity === 'fatal').length;
    if (errors > 0 && this.settings.mode === 'strict') {
      this.recordRejection?.(resource.resourceType);
      throw validationFailed(resource.resourceType, errors, found);
    }
    return found;
  }

  /** A constraint StructureDefinition written to the server becomes a profile at once; one that cannot be used is refused. */
  private asProfile(resource: Resource): ValidationIssue[] {
    const sd = resource as StructureDefinition;
    if (resource.resourceType !== 'StructureDefinition' || sd.derivation !== 'constraint') return [];
    return this.registry.register(sd);
  }
}

const SEVERITY_RANK = { fatal: 0, error: 1, warning: 2, information: 3 } as const;

function rank(issue: ValidationIssue): number {
  return SEVERITY_RANK[issue.severity];
}

function validationFailed(type: string, errors: number, issues: ValidationIssue[]): FhirError {
  const err = new FhirError('FHIR_ERR_VALIDATION_FAILED', [type, errors]);
  err.outcomeIssues = issues.map(outcomeIssue);
  return err;
}

/** What each development role's token may do, and the launch context claim it carries. */
export interface DevRole {
  scope: string;
  /** The claim the role is bound to: a clinic or lab acts for its organization, a cabinet for one patient. */
  context?: 'organization' | 'patient';
}

export const DEV_ROLES = {
  clinic: {
    scope: 'user/Patient.cruds user/Observation.cruds user/DiagnosticReport.cruds user/Consent.cruds user/Organization.rs',
    context: 'organization',
  },
  lab: {
    scope: 'system/DiagnosticReport.cru system/Observation.cru system/Patient.crs system/Organization.crs',
    context: 'organization',
  },
  cabinet: { scope: 'patient/*.rs patient/Subscription.cruds', context: 'patient' },
  auditor: { scope: 'system/AuditEvent.rs' },
} as const satisfies Record<string, DevRole>;

export type DevRoleName = keyof typeof DEV_ROLES;

export const DEV_ROLE_NAMES = Object.keys(DEV_ROLES) as DevRoleName[];

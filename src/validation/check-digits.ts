/**
 * Check digits of Russian identifiers (shared/EGISZ.md, "Check-digit algorithms"):
 * SNILS, ENP (the single OMS policy number), INN and OGRN/OGRNIP. Pure functions.
 */
import { issueOf, type ValidationIssue } from './issue.js';

export type CheckDigitKind = 'snils' | 'enp' | 'inn' | 'ogrn';

/** Numbers up to 001-001-998 were issued before the check number existed. */
const LAST_UNCHECKED_SNILS = 1001998;
const SNILS_WEIGHTS = [9, 8, 7, 6, 5, 4, 3, 2, 1];
const INN10_WEIGHTS = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN11_WEIGHTS = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_WEIGHTS = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const SNILS_FORMS = [/^(\d{3})-(\d{3})-(\d{3})[ -](\d{2})$/, /^(\d{9}) (\d{2})$/, /^(\d{11})$/];

/** `XXX-XXX-XXX YY`, `XXX-XXX-XXX-YY`, `XXXXXXXXX YY` or 11 digits as the 11 digits; otherwise undefined. */
export function normalizeSnils(value: string): string | undefined {
  for (const form of SNILS_FORMS) {
    const match = form.exec(value);
    if (match) return match.slice(1).join('');
  }
  return undefined;
}

/** In any form normalizeSnils accepts; up to 001-001-998 only the form is checked. */
export function isValidSnils(value: string): boolean {
  return passes('snils', value);
}

/** 16 digits. */
export function isValidEnp(value: string): boolean {
  return passes('enp', value);
}

/** 10 digits (organisation) or 12 (individual). */
export function isValidInn(value: string): boolean {
  return passes('inn', value);
}

/** 13 digits (OGRN) or 15 (OGRNIP). */
export function isValidOgrn(value: string): boolean {
  return passes('ogrn', value);
}

/** Undefined when `value` is a valid identifier of `kind`; otherwise why not, as an error at `expression`. */
export function checkDigitIssue(kind: CheckDigitKind, value: string, expression: string): ValidationIssue | undefined {
  const rule = RULES[kind];
  const digits = rule.digitsOf(value);
  if (digits === undefined) {
    const shown = quoted(value);
    return issueOf('error', 'value', 'VAL_CHECK_DIGIT', expression,
      `${rule.en} ${shown}: wrong length or format, expected ${rule.formatEn}`,
      `${rule.ru} ${shown}: неверная длина или формат, ожидается ${rule.formatRu}`);
  }
  const expected = rule.expectedTail(digits);
  if (expected === undefined || digits.endsWith(expected)) return undefined;
  const shown = rule.display(digits);
  const term = kind === 'snils' ? TERMS.number : expected.length === 1 ? TERMS.digit : TERMS.digits;
  return issueOf('error', 'value', 'VAL_CHECK_DIGIT', expression,
    `${rule.en} ${shown}: the ${term.en} should be ${expected}`,
    `${rule.ru} ${shown}: ${term.ru} ${expected}`);
}

interface Rule {
  en: string;
  ru: string;
  formatEn: string;
  formatRu: string;
  /** The identifier's digits when its length and format are right. */
  digitsOf(value: string): string | undefined;
  /** The check digit(s) the number should end with; undefined when it is not checked. */
  expectedTail(digits: string): string | undefined;
  display(digits: string): string;
}

const digitsOfLength = (...lengths: number[]) => (value: string) =>
  /^\d+$/.test(value) && lengths.includes(value.length) ? value : undefined;

const RULES: Record<CheckDigitKind, Rule> = {
  snils: {
    en: 'SNILS', ru: 'СНИЛС',
    formatEn: '11 digits as XXX-XXX-XXX YY, XXX-XXX-XXX-YY, XXXXXXXXX YY or XXXXXXXXXXX',
    formatRu: '11 цифр в виде XXX-XXX-XXX YY, XXX-XXX-XXX-YY, XXXXXXXXX YY или XXXXXXXXXXX',
    digitsOf: normalizeSnils,
    expectedTail: snilsCheck,
    display: (d) => `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6, 9)} ${d.slice(9)}`,
  },
  enp: {
    en: 'ENP (OMS policy number)', ru: 'ЕНП ОМС',
    formatEn: '16 digits', formatRu: '16 цифр',
    digitsOf: digitsOfLength(16),
    expectedTail: enpCheck,
    display: (d) => d,
  },
  inn: {
    en: 'INN', ru: 'ИНН',
    formatEn: '10 digits (organisation) or 12 digits (individual)',
    formatRu: '10 цифр (организация) или 12 цифр (физическое лицо)',
    digitsOf: digitsOfLength(10, 12),
    expectedTail: innCheck,
    display: (d) => d,
  },
  ogrn: {
    en: 'OGRN/OGRNIP', ru: 'ОГРН/ОГРНИП',
    formatEn: '13 digits (OGRN) or 15 digits (OGRNIP)', formatRu: '13 цифр (ОГРН) или 15 цифр (ОГРНИП)',
    digitsOf: digitsOfLength(13, 15),
    expectedTail: ogrnCheck,
    display: (d) => d,
  },
};

const TERMS = {
  digit: { en: 'check digit', ru: 'контрольная цифра должна быть' },
  digits: { en: 'check digits', ru: 'контрольные цифры должны быть' },
  number: { en: 'check number', ru: 'контрольное число должно быть' },
};

function passes(kind: CheckDigitKind, value: string): boolean {
  const rule = RULES[kind];
  const digits = rule.digitsOf(value);
  if (digits === undefined) return false;
  const expected = rule.expectedTail(digits);
  return expected === undefined || digits.endsWith(expected);
}

/** A client's value, shortened so a huge one does not flood the message. */
function quoted(value: string): string {
  return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
}

function weightedSum(digits: string, weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += (digits.charCodeAt(i) - 48) * weights[i];
  return sum;
}

function snilsCheck(digits: string): string | undefined {
  if (Number(digits.slice(0, 9)) <= LAST_UNCHECKED_SNILS) return undefined;
  // below 100 the sum itself; 100 and 101 give 00; above, mod 101 with 100 as 00: all one formula
  const check = (weightedSum(digits, SNILS_WEIGHTS) % 101) % 100;
  return String(check).padStart(2, '0');
}

/**
 * EGISZ.md describes it as: odd positions from the right form a number A, doubled as a whole, and its
 * digits are summed with the even-position digits. Doubling a digit carries exactly when the digit is 5
 * or more, whatever the incoming carry, so the digit sum of 2·A is the sum of the digit sums of each
 * doubled digit: this is the Luhn algorithm over the first 15 digits.
 */
function enpCheck(digits: string): string {
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const digit = digits.charCodeAt(i) - 48;
    const oddFromRight = (15 - i) % 2 === 1;
    sum += oddFromRight ? (digit < 5 ? 2 * digit : 2 * digit - 9) : digit;
  }
  return String((10 - (sum % 10)) % 10);
}

function innCheck(digits: string): string {
  if (digits.length === 10) return String((weightedSum(digits, INN10_WEIGHTS) % 11) % 10);
  const eleventh = String((weightedSum(digits, INN11_WEIGHTS) % 11) % 10);
  const twelfth = String((weightedSum(digits.slice(0, 10) + eleventh, INN12_WEIGHTS) % 11) % 10);
  return eleventh + twelfth;
}

/** The body is at most 14 digits, well within exact double arithmetic. */
function ogrnCheck(digits: string): string {
  const body = Number(digits.slice(0, -1));
  return String((body % (digits.length === 13 ? 11 : 13)) % 10);
}

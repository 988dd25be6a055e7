/**
 * Check digits of SNILS, ENP, INN and OGRN/OGRNIP (shared/EGISZ.md), with every expected value
 * worked out by hand in the comments.
 */
import fc from 'fast-check';
import t, { type Test } from 'tap';
import {
  checkDigitIssue, isValidEnp, isValidInn, isValidOgrn, isValidSnils, normalizeSnils,
} from '../../src/validation/check-digits.ts';

/** Asserts each of `valid` passes `isValid` and each of `invalid` fails it. */
function expectValidity(t: Test, isValid: (value: string) => boolean, valid: string[], invalid: string[]) {
  for (const value of valid) t.ok(isValid(value), `${JSON.stringify(value)} is valid`);
  for (const value of invalid) t.notOk(isValid(value), `${JSON.stringify(value)} is invalid`);
}

t.test('SNILS: the weighted sum of the first 9 digits (weights 9..1) gives the check number', async (t) => {
  // 112-233-445: 1·9 + 1·8 + 2·7 + 2·6 + 3·5 + 3·4 + 4·3 + 4·2 + 5·1 = 95 < 100 -> 95 (the fixture patient)
  // 112-233-466: 90 + 6·2 + 6·1 = 100 -> 00; 112-233-467: 101 -> 00
  // 112-233-468: 102 > 101 -> 102 mod 101 = 01
  // 987-654-321: 81+64+49+36+25+16+9+4+1 = 285 -> 285 − 202 = 83
  // 087-654-310: 0+64+49+36+25+16+9+2+0 = 201 -> 201 mod 101 = 100, written 00
  // 999-999-999: 9·45 = 405 -> 405 − 404 = 01
  expectValidity(t, isValidSnils,
    ['11223344595', '11223346600', '11223346700', '11223346801', '98765432183', '08765431000', '99999999901'],
    ['11223344596', '11223346601', '11223346802', '98765432185', '08765431099']);
});

t.test('SNILS up to 001-001-998 is not checked; from 001-001-999 on it is', async (t) => {
  // 001-001-999: 1·7 + 1·4 + 9·3 + 9·2 + 9·1 = 65
  expectValidity(t, isValidSnils,
    ['00100199812', '00000000000', '001-001-998 47', '00100199965'],
    ['00100199964', '0010019981']);
});

t.test('SNILS is written as XXX-XXX-XXX YY, XXX-XXX-XXX-YY, XXXXXXXXX YY or 11 digits', async (t) => {
  const forms = ['112-233-445 95', '112-233-445-95', '112233445 95', '11223344595'];
  const badForms = ['', '1122334459', '112233445950', '112 233 445 95', '112-233-44595', '112-233-445  95',
    ' 11223344595', '11223344595 ', '112-233-445 9a', '１１２２３３４４５９５'];
  for (const form of forms) t.equal(normalizeSnils(form), '11223344595', form);
  for (const bad of badForms) t.equal(normalizeSnils(bad), undefined, JSON.stringify(bad));
  expectValidity(t, isValidSnils, forms, badForms);
});

t.test('ENP: A·2 over the odd positions from the right, digits summed with the even positions', async (t) => {
  // first 15 = 123456789012345; odd positions from the right: 1,3,5,7,9,1,3,5 -> A = 13579135,
  // even: B = 2468024; B + "27158270" (2A) has digit sum 26 + 32 = 58 -> check (10 − 8) mod 10 = 2
  // ...365: B = 2468026, sum 60 -> check 0
  expectValidity(t, isValidEnp,
    ['1234567890123452', '1234567890123650', '0000000000000000'],
    ['1234567890123453', '1234567890123655', '123456789012345', '12345678901234520', '1234 5678 9012 3452', '123456789012345a']);
});

t.test('INN: 10 digits, weights 2,4,10,3,5,9,4,6,8; 12 digits, the 11th over the first 10, the 12th over the first 11', async (t) => {
  // 770708389: 14+28+0+21+0+72+12+48+72 = 267 = 11·24 + 3 -> 3
  // 771768389: 14+28+10+21+30+72+12+48+72 = 307 = 11·27 + 10 -> 10 mod 10 = 0
  // 5001007322, 11th: 5·7 + 1·10 + 7·9 + 3·4 + 2·6 + 2·8 = 148 = 11·13 + 5 -> 5
  //   12th: 5·3 + 1·4 + 7·5 + 3·9 + 2·4 + 2·6 + 5·8 = 141 = 11·12 + 9 -> 9
  expectValidity(t, isValidInn,
    ['7707083893', '7717683890', '500100732259'],
    ['7707083894', '77076838900', '770708389', '500100732258', '500100732269']);
});

t.test('OGRN: (first 12 mod 11) mod 10; OGRNIP: (first 14 mod 13) mod 10', async (t) => {
  // 102770013219: alternating digit sum from the right 9−1+2−3+1−0+0−7+7−2+0−1 = 5 -> 5
  // 102770013213 ≡ 5 − 6 = −1 ≡ 10 (mod 11) -> 0
  // 30450011600015 with 10^k mod 13 = 1,10,9,12,3,4,...: 5 + 10 + 6·4 + 1 + 10 + 5·3 + 4·4 + 3·10 = 111 ≡ 7 (mod 13)
  // 31877460000123: 3 + 2·10 + 1·9 + 6·10 + 4·9 + 7·12 + 7·3 + 8·4 + 1 + 3·10 = 296 ≡ 10 (mod 13) -> 0 (mod 11 would give 1)
  expectValidity(t, isValidOgrn,
    ['1027700132195', '1027700132130', '304500116000157', '318774600001230'],
    ['1027700132196', '304500116000150', '318774600001231', '102770013219', '10277001321950', '3045001160001570', '1027700132l95']);
});

t.test('checkDigitIssue names the identifier, what is wrong and the expected check digits', async (t) => {
  const at = 'Patient.identifier[0].value';
  t.equal(checkDigitIssue('snils', '112-233-445 95', at), undefined);
  t.equal(checkDigitIssue('snils', '00100199812', at), undefined);
  t.same(checkDigitIssue('snils', '112-233-445 96', at), {
    severity: 'error', code: 'value', reason: 'VAL_CHECK_DIGIT', expression: at,
    en: 'SNILS 112-233-445 96: the check number should be 95',
    ru: 'СНИЛС 112-233-445 96: контрольное число должно быть 95',
  });
  t.match(checkDigitIssue('snils', '08765431099', at), { en: 'SNILS 087-654-310 99: the check number should be 00' });
  t.match(checkDigitIssue('snils', '112 233 445 95', at), {
    reason: 'VAL_CHECK_DIGIT', code: 'value',
    en: 'SNILS "112 233 445 95": wrong length or format, expected 11 digits as XXX-XXX-XXX YY, XXX-XXX-XXX-YY, XXXXXXXXX YY or XXXXXXXXXXX',
    ru: 'СНИЛС "112 233 445 95": неверная длина или формат, ожидается 11 цифр в виде XXX-XXX-XXX YY, XXX-XXX-XXX-YY, XXXXXXXXX YY или XXXXXXXXXXX',
  });
  t.match(checkDigitIssue('enp', '1234567890123453', at), {
    en: 'ENP (OMS policy number) 1234567890123453: the check digit should be 2',
    ru: 'ЕНП ОМС 1234567890123453: контрольная цифра должна быть 2',
  });
  t.match(checkDigitIssue('enp', '123', at), { en: 'ENP (OMS policy number) "123": wrong length or format, expected 16 digits', ru: 'ЕНП ОМС "123": неверная длина или формат, ожидается 16 цифр' });
  t.match(checkDigitIssue('inn', '7707083894', at), { en: 'INN 7707083894: the check digit should be 3', ru: 'ИНН 7707083894: контрольная цифра должна быть 3' });
  t.match(checkDigitIssue('inn', '500100732269', at), { en: 'INN 500100732269: the check digits should be 59', ru: 'ИНН 500100732269: контрольные цифры должны быть 59' });
  t.match(checkDigitIssue('inn', '77070838931', at), { ru: 'ИНН "77070838931": неверная длина или формат, ожидается 10 цифр (организация) или 12 цифр (физическое лицо)' });
  t.match(checkDigitIssue('ogrn', '304500116000150', at), { en: 'OGRN/OGRNIP 304500116000150: the check digit should be 7', ru: 'ОГРН/ОГРНИП 304500116000150: контрольная цифра должна быть 7' });
  t.match(checkDigitIssue('ogrn', '1'.repeat(100), at), { en: `OGRN/OGRNIP "${'1'.repeat(40)}…": wrong length or format, expected 13 digits (OGRN) or 15 digits (OGRNIP)` });
  for (const [kind, value] of [['enp', '1234567890123452'], ['inn', '500100732259'], ['ogrn', '1027700132195']] as const) {
    t.equal(checkDigitIssue(kind, value, at), undefined, `${kind} ${value}`);
  }
});

/*
 * Does changing one digit of a valid number always make it invalid?
 * - ENP: yes. It is Luhn: each doubled digit maps 0..9 one-to-one onto digit sums 0,2,4,6,8,1,3,5,7,9, so
 *   any single change moves the sum mod 10, and the check digit is unique.
 * - SNILS above 001-001-998: yes when the check number is not 00 (and the change stays above the range).
 *   A change of one weighted digit moves the sum by 1..81; two sums share a nonzero check number only
 *   when they differ by a multiple of 101. The 00 class holds 100,101, 201,202, 302,303, 403,404, so a
 *   ±1 on the 9th digit can go unseen: 112-233-466 00 (sum 100) and 112-233-467 00 (sum 101) are both
 *   valid, as are 087-654-310 00 (201) and 087-654-311 00 (202).
 * - INN and OGRN/OGRNIP: no. The final "mod 10" folds residue 10 onto 0 (OGRNIP also 11 onto 1 and 12
 *   onto 2), so a body change between those residues keeps the check digit: INN 7707683890 (sum 297,
 *   residue 0) and 7717683890 (307, residue 10); OGRN 1027700132140 (residue 0) and 1027700132130 (10).
 *   Changing a check digit itself is always caught, because the check digits are a function of the body.
 */
t.test('the exceptions above are real', async (t) => {
  for (const [a, b] of [['11223346600', '11223346700'], ['08765431000', '08765431100']]) {
    t.ok(isValidSnils(a) && isValidSnils(b), `SNILS ${a} and ${b}`);
  }
  t.ok(isValidInn('7707683890') && isValidInn('7717683890'), 'INN');
  t.ok(isValidOgrn('1027700132140') && isValidOgrn('1027700132130'), 'OGRN');
});

const digitsOf = (length: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length }).map((d) => d.join(''));

/** Every tail of `tailLength` digits that makes `body` valid; a body above any unchecked range has exactly one. */
function validCompletions(isValid: (value: string) => boolean, body: string, tailLength: number): string[] {
  const tails = Array.from({ length: 10 ** tailLength }, (_, i) => String(i).padStart(tailLength, '0'));
  return tails.map((tail) => body + tail).filter(isValid);
}

/** `value` with its digit at `position` replaced by each of the other nine. */
function changedAt(value: string, position: number): string[] {
  const others = '0123456789'.replace(value[position], '');
  return [...others].map((digit) => value.slice(0, position) + digit + value.slice(position + 1));
}

function singleDigitChanges(value: string, positions: readonly number[]): string[] {
  return positions.flatMap((position) => changedAt(value, position));
}

const allPositions = (length: number) => Array.from({ length }, (_, i) => i);

t.test('each body has exactly one valid completion, and single-digit changes are caught where proven', async (t) => {
  const cases = [
    { kind: 'ENP', isValid: isValidEnp, body: 15, tail: 1, changed: allPositions(16) },
    { kind: 'INN-10', isValid: isValidInn, body: 9, tail: 1, changed: [9] },
    { kind: 'INN-12', isValid: isValidInn, body: 10, tail: 2, changed: [10, 11] },
    { kind: 'OGRN', isValid: isValidOgrn, body: 12, tail: 1, changed: [12] },
    { kind: 'OGRNIP', isValid: isValidOgrn, body: 14, tail: 1, changed: [14] },
  ];
  for (const { kind, isValid, body, tail, changed } of cases) {
    fc.assert(fc.property(digitsOf(body), (digits) => {
      const completions = validCompletions(isValid, digits, tail);
      return completions.length === 1 && singleDigitChanges(completions[0], changed).every((other) => !isValid(other));
    }), { numRuns: 200 });
    t.pass(kind);
  }
  const aboveUnchecked = (snils: string) => Number(snils.slice(0, 9)) > 1001998;
  fc.assert(fc.property(digitsOf(9).filter((body) => aboveUnchecked(body)), (body) => {
    const completions = validCompletions(isValidSnils, body, 2);
    if (completions.length !== 1) return false;
    const snils = completions[0];
    const changes = snils.endsWith('00') ? singleDigitChanges(snils, [9, 10]) : singleDigitChanges(snils, allPositions(11));
    return changes.filter(aboveUnchecked).every((other) => !isValidSnils(other));
  }), { numRuns: 300 });
  t.pass('SNILS');
});

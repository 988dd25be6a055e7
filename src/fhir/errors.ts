/**
 * The error catalogue: every error a client can cause, with its HTTP status,
 * the OperationOutcome issue code and an English and Russian message template.
 * Domain code throws `FhirError`; only the HTTP edge turns it into a response.
 */
import type { OperationOutcomeIssue } from 'fhir/r4.js';

export type IssueCode =
  | 'invalid' | 'structure' | 'required' | 'value' | 'invariant' | 'code-invalid' | 'security' | 'login' | 'forbidden'
  | 'not-found' | 'deleted' | 'too-long' | 'not-supported' | 'duplicate' | 'multiple-matches'
  | 'conflict' | 'processing' | 'exception' | 'transient' | 'throttled' | 'informational' | 'business-rule' | 'too-costly';

interface ErrorDefinition {
  status: number;
  issue: IssueCode;
  en: string;
  ru: string;
}

export const ERRORS = {
  FHIR_ERR_JSON_MALFORMED: { status: 400, issue: 'structure', en: 'The body is not valid JSON: {0}', ru: 'Тело запроса не является корректным JSON: {0}' },
  FHIR_ERR_BODY_NOT_RESOURCE: { status: 400, issue: 'structure', en: 'The body must be a FHIR resource (a JSON object with resourceType)', ru: 'Тело запроса должно быть ресурсом FHIR (объект JSON с resourceType)' },
  FHIR_ERR_BODY_MISSING: { status: 400, issue: 'required', en: 'This interaction needs a request body', ru: 'Для этого взаимодействия требуется тело запроса' },
  FHIR_ERR_RESOURCE_TYPE_MISMATCH: { status: 400, issue: 'invalid', en: 'The body has resourceType {0} but the URL names {1}', ru: 'В теле указан resourceType {0}, а в URL — {1}' },
  FHIR_ERR_ID_MISMATCH: { status: 400, issue: 'invalid', en: 'The id in the body ({0}) differs from the id in the URL ({1})', ru: 'id в теле ({0}) не совпадает с id в URL ({1})' },
  FHIR_ERR_ID_MISSING: { status: 400, issue: 'required', en: 'An update needs the resource id in the body', ru: 'Для обновления в теле ресурса нужен id' },
  FHIR_ERR_ID_INVALID: { status: 400, issue: 'value', en: 'Invalid resource id "{0}": use 1-64 characters A-Z a-z 0-9 - .', ru: 'Недопустимый id ресурса "{0}": разрешены 1–64 символа A-Z a-z 0-9 - .' },
  FHIR_ERR_VERSION_INVALID: { status: 400, issue: 'value', en: 'Invalid version id "{0}"', ru: 'Недопустимый идентификатор версии "{0}"' },
  FHIR_ERR_PROTO_KEY: { status: 400, issue: 'structure', en: 'Property name "{0}" is not allowed ({1})', ru: 'Имя свойства "{0}" не допускается ({1})' },
  FHIR_ERR_DOLLAR_KEY: { status: 400, issue: 'structure', en: 'Property names may not begin with "$" ({0})', ru: 'Имена свойств не могут начинаться с "$" ({0})' },
  FHIR_ERR_PARAM_INVALID: { status: 400, issue: 'invalid', en: 'Invalid value for parameter {0}: {1}', ru: 'Недопустимое значение параметра {0}: {1}' },
  FHIR_ERR_PARAM_UNKNOWN: { status: 400, issue: 'not-supported', en: 'Unknown or unsupported search parameter {0} for {1}', ru: 'Неизвестный или неподдерживаемый параметр поиска {0} для {1}' },
  FHIR_ERR_CONTAINED_NOT_SEARCHED: { status: 400, issue: 'not-supported', en: '{0}={1} asks for contained resources, which this server does not search: its searches match resources stored on their own, never the ones contained in them, and ignoring {0} would change what the results mean', ru: '{0}={1} запрашивает поиск по вложенным (contained) ресурсам, а этот сервер их не ищет: поиск находит только ресурсы, сохранённые отдельно, и никогда — вложенные в них; если пропустить {0}, результаты значили бы другое' },
  FHIR_ERR_SEARCH_PARAMETER_INVALID: { status: 400, issue: 'invalid', en: 'The SearchParameter {0} cannot be used for search: {1}', ru: 'SearchParameter {0} нельзя использовать для поиска: {1}' },
  FHIR_ERR_SEARCH_PARAMETER_BUILT_IN: { status: 400, issue: 'business-rule', en: 'The search parameter "{0}" is built in (or reserved) for {1}; a SearchParameter resource may not redefine it', ru: 'Параметр поиска "{0}" для {1} встроен в сервер (или зарезервирован); ресурс SearchParameter не может его переопределить' },
  FHIR_ERR_SEARCH_PARAMETER_DUPLICATE: { status: 400, issue: 'duplicate', en: 'SearchParameter/{2} already defines the search parameter "{0}" for {1}; retire or delete it first', ru: 'SearchParameter/{2} уже определяет параметр поиска "{0}" для {1}; сначала переведите его в статус retired или удалите' },
  FHIR_ERR_CHAIN_TOO_BROAD: { status: 400, issue: 'too-costly', en: 'The chained search {0} is too broad: its inner search matches more than {1} {2} resources (the limit for a chain or _has); narrow it', ru: 'Цепочечный поиск {0} слишком широкий: внутренний поиск находит больше {1} ресурсов {2} (предел для цепочки или _has); уточните его' },
  FHIR_ERR_BUNDLE_DOCUMENT_IDENTIFIER: { status: 400, issue: 'invariant', en: 'A Bundle of type document must have an identifier with a system and a value (bdl-9)', ru: 'Bundle типа document должен иметь identifier с system и value (bdl-9)' },
  FHIR_ERR_BUNDLE_DOCUMENT_TIMESTAMP: { status: 400, issue: 'invariant', en: 'A Bundle of type document must have a timestamp (bdl-10)', ru: 'Bundle типа document должен иметь timestamp (bdl-10)' },
  FHIR_ERR_BUNDLE_DOCUMENT_COMPOSITION: { status: 400, issue: 'invariant', en: 'The first entry of a Bundle of type document must be a Composition (bdl-11)', ru: 'Первой записью Bundle типа document должен быть ресурс Composition (bdl-11)' },
  FHIR_ERR_BUNDLE_MESSAGE_HEADER: { status: 400, issue: 'invariant', en: 'The first entry of a Bundle of type message must be a MessageHeader (bdl-12)', ru: 'Первой записью Bundle типа message должен быть ресурс MessageHeader (bdl-12)' },
  FHIR_ERR_BUNDLE_FULLURL_DUPLICATE: { status: 400, issue: 'invariant', en: 'Bundle entries {0} and {1} have the same fullUrl {2} and the same meta.versionId; a fullUrl must be unique within a Bundle (bdl-7)', ru: 'Записи {0} и {1} в Bundle имеют одинаковый fullUrl {2} и одинаковый meta.versionId; fullUrl должен быть уникальным в пределах Bundle (bdl-7)' },
  FHIR_ERR_PATCH_INVALID: { status: 400, issue: 'invalid', en: 'Invalid JSON Patch: {0}', ru: 'Некорректный JSON Patch: {0}' },
  FHIR_ERR_PATCH_FAILED: { status: 422, issue: 'processing', en: 'The JSON Patch could not be applied: {0}', ru: 'JSON Patch не удалось применить: {0}' },
  FHIR_ERR_PATCH_CHANGES_IDENTITY: { status: 422, issue: 'processing', en: 'A patch may not change resourceType or id', ru: 'Patch не может менять resourceType или id' },
  FHIR_ERR_CONDITION_MISSING: { status: 412, issue: 'invalid', en: 'A conditional {0} needs search criteria', ru: 'Для условной операции {0} нужны критерии поиска' },
  FHIR_ERR_COMPARTMENT_UNKNOWN: { status: 404, issue: 'not-supported', en: 'No "{0}" compartment on this server: compartment search is offered for the Patient compartment', ru: 'Компартмента "{0}" на этом сервере нет: поиск по компартменту доступен для компартмента Patient' },
  FHIR_ERR_NOT_IN_COMPARTMENT: { status: 400, issue: 'invalid', en: 'Resources of type {0} are never in a {1} compartment', ru: 'Ресурсы типа {0} не входят в компартмент {1}' },
  FHIR_ERR_TYPE_OPERATION_UNKNOWN: { status: 404, issue: 'not-supported', en: 'The operation {0} is not offered on {1}', ru: 'Операция {0} недоступна для {1}' },
  FHIR_ERR_TYPE_UNKNOWN: { status: 404, issue: 'not-supported', en: 'Unknown resource type "{0}"', ru: 'Неизвестный тип ресурса "{0}"' },
  FHIR_ERR_NOT_FOUND: { status: 404, issue: 'not-found', en: '{0}/{1} is not known', ru: 'Ресурс {0}/{1} не найден' },
  FHIR_ERR_VERSION_NOT_FOUND: { status: 404, issue: 'not-found', en: 'Version {2} of {0}/{1} is not known', ru: 'Версия {2} ресурса {0}/{1} не найдена' },
  FHIR_ERR_ROUTE_NOT_FOUND: { status: 404, issue: 'not-found', en: 'No FHIR interaction at {0} {1}', ru: 'Нет взаимодействия FHIR по адресу {0} {1}' },
  FHIR_ERR_DELETED: { status: 410, issue: 'deleted', en: '{0}/{1} has been deleted', ru: 'Ресурс {0}/{1} удалён' },
  FHIR_ERR_METHOD_NOT_ALLOWED: { status: 405, issue: 'not-supported', en: 'Method {0} is not allowed on {1}', ru: 'Метод {0} не допускается для {1}' },
  FHIR_ERR_VERSION_CONFLICT: { status: 412, issue: 'conflict', en: 'Version conflict: {0}/{1} is at version {2}, the request expected {3}', ru: 'Конфликт версий: ресурс {0}/{1} имеет версию {2}, а в запросе ожидается {3}' },
  FHIR_ERR_IF_MATCH_INVALID: { status: 400, issue: 'value', en: 'If-Match must be a version ETag such as W/"3", got {0}', ru: 'If-Match должен быть ETag версии, например W/"3", получено {0}' },
  FHIR_ERR_MULTIPLE_MATCHES: { status: 412, issue: 'multiple-matches', en: 'The conditional {0} matched {1} resources; it needs at most one', ru: 'Условная операция {0} нашла ресурсов: {1}; допускается не более одного' },
  FHIR_ERR_CONDITIONAL_ID_MISMATCH: { status: 400, issue: 'invalid', en: 'The conditional update matched {0}/{1} but the body has id {2}', ru: 'Условное обновление нашло {0}/{1}, а в теле указан id {2}' },
  FHIR_ERR_CONFLICT: { status: 409, issue: 'conflict', en: 'The request conflicts with a concurrent change; retry it', ru: 'Запрос конфликтует с параллельным изменением; повторите его' },
  FHIR_ERR_SIGNATURE_MISSING: { status: 422, issue: 'required', en: 'The Bundle carries no signature', ru: 'Bundle не содержит подписи' },
  FHIR_ERR_SIGNATURE_REQUIRED: { status: 422, issue: 'security', en: 'A {0} Bundle {1} must be signed (server signature policy); add Bundle.signature', ru: 'Bundle типа {0} {1} должен быть подписан (политика подписей сервера); добавьте Bundle.signature' },
  FHIR_ERR_SIGNATURE_FORMAT_UNSUPPORTED: { status: 400, issue: 'not-supported', en: 'Bundle.signature.sigFormat "{0}" is not supported: use application/jose (detached JWS) or application/pkcs7-signature (detached CMS)', ru: 'Формат подписи Bundle.signature.sigFormat "{0}" не поддерживается: используйте application/jose (JWS с отделённым содержимым) или application/pkcs7-signature (отделённая CMS)' },
  FHIR_ERR_SIGNATURE_MALFORMED: { status: 400, issue: 'structure', en: 'Bundle.signature cannot be read: {0}', ru: 'Не удаётся прочитать Bundle.signature: {0}' },
  FHIR_ERR_SIGNATURE_CONTENT_CHANGED: { status: 422, issue: 'invalid', en: 'The Bundle was changed after it was signed: its content no longer matches the digest in the signature', ru: 'Bundle изменён после подписания: его содержимое не совпадает с хэшем в подписи' },
  FHIR_ERR_SIGNATURE_INVALID: { status: 422, issue: 'invalid', en: 'The signature does not verify with the key of {0}: the signature value is damaged, or the Bundle was changed after signing', ru: 'Подпись не проходит проверку ключом сертификата {0}: значение подписи повреждено или Bundle изменён после подписания' },
  FHIR_ERR_SIGNATURE_UNTRUSTED: { status: 422, issue: 'security', en: 'The signer\'s certificate chain is not trusted: {0}', ru: 'Цепочка сертификатов подписанта не является доверенной: {0}' },
  FHIR_ERR_SIGNATURE_CERTIFICATE_NOT_VALID: { status: 422, issue: 'security', en: 'The certificate {0} was not valid at the signing time {1}: it is valid from {2} to {3}', ru: 'Сертификат {0} не действовал на момент подписания {1}: срок его действия с {2} по {3}' },
  FHIR_ERR_ALREADY_SIGNED: { status: 409, issue: 'conflict', en: '{0} already carries a signature ({1}); a Bundle has at most one', ru: '{0} уже содержит подпись ({1}); у Bundle может быть только одна подпись' },
  FHIR_ERR_SIGNED_NOT_BUNDLE: { status: 400, issue: 'not-supported', en: '_signed=true signs Bundles (searches, history, stored Bundles); this answer is a {0}', ru: '_signed=true подписывает Bundle (результаты поиска, историю, сохранённые Bundle); здесь ответ — {0}' },
  FHIR_ERR_SUBSCRIPTION_INVALID: { status: 422, issue: 'invalid', en: 'The Subscription cannot be used: {0}', ru: 'Подписку (Subscription) нельзя использовать: {0}' },
  FHIR_ERR_UNAUTHENTICATED: { status: 401, issue: 'login', en: 'A valid bearer token is required: {0}', ru: 'Требуется действительный токен доступа (Bearer): {0}' },
  FHIR_ERR_AUDIT_LOG_READ_ONLY: { status: 405, issue: 'not-supported', en: 'AuditEvents are written by the server alone; {0} of an AuditEvent is not allowed', ru: 'Ресурсы AuditEvent записывает только сервер; операция {0} над AuditEvent не допускается' },
  FHIR_ERR_FORBIDDEN: { status: 403, issue: 'forbidden', en: '{0} on {1} needs a scope this token does not grant: {2}', ru: 'Для операции {0} над {1} нужна область доступа (scope), которой нет в токене: {2}' },
  FHIR_ERR_PATIENT_CONTEXT: { status: 403, issue: 'forbidden', en: '{0} on {1}: a patient-context token reaches only Patient/{2} and its compartment ({3})', ru: '{0} над {1}: токен в контексте пациента даёт доступ только к Patient/{2} и его компартменту ({3})' },
  FHIR_ERR_SUBSCRIPTION_REACH: { status: 403, issue: 'forbidden', en: 'The criteria {0} must be limited to {1} ({2}): the token acts for that organization and is notified only of its resources', ru: 'Критерий {0} должен быть ограничен организацией {1} ({2}): токен действует от имени этой организации и получает уведомления только о её ресурсах' },
  FHIR_ERR_ORGANIZATION_REACH: { status: 403, issue: 'forbidden', en: '{0} must refer to {1}: the token acts for that organization and writes only its resources', ru: '{0} должен ссылаться на {1}: токен действует от имени этой организации и изменяет только её ресурсы' },
  FHIR_ERR_AUTH_UNAVAILABLE: { status: 503, issue: 'exception', en: 'Tokens cannot be checked now: the token issuer\'s keys are unavailable', ru: 'Токены сейчас нельзя проверить: ключи издателя токенов недоступны' },
  FHIR_ERR_SHUTTING_DOWN: { status: 503, issue: 'transient', en: 'The server is shutting down and takes no new requests; send the request again (another instance may answer it)', ru: 'Сервер завершает работу и не принимает новые запросы; отправьте запрос повторно (его может обработать другой экземпляр)' },
  FHIR_ERR_RATE_LIMITED: { status: 429, issue: 'throttled', en: 'Too many requests: each client may make {0} per {1} s; retry after {2} s', ru: 'Слишком много запросов: каждому клиенту разрешено {0} за {1} с; повторите через {2} с' },
  FHIR_ERR_AUTH_THROTTLED: { status: 429, issue: 'throttled', en: 'Too many failed authentication attempts from this address ({0} per {1} s allowed); retry after {2} s with a valid bearer token', ru: 'Слишком много неудачных попыток аутентификации с этого адреса (допускается {0} за {1} с); повторите через {2} с с действительным токеном доступа' },
  FHIR_ERR_JSON_TOO_DEEP: { status: 400, issue: 'structure', en: 'The JSON body nests objects and arrays deeper than {0} levels', ru: 'В теле запроса JSON объекты и массивы вложены глубже {0} уровней' },
  FHIR_ERR_TOO_LARGE: { status: 413, issue: 'too-long', en: 'The body is larger than the limit of {0} bytes', ru: 'Тело запроса превышает предел {0} байт' },
  FHIR_ERR_MEDIA_TYPE: { status: 415, issue: 'not-supported', en: 'Unsupported media type "{0}": send application/fhir+json', ru: 'Неподдерживаемый тип содержимого "{0}": используйте application/fhir+json' },
  FHIR_ERR_NOT_ACCEPTABLE: { status: 406, issue: 'not-supported', en: 'Format "{0}" is not offered: this server speaks application/fhir+json', ru: 'Формат "{0}" не поддерживается: сервер работает с application/fhir+json' },
  FHIR_ERR_PREFER_INVALID: { status: 400, issue: 'value', en: 'Invalid Prefer header value "{0}"', ru: 'Недопустимое значение заголовка Prefer "{0}"' },
  FHIR_ERR_BUNDLE_TYPE_NOT_PROCESSABLE: { status: 400, issue: 'not-supported', en: 'POST [base] processes Bundles of type batch or transaction, not "{0}"; to store a Bundle as a resource, POST it to [base]/Bundle', ru: 'POST [base] обрабатывает пакеты (Bundle) типа batch или transaction, а не "{0}"; чтобы сохранить Bundle как ресурс, отправьте его POST на [base]/Bundle' },
  FHIR_ERR_ENTRY_INVALID: { status: 400, issue: 'invalid', en: 'Invalid entry: {0}', ru: 'Некорректная запись пакета: {0}' },
  FHIR_ERR_FULLURL_DUPLICATE: { status: 400, issue: 'duplicate', en: 'fullUrl {0} is also the fullUrl of entry {1}; fullUrls must be unique within a Bundle', ru: 'fullUrl {0} уже указан у записи {1}; fullUrl в пакете должны быть уникальными' },
  FHIR_ERR_TRANSACTION_OVERLAP: { status: 400, issue: 'business-rule', en: 'Entry {0} also writes {1}; a transaction may write each resource only once', ru: 'Запись {0} тоже изменяет {1}; транзакция может изменять каждый ресурс только один раз' },
  FHIR_ERR_REFERENCE_UNRESOLVED: { status: 400, issue: 'not-found', en: 'The reference {0} matches the fullUrl of no entry in the Bundle', ru: 'Ссылка {0} не совпадает с fullUrl ни одной записи пакета' },
  FHIR_ERR_CONDITIONAL_REFERENCE_NONE: { status: 412, issue: 'not-found', en: 'The conditional reference {0} matched 0 resources; it needs exactly one', ru: 'Условная ссылка {0} не нашла ни одного ресурса; нужен ровно один' },
  FHIR_ERR_CONDITIONAL_REFERENCE_MULTIPLE: { status: 412, issue: 'multiple-matches', en: 'The conditional reference {0} matched {1} resources; it needs exactly one', ru: 'Условная ссылка {0} нашла ресурсов: {1}; нужен ровно один' },
  FHIR_ERR_CONDITIONAL_PATCH_NONE: { status: 404, issue: 'not-found', en: 'The conditional patch {0} matched no resource', ru: 'Условный patch {0} не нашёл ни одного ресурса' },
  FHIR_ERR_PATCH_ENTRY_FORMAT: { status: 400, issue: 'not-supported', en: 'A PATCH entry needs a Binary resource with contentType application/json-patch+json and the patch in data (base64)', ru: 'Для записи PATCH нужен ресурс Binary с contentType application/json-patch+json и патчем в data (base64)' },
  FHIR_ERR_VALIDATION_FAILED: { status: 422, issue: 'processing', en: 'The {0} does not pass validation: {1} error(s); every issue is listed', ru: 'Ресурс {0} не прошёл проверку: ошибок — {1}; перечислены все замечания' },
  FHIR_ERR_BAD_REQUEST: { status: 400, issue: 'invalid', en: 'Bad request: {0}', ru: 'Некорректный запрос: {0}' },
  FHIR_ERR_INTERNAL: { status: 500, issue: 'exception', en: 'Internal server error (request {0})', ru: 'Внутренняя ошибка сервера (запрос {0})' },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERRORS;

function fill(template: string, args: readonly unknown[]): string {
  return template.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)] ?? ''));
}

export class FhirError extends Error {
  readonly code: ErrorCode;
  readonly args: readonly unknown[];
  readonly status: number;
  readonly issue: IssueCode;
  readonly russian: string;
  readonly expression?: string[];

  /** `context` says where the error arose (such as one entry of a Bundle); it leads both messages. */
  /** Findings that make up this error (validation), each its own OperationOutcome issue. */
  outcomeIssues?: OperationOutcomeIssue[];

  constructor(code: ErrorCode, args: readonly unknown[] = [], expression?: string[], context?: string) {
    const def: ErrorDefinition = ERRORS[code];
    const lead = context ? `${context}: ` : '';
    super(lead + fill(def.en, args));
    this.name = 'FhirError';
    this.code = code;
    this.args = args;
    this.status = def.status;
    this.issue = def.issue;
    this.russian = lead + fill(def.ru, args);
    this.expression = expression;
  }
}

/** The same error said of one entry of a Bundle: its messages name the entry, its expression points at it. */
export function entryError(err: FhirError, index: number, fullUrl?: string): FhirError {
  const where = `Bundle.entry[${index}]`;
  const context = fullUrl ? `${where} (${fullUrl.slice(0, 200)})` : where;
  const said = new FhirError(err.code, err.args, [where, ...(err.expression ?? [])], context);
  said.outcomeIssues = err.outcomeIssues?.map((issue) => ({ ...issue, expression: issue.expression?.map((e) => inEntry(e, where)) }));
  return said;
}

/** `Patient.name[0]` as a location inside a Bundle entry: `Bundle.entry[2].resource.name[0]`. */
function inEntry(expression: string, entry: string): string {
  const dot = expression.search(/[.[]/);
  return `${entry}.resource${dot < 0 ? '' : expression.slice(dot)}`;
}

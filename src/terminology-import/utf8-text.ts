import { InputError } from '../import/input-error.js';

/** Decoding replaced bytes that are not UTF-8 with U+FFFD: such text would become wrong displays and codes. */
export function assertUtf8(text: string, where: string): void {
  if (text.includes('\uFFFD')) {
    throw new InputError(`${where} is not UTF-8 text (a Windows-1251 export? convert it first, e.g. iconv -f cp1251 -t utf-8)`);
  }
}

export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

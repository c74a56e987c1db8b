// What text castsync takes from people: no control characters (PostgreSQL cannot store NUL; calendars, e-mails and
// platforms choke on the others), and no line breaks where the text is one line (names, a holder, a field on a
// platform's form). One rule for the API's validator (api/validation.ts), the CLI and the services.

/** C0 controls except tab, line feed and carriage return; DEL; the C1 controls. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
/** Line feed, carriage return and Unicode's line and paragraph separators. */
const LINE_BREAK = /[\n\r\u2028\u2029]/;

/** The reason `text` is not acceptable, or null when it is. Multi-line text may hold line breaks; any text a tab. */
export function controlCharacterProblem(text: string, multiline: boolean): string | null {
  if (CONTROL.test(text)) return 'must not contain control characters';
  if (!multiline && LINE_BREAK.test(text)) return 'must not contain line breaks or control characters';
  return null;
}

/** The same rules as regular expressions for a whole string, for the OpenAPI document (clients and fuzzers read patterns). */
export const ONE_LINE_PATTERN = '^[^\\x00-\\x08\\x0A-\\x1F\\x7F-\\x9F\\u2028\\u2029]*$';
export const MULTILINE_PATTERN = '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*$';

// The portal's profile form: a handful of the fields casting portals ask for (playing age range, height, eye
// colour from a fixed list, languages each with a level, skills), validated on the server with the refusals shown
// on the page, as real portals do. Pure functions: the routes and the stored profiles live in server.ts.
import { escapeHtml, problemList } from './html.js';

export const PROFILE_PATH = '/profile';

export const EYE_COLOURS = ['blue', 'grey', 'green', 'hazel', 'brown', 'dark-brown', 'amber'] as const;
export type EyeColour = (typeof EYE_COLOURS)[number];
export const LANGUAGE_LEVELS = ['native', 'fluent', 'good', 'basic'] as const;
export type LanguageLevel = (typeof LANGUAGE_LEVELS)[number];

export interface PortalProfile {
  playingAgeFrom: number | null;
  playingAgeTo: number | null;
  heightCm: number | null;
  eyeColour: EyeColour | null;
  languages: { language: string; level: LanguageLevel }[];
  skills: string[];
}

export const EMPTY_PROFILE: PortalProfile = { playingAgeFrom: null, playingAgeTo: null, heightCm: null, eyeColour: null, languages: [], skills: [] };

const AGE = { min: 0, max: 100 };
const HEIGHT_CM = { min: 50, max: 250 };
const MAX_LANGUAGES = 20;
const MAX_SKILLS = 30;
const MAX_SKILL_LENGTH = 60;
const LANGUAGE_LINE = /^\s*([\p{L}][\p{L} '-]{0,39})\s*:\s*(\S+)\s*$/u;

/** The form's fields as the browser sends them (and as the page shows them again after a refusal). */
export type ProfileForm = Record<string, string | undefined>;

/** The profile the form describes, or why the portal refuses it. */
export function readProfileForm(form: ProfileForm): { profile: PortalProfile; problems: string[] } {
  const problems: string[] = [];
  const playingAgeFrom = whole(form.playingAgeFrom, 'Playing age from', AGE, problems);
  const playingAgeTo = whole(form.playingAgeTo, 'Playing age to', AGE, problems);
  if (!form.playingAgeFrom?.trim() !== !form.playingAgeTo?.trim()) problems.push('Give both ends of the playing age, or neither.');
  if (playingAgeFrom !== null && playingAgeTo !== null && playingAgeTo < playingAgeFrom) problems.push('Playing age to must not be below playing age from.');
  const heightCm = whole(form.heightCm, 'Height', HEIGHT_CM, problems);
  const eyeColour = eyeColourOf(form.eyeColour, problems);
  const languages = languagesOf(form.languages ?? '', problems);
  const skills = skillsOf(form.skills ?? '', problems);
  return { profile: { playingAgeFrom, playingAgeTo, heightCm, eyeColour, languages, skills }, problems };
}

/** An optional whole number within bounds; null when left empty. */
function whole(value: string | undefined, label: string, bounds: { min: number; max: number }, problems: string[]): number | null {
  const text = (value ?? '').trim();
  if (!text) return null;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isInteger(n) && n >= bounds.min && n <= bounds.max) return n;
  problems.push(`${label} must be a whole number from ${bounds.min} to ${bounds.max}.`);
  return null;
}

function eyeColourOf(value: string | undefined, problems: string[]): EyeColour | null {
  if (!value) return null;
  if ((EYE_COLOURS as readonly string[]).includes(value)) return value as EyeColour;
  problems.push('Choose an eye colour from the list.');
  return null;
}

/** One language a line, "German: native"; the level from the portal's fixed list. */
function languagesOf(text: string, problems: string[]): PortalProfile['languages'] {
  const languages: PortalProfile['languages'] = [];
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  for (const [index, line] of lines.entries()) {
    const match = LANGUAGE_LINE.exec(line);
    const level = match?.[2]?.toLowerCase();
    if (!match || !(LANGUAGE_LEVELS as readonly string[]).includes(level!)) {
      problems.push(`Languages, line ${index + 1} ("${line}"): write "Language: level" with a level of ${LANGUAGE_LEVELS.join(', ')}.`);
      continue;
    }
    const language = match[1]!.trim();
    if (languages.some((l) => l.language.toLowerCase() === language.toLowerCase())) problems.push(`Languages: ${language} is listed twice.`);
    else languages.push({ language, level: level as LanguageLevel });
  }
  if (lines.length > MAX_LANGUAGES) problems.push(`List at most ${MAX_LANGUAGES} languages.`);
  return languages;
}

/** One skill a line; repeats are dropped, as portals store a skill once. */
function skillsOf(text: string, problems: string[]): string[] {
  const skills: string[] = [];
  for (const skill of text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean)) {
    if (skill.length > MAX_SKILL_LENGTH) problems.push(`Skills: "${skill.slice(0, 20)}…" is longer than ${MAX_SKILL_LENGTH} characters.`);
    else if (!skills.some((s) => s.toLowerCase() === skill.toLowerCase())) skills.push(skill);
  }
  if (skills.length > MAX_SKILLS) problems.push(`List at most ${MAX_SKILLS} skills.`);
  return skills;
}

/** The stored profile as the form's field values. */
export function profileFormOf(profile: PortalProfile): ProfileForm {
  const text = (n: number | null) => (n === null ? '' : String(n));
  return {
    playingAgeFrom: text(profile.playingAgeFrom),
    playingAgeTo: text(profile.playingAgeTo),
    heightCm: text(profile.heightCm),
    eyeColour: profile.eyeColour ?? '',
    languages: profile.languages.map((l) => `${l.language}: ${l.level}`).join('\n'),
    skills: profile.skills.join('\n'),
  };
}

export interface ProfilePageView {
  form: ProfileForm;
  csrf: string;
  problems: string[];
  notice: string | null;
}

// Numbers are text inputs (inputmode numeric) without min/max: the browser must not stop a value the server refuses.
export function profilePageBody(view: ProfilePageView): string {
  const { form } = view;
  const value = (name: string) => escapeHtml(form[name] ?? '');
  const eyeOptions = ['', ...EYE_COLOURS].map((c) => `<option value="${c}"${form.eyeColour === c ? ' selected' : ''}>${c ? label(c) : '–'}</option>`).join('');
  return `<h1>My profile</h1>
${view.notice ? `<p class="form-notice" role="status">${escapeHtml(view.notice)}</p>` : ''}
${problemList(view.problems)}
<form id="profile-form" method="post" action="${PROFILE_PATH}">
  <input type="hidden" name="csrf" value="${view.csrf}">
  <fieldset><legend>Playing age</legend>
    <label>From <input type="text" inputmode="numeric" id="profile-playing-age-from" name="playingAgeFrom" value="${value('playingAgeFrom')}"></label>
    <label>To <input type="text" inputmode="numeric" id="profile-playing-age-to" name="playingAgeTo" value="${value('playingAgeTo')}"></label>
  </fieldset>
  <label>Height (cm) <input type="text" inputmode="numeric" id="profile-height" name="heightCm" value="${value('heightCm')}"></label>
  <label>Eye colour <select id="profile-eye-colour" name="eyeColour">${eyeOptions}</select></label>
  <label>Languages, one a line as "Language: level" (${LANGUAGE_LEVELS.join(', ')})
    <textarea id="profile-languages" name="languages" rows="4">${value('languages')}</textarea></label>
  <label>Skills, one a line <textarea id="profile-skills" name="skills" rows="4">${value('skills')}</textarea></label>
  <button type="submit">Save</button>
</form>`;
}

/** "dark-brown" -> "Dark brown". */
function label(value: string): string {
  const words = value.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// The portal's profile form (Filmmakers): playing age range, height, eye colour from the portal's list, languages
// one "Language: level" a line, skills one a line. The whole form is filled from the values on every save, so an
// empty value clears its field. The portal checks the values on its side and shows its refusals on the page; they
// become a non-retryable validation error in its own words.
import { ErrorType } from '../error-types.js';
import { PlatformError } from '../errors.js';
import type { PlatformProfileValues } from '../types.js';
import type { PortalTab } from './portal-tab.js';

/** The values in the form's shape (adapters/profile-mapping.ts makes them from ours). */
export interface PortalProfileValues {
  playingAgeFrom: number | null;
  playingAgeTo: number | null;
  heightCm: number | null;
  eyeColour: string | null;
  languages: { language: string; level: string }[];
  skills: string[];
}

export class ProfilePage {
  constructor(private readonly tab: PortalTab) {}

  /** Opens the form, fills every field from `values` and saves it. */
  async save(values: PortalProfileValues): Promise<void> {
    const { tab } = this;
    await tab.openSignedIn(this.profilePath(), 'opened the profile form');
    await tab.page.fill(tab.selector('profilePlayingAgeFrom'), numberText(values.playingAgeFrom));
    await tab.page.fill(tab.selector('profilePlayingAgeTo'), numberText(values.playingAgeTo));
    await tab.page.fill(tab.selector('profileHeight'), numberText(values.heightCm));
    await this.chooseEyeColour(values.eyeColour);
    await tab.page.fill(tab.selector('profileLanguages'), values.languages.map((l) => `${oneLine(l.language)}: ${oneLine(l.level)}`).join('\n'));
    await tab.page.fill(tab.selector('profileSkills'), values.skills.map(oneLine).join('\n'));
    const status = await tab.submit(tab.page.locator(tab.selector('profileSubmit')), 'saved the profile');
    tab.assertSignedIn();
    if (status >= 400) throw await tab.formFailure(status, 'the profile');
  }

  /** A list field: a colour the portal does not offer is refused here, as the portal would (selecting it would hang). */
  private async chooseEyeColour(colour: string | null): Promise<void> {
    const select = this.tab.page.locator(this.tab.selector('profileEyeColour'));
    const offered = await select.locator('option').evaluateAll((options) => options.map((o) => (o as { value: string }).value));
    const wanted = colour ?? '';
    if (!offered.includes(wanted)) {
      const choices = offered.filter(Boolean).join(', ');
      throw new PlatformError(ErrorType.validation, `${this.tab.site.name} refused the profile: it offers no eye colour "${wanted}" (only ${choices})`, false);
    }
    await select.selectOption(wanted);
  }

  private profilePath(): string {
    const path = this.tab.site.profilePath;
    if (!path) throw new Error(`the catalog names no profile form for ${this.tab.site.name}`);
    return path;
  }
}

/**
 * The values as the form takes them, or a validation error naming the first value that does not fit: the mapping
 * made something this portal's form has no field for, and sending it again will not help.
 */
export function portalProfileValues(platformName: string, values: PlatformProfileValues): PortalProfileValues {
  const refuse = (detail: string) => new PlatformError(ErrorType.validation, `${platformName}: the profile values do not fit its form: ${detail}`, false);
  const wholeOrNull = (name: string): number | null => {
    const value = values[name] ?? null;
    if (value === null || (typeof value === 'number' && Number.isInteger(value))) return value;
    throw refuse(`${name} must be a whole number or null`);
  };
  const eyeColour = values.eyeColour ?? null;
  if (eyeColour !== null && typeof eyeColour !== 'string') throw refuse('eyeColour must be text or null');
  const languages = values.languages ?? [];
  const isLanguage = (l: unknown) => typeof (l as { language?: unknown })?.language === 'string' && typeof (l as { level?: unknown }).level === 'string';
  if (!Array.isArray(languages) || !languages.every(isLanguage)) throw refuse('languages must be a list of { language, level }');
  const skills = values.skills ?? [];
  if (!Array.isArray(skills) || !skills.every((s) => typeof s === 'string')) throw refuse('skills must be a list of texts');
  return {
    playingAgeFrom: wholeOrNull('playingAgeFrom'),
    playingAgeTo: wholeOrNull('playingAgeTo'),
    heightCm: wholeOrNull('heightCm'),
    eyeColour,
    languages: languages as PortalProfileValues['languages'],
    skills: skills as string[],
  };
}

function numberText(value: number | null): string {
  return value === null ? '' : String(value);
}

/** The form's lists are one item a line: a line break inside an item would split it in two. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

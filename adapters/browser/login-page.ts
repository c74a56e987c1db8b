// The portal's sign-in form. Only the portal's own wrong-password answer (the catalog's browser.wrongPassword)
// is an auth failure, not retried: the user must reconnect. Anything else that leaves us on the login page (a
// logout or expired session on the way in, a form that came back empty or without that answer, an expired CSRF
// token) is a PlatformSessionError, which the adapter retries by signing in again and Temporal retries after.
import { authError, sessionError } from '../errors.js';
import type { PortalTab } from './portal-tab.js';

export class LoginPage {
  constructor(private readonly tab: PortalTab) {}

  /** Signs in, from the login page the portal sent us to or by opening it; leaves the tab where the portal lands. */
  async signIn(email: string | undefined, password: string | undefined): Promise<void> {
    const { tab } = this;
    const name = tab.site.name;
    if (!email || !password) throw authError(name, 'no e-mail and password stored');
    if (!tab.onLoginPage()) await tab.open(tab.site.loginPath, 'opened the login page');
    if (!tab.onLoginPage()) return; // the portal still knew us and went on to the signed-in page
    // A half-rendered page would otherwise wait the whole step timeout for a field that never comes.
    if (!(await tab.page.locator(tab.selector('loginEmail')).count())) throw sessionError(name, 'the login page came without its form');
    await tab.page.fill(tab.selector('loginEmail'), email);
    await tab.page.fill(tab.selector('loginPassword'), password);
    const status = await tab.submit(tab.page.locator(tab.selector('loginSubmit')), 'signed in');
    if (!tab.onLoginPage()) return;
    const message = await tab.formErrors('no message');
    if (await this.showsWrongPassword()) throw authError(name, `login refused: ${message}`);
    const how = status >= 400 ? `the login form was not taken (${status})` : 'the portal showed its login page again after signing in';
    throw sessionError(name, `${how}, without its wrong-password answer (${message}); signing in again`);
  }

  /** The portal's answer to a wrong e-mail or password, as the catalog describes it, is on the page. */
  private async showsWrongPassword(): Promise<boolean> {
    const { selector, text } = this.tab.site.wrongPassword;
    const texts = await this.tab.page.locator(selector).allTextContents();
    return texts.some((shown) => shown.replace(/\s+/g, ' ').toLowerCase().includes(text.toLowerCase()));
  }
}

// The portal's sign-in form. A refused login is an auth failure (not retried: the user must reconnect); a form
// the portal would not accept for other reasons (expired CSRF token) is retried.
import { ErrorType } from '../error-types.js';
import { PlatformError, authError } from '../errors.js';
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
    await tab.page.fill(tab.selector('loginEmail'), email);
    await tab.page.fill(tab.selector('loginPassword'), password);
    const status = await tab.submit(tab.page.locator(tab.selector('loginSubmit')), 'signed in');
    if (!tab.onLoginPage()) return;
    const message = await tab.formErrors('the login form came back without a message');
    if (status >= 400) throw new PlatformError(ErrorType.server, `${name} refused the login form (${status}): ${message}`, true, { status });
    throw authError(name, `login refused: ${message}`);
  }
}

import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { i18next } from '../i18n';
import { z } from 'zod';
import { Handle, Password, Registration, type AccountPublic } from '../../../shared/account';
import { studio } from '../api';
import type { Run } from '../hooks/useRunner';
import { Sentence } from '../errors';

const FIELD_LABEL: Record<string, string> = { handle: 'account.handle', displayName: 'account.displayName', password: 'account.password' };
const RULE: Record<string, 'handle' | 'displayName' | 'password'> = { handle: 'handle', displayName: 'displayName', password: 'password' };
const SignInRequest = z.object({ handle: Handle, password: Password });

/** Checks a form against the contract's schema; the first problem becomes the error line. */
function check<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue ? FIELD_LABEL[String(issue.path[0])] : undefined;
  // The rule in the person's language, never zod's own (English) message.
  const key = issue ? String(issue.path[0]) : '';
  throw new Sentence(field ? `${i18next.t(field)}: ${i18next.t(`account.rules.${RULE[key] ?? 'handle'}`)}` : i18next.t('account.checkForm'));
}


/** Signed in: who, and a way out (shown in the header). */
export function AccountSummary({
  account,
  inSpace,
  busy,
  run,
  onSignedOut,
}: {
  account: AccountPublic;
  /** Signing out leaves the Space (the main process forgets it): end the Space first. */
  inSpace: boolean;
  busy: boolean;
  run: Run;
  onSignedOut: () => void;
}) {
  const { t, i18n } = useTranslation();
  const signOut = (): Promise<void> =>
    run(async () => {
      await studio.signOut({});
      onSignedOut();
    });
  return (
    <div className="account">
      <span className="account-name">{account.displayName}</span>
      <span className="muted" data-testid="account-summary">
        @{account.handle} · {t('account.followers', { count: account.followerCount, n: new Intl.NumberFormat(i18n.language).format(account.followerCount) })}
      </span>
      <button
        type="button"
        className="secondary small"
        onClick={() => void signOut()}
        disabled={busy || inSpace}
        title={inSpace ? t('account.endFirst') : undefined}
      >
        {t('account.signOut')}
      </button>
    </div>
  );
}

/** Signed out: sign in or register on the connected server. */
export function AccountPanel({ connected, busy, run, onAccount }: { connected: boolean; busy: boolean; run: Run; onAccount: (account: AccountPublic | null) => void }) {
  const { t } = useTranslation();
  const [signIn, setSignIn] = useState({ handle: '', password: '' });
  const [register, setRegister] = useState({ handle: '', displayName: '', password: '' });

  const submitSignIn = (e: FormEvent): void => {
    e.preventDefault();
    void run(async () => {
      const { account } = await studio.signIn(check(SignInRequest, signIn));
      onAccount(account);
    });
  };
  const submitRegister = (e: FormEvent): void => {
    e.preventDefault();
    void run(async () => {
      const { account } = await studio.register(check(Registration, register));
      onAccount(account);
    });
  };
  const disabled = busy || !connected;

  return (
    <section className="panel account-panel" aria-label={t('account.title')}>
      <h2>{t('account.title')}</h2>
      <p className="muted">{connected ? t('account.intro') : t('account.connectFirst')}</p>
      <div className="account-forms">
        <form aria-label={t('account.signIn')} onSubmit={submitSignIn} noValidate>
          <h3>{t('account.haveAccount')}</h3>
          <label>
            {t('account.handle')}
            <input value={signIn.handle} autoComplete="username" maxLength={20} onChange={(e) => setSignIn({ ...signIn, handle: e.target.value })} />
          </label>
          <label>
            {t('account.password')}
            <input type="password" value={signIn.password} autoComplete="current-password" onChange={(e) => setSignIn({ ...signIn, password: e.target.value })} />
          </label>
          <button type="submit" disabled={disabled}>
            {t('account.signIn')}
          </button>
        </form>
        <form aria-label={t('account.register')} onSubmit={submitRegister} noValidate>
          <h3>{t('account.newHere')}</h3>
          <label>
            {t('account.handle')}
            <input value={register.handle} autoComplete="username" maxLength={20} onChange={(e) => setRegister({ ...register, handle: e.target.value })} />
          </label>
          <label>
            {t('account.displayName')}
            <input value={register.displayName} autoComplete="name" maxLength={60} onChange={(e) => setRegister({ ...register, displayName: e.target.value })} />
          </label>
          <label>
            {t('account.password')}
            <input
              type="password"
              value={register.password}
              autoComplete="new-password"
              aria-describedby="register-password-hint"
              onChange={(e) => setRegister({ ...register, password: e.target.value })}
            />
          </label>
          <p className="muted hint" id="register-password-hint">
            {t('account.passwordHint')}
          </p>
          <button type="submit" disabled={disabled}>
            {t('account.register')}
          </button>
        </form>
      </div>
    </section>
  );
}

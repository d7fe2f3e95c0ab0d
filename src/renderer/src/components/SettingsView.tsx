import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AccountPublic } from '../../../shared/account';
import type { ConnectionStatus } from '../../../shared/ipc';
import type { SpeechEngineName } from '../../../shared/transcript';
import { studio } from '../api';
import { LOCALES, setLocale, type Locale } from '../i18n';
import type { Run } from '../hooks/useRunner';
import { SpeechModelSettings } from '../transcript/SpeechModelSettings';

/** Off the live screen: the server, the account, the language and the speech engine. */
export function SettingsView(props: {
  status: ConnectionStatus | null;
  initialServerUrl: string;
  account: AccountPublic | null;
  busy: boolean;
  run: Run;
  onStatus: (s: ConnectionStatus) => void;
  onAccount: (a: AccountPublic | null) => void;
  speechEngine: SpeechEngineName;
  onSpeechEngine: (e: SpeechEngineName) => void;
}) {
  const { t, i18n } = useTranslation();
  const [serverUrl, setServerUrl] = useState(props.initialServerUrl);
  useEffect(() => setServerUrl(props.initialServerUrl), [props.initialServerUrl]);
  const connected = props.status?.state === 'connected';
  return (
    <div className="settings-grid">
      <section className="panel" aria-label={t('settings.server')}>
        <h2>{t('settings.server')}</h2>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void props.run(async () => props.onStatus(await studio.connect({ serverUrl })));
          }}
        >
          <label className="grow">
            {t('settings.serverUrl')}
            <input aria-label={t('settings.serverUrl')} value={serverUrl} onChange={(e) => setServerUrl(e.target.value)} />
          </label>
          <button type="submit" disabled={props.busy}>
            {connected ? t('settings.reconnect') : t('settings.connect')}
          </button>
        </form>
      </section>
      <section className="panel" aria-label={t('settings.language')}>
        <h2>{t('settings.language')}</h2>
        <label>
          {t('settings.language')}
          <select aria-label={t('settings.language')} value={i18n.language} onChange={(e) => void setLocale(e.target.value as Locale)}>
            {LOCALES.map((l) => (
              <option key={l} value={l} lang={l}>
                {t(`settings.locales.${l}`)}
              </option>
            ))}
          </select>
        </label>
        <p className="muted">{t('settings.languageHint')}</p>
      </section>
      <section className="panel" aria-label={t('transcript.engineSettings')}>
        <h2>{t('transcript.engineSettings')}</h2>
        <SpeechModelSettings engine={props.speechEngine} onEngine={props.onSpeechEngine} disabled={false} />
      </section>
    </div>
  );
}

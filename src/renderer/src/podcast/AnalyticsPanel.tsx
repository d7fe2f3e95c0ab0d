import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LISTEN_VIA, type SpaceAnalytics } from '../../../shared/analytics';
import { formatClock, formatNumber } from '../../../shared/intl';
import { studio } from '../api';
import type { Run } from '../hooks/useRunner';
import { ListenerChart } from './ListenerChart';

/** What the host learns about a Space (issue 22): the figures, the per-minute chart, speakers, CSV. */
export function AnalyticsPanel({ spaceId, busy, run }: { spaceId: string; busy: boolean; run: Run }) {
  const { t, i18n } = useTranslation();
  const [a, setA] = useState<SpaceAnalytics | null>(null);
  const load = useCallback(() => run(async () => setA(await studio.getAnalytics({ spaceId }))), [run, spaceId]);
  useEffect(() => {
    setA(null);
    void load();
  }, [load]);
  if (!a) return null;
  const n = (x: number, digits = 0): string => formatNumber(x, i18n.language, { maximumFractionDigits: digits });
  const rows: [string, string][] = [
    [t('analytics.peak'), n(a.peakListeners)],
    [t('analytics.average'), n(a.averageListeners, 1)],
    [t('analytics.unique'), n(a.uniqueListeners)],
    [t('analytics.minutes'), n(a.minutesListened, 1)],
    [t('analytics.reactions'), n(a.reactions)],
    [t('analytics.reminders'), n(a.remindersSet)],
    [t('analytics.replayPlays'), n(a.replay.plays)],
    [t('analytics.completion'), formatNumber(a.replay.averageCompletion, i18n.language, { style: 'percent' })],
  ];
  const download = (): void =>
    void run(async () => {
      const { csv, fileName } = await studio.analyticsCsv({ spaceId });
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = fileName;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    });
  return (
    <section className="panel analytics" aria-label={t('analytics.region')}>
      <h2>{t('analytics.region')}</h2>
      <div className="row">
        <button type="button" className="secondary" disabled={busy} onClick={() => void load()}>
          {t('analytics.refresh')}
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={download}>
          {t('analytics.csv')}
        </button>
      </div>
      <table className="figures" aria-label={t('analytics.region')}>
        <tbody>
          {rows.map(([label, value]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ListenerChart curve={a.curve} />
      <table className="figures" aria-label={t('analytics.byVia')}>
        <caption>{t('analytics.byVia')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('analytics.byVia')}</th>
            <th scope="col">{t('analytics.sessions')}</th>
            <th scope="col">{t('analytics.listeners')}</th>
            <th scope="col">{t('analytics.minutesCol')}</th>
          </tr>
        </thead>
        <tbody>
          {LISTEN_VIA.map((v) => (
            <tr key={v}>
              <th scope="row">{t(`analytics.via.${v}`)}</th>
              <td>{n(a.byVia[v]?.sessions ?? 0)}</td>
              <td>{n(a.byVia[v]?.listeners ?? 0)}</td>
              <td>{n(a.byVia[v]?.minutes ?? 0, 1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table className="figures" aria-label={t('analytics.chart')}>
        <caption>{t('analytics.chart')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('analytics.minute')}</th>
            <th scope="col">{t('analytics.listening')}</th>
            <th scope="col">{t('analytics.joins')}</th>
            <th scope="col">{t('analytics.leaves')}</th>
          </tr>
        </thead>
        <tbody>
          {a.curve.map((m) => (
            <tr key={m.minute}>
              <th scope="row">{n(m.minute)}</th>
              <td>{n(m.listening)}</td>
              <td>{n(m.joins)}</td>
              <td>{n(m.leaves)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table className="figures" aria-label={t('analytics.speakers')}>
        <caption>{t('analytics.speakers')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('analytics.speaker')}</th>
            <th scope="col">{t('analytics.talk')}</th>
          </tr>
        </thead>
        <tbody>
          {a.speakers.map((s) => (
            <tr key={s.name}>
              <th scope="row">{s.name}</th>
              <td>{formatClock(s.talkMs, i18n.language)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { BarController, BarElement, CategoryScale, Chart, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';
import type { MinuteBucket } from '../../../shared/analytics';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

/**
 * The per-minute curve drawn with Chart.js: listening at the end of each minute (line), joins and
 * leaves (bars). The canvas is an image with a description; the same numbers are in a table.
 */
export function ListenerChart({ curve }: { curve: MinuteBucket[] }) {
  const { t, i18n } = useTranslation();
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: curve.map((m) => String(m.minute)),
        datasets: [
          { type: 'line', label: t('analytics.listening'), data: curve.map((m) => m.listening), borderColor: '#1d9bf0', backgroundColor: '#1d9bf0', tension: 0.2 },
          { type: 'bar', label: t('analytics.joins'), data: curve.map((m) => m.joins), backgroundColor: '#00ba7c' },
          { type: 'bar', label: t('analytics.leaves'), data: curve.map((m) => -m.leaves), backgroundColor: '#f4212e' },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        locale: i18n.language,
        scales: { x: { title: { display: true, text: t('analytics.minute') } }, y: { ticks: { precision: 0 } } },
        plugins: { legend: { labels: { color: '#c9d1d9' } } },
      },
    });
    return () => chart.destroy();
  }, [curve, t, i18n.language]);
  return (
    <figure className="listener-chart">
      <div className="chart-box">
        <canvas ref={canvas} role="img" aria-label={t('analytics.chart')} aria-describedby="listener-chart-desc" />
      </div>
      <figcaption id="listener-chart-desc" className="muted">
        {t('analytics.chartDesc')}
      </figcaption>
    </figure>
  );
}

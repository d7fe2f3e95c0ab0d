import { useTranslation } from 'react-i18next';
import type { DeviceInventoryState } from './useDeviceInventory';
import type { ProgramOutputState } from './useProgramOutput';

/** What the OS offers and what the Studio routes where: status, virtual devices, the inventory. */
export function RoutingPanel({ devices, program }: { devices: DeviceInventoryState; program: ProgramOutputState }) {
  const { t } = useTranslation();
  const inv = devices.inventory;
  const routing = inv?.routing;
  const matchedNames = new Set(devices.matched.filter((m) => m.os).map((m) => `${m.os!.kind}:${m.os!.name}`));
  const list = (kind: 'input' | 'output' | 'monitor') => inv?.devices.filter((d) => d.kind === kind) ?? [];
  return (
    <section className="panel routing" aria-label={t('routing.region')}>
      <h2>{t('routing.region')}</h2>
      <p data-testid="routing-status" className={routing?.available ? 'status status-connected' : 'status status-disconnected'}>
        {!routing ? t('routing.checking') : routing.available ? t('routing.available', { server: routing.server }) : t('routing.unavailable', { reason: routing.reason })}
      </p>
      {routing?.program && (
        <p data-testid="program-output">
          {program.playingTo ? t('routing.programPlays', { sink: routing.program.description }) : t('routing.programWillPlay', { sink: routing.program.description })}
          {program.error && <span className="warning"> {program.error}</span>}
        </p>
      )}
      {inv && routing?.available && (
        <details>
          <summary>{t('routing.devices', { n: inv.devices.length })}</summary>
          {(['input', 'output', 'monitor'] as const).map((kind) => (
            <div key={kind}>
              <h3>{t(`routing.kinds.${kind}`)}</h3>
              <ul data-testid={`os-${kind}s`}>
                {list(kind).map((d) => (
                  <li key={d.name} data-name={d.name}>
                    {d.description}
                    {d.isDefault && ` ${t('routing.default')}`}
                    {d.studio && ` ${t('routing.studio')}`}
                    {kind !== 'monitor' && !matchedNames.has(`${kind}:${d.name}`) && <span className="muted"> {t('routing.notInBrowser')}</span>}
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </details>
      )}
    </section>
  );
}

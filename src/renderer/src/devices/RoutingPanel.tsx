import type { DeviceInventoryState } from './useDeviceInventory';
import type { ProgramOutputState } from './useProgramOutput';

/** What the OS offers and what the Studio routes where: status, virtual devices, the inventory. */
export function RoutingPanel({ devices, program }: { devices: DeviceInventoryState; program: ProgramOutputState }) {
  const inv = devices.inventory;
  const routing = inv?.routing;
  const matchedNames = new Set(devices.matched.filter((m) => m.os).map((m) => `${m.os!.kind}:${m.os!.name}`));
  const list = (kind: 'input' | 'output' | 'monitor') => inv?.devices.filter((d) => d.kind === kind) ?? [];
  return (
    <section className="panel routing" aria-label="Audio routing">
      <h2>Audio routing</h2>
      <p data-testid="routing-status" className={routing?.available ? 'status status-connected' : 'status status-disconnected'}>
        {!routing ? 'checking…' : routing.available ? `available (${routing.server})` : `unavailable: ${routing.reason}`}
      </p>
      {routing?.program && (
        <p data-testid="program-output">
          Program (broadcast + stage) {program.playingTo ? 'plays' : 'will play'} to <strong>{routing.program.description}</strong>; record “Monitor of{' '}
          {routing.program.description}” in OBS, a DAW or Audacity.
          {program.error && <span className="warning"> {program.error}</span>}
        </p>
      )}
      {inv && routing?.available && (
        <details>
          <summary>Devices ({inv.devices.length})</summary>
          {(['input', 'output', 'monitor'] as const).map((kind) => (
            <div key={kind}>
              <h3>{kind === 'input' ? 'Inputs' : kind === 'output' ? 'Outputs' : 'Monitors (recordable)'}</h3>
              <ul data-testid={`os-${kind}s`}>
                {list(kind).map((d) => (
                  <li key={d.name} data-name={d.name}>
                    {d.description}
                    {d.isDefault && ' (default)'}
                    {d.studio && ' (Studio)'}
                    {kind !== 'monitor' && !matchedNames.has(`${kind}:${d.name}`) && <span className="muted"> (not in the browser list)</span>}
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

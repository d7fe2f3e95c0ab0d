/**
 * Where media goes (issue 11), as pure choices over the nodes' current load, in the manner of
 * LiveKit's NodeSelector: the pool asks, these answer, nothing here talks to Janus.
 */

export interface Placeable {
  readonly id: string;
  readonly isUp: boolean;
  /** Listeners placed on the node now. */
  readonly placed: number;
  readonly cap: number;
  readonly stages: number;
}

/**
 * A listener goes to the up node with the lowest fill (placed / cap) that is under its cap.
 * Ties go to a node that already carries this Space's audience (no new forward), then to the
 * order of `nodes` (the server's own node first). Null when every node is full or down.
 */
export function selectListenerNode<N extends Placeable>(nodes: readonly N[], carrying: ReadonlySet<string> = new Set()): N | null {
  let best: N | null = null;
  let bestFill = Infinity;
  for (const n of nodes) {
    if (!n.isUp || n.placed >= n.cap) continue;
    const fill = n.placed / n.cap;
    if (fill < bestFill || (fill === bestFill && best && !carrying.has(best.id) && carrying.has(n.id))) {
      best = n;
      bestFill = fill;
    }
  }
  return best;
}

/**
 * A stage goes to the preferred node (the server's own, which can also record per participant)
 * when it is up, else to the up node holding the fewest stages. Null when no node is up.
 */
export function selectStageNode<N extends Placeable>(nodes: readonly N[], preferredId: string): N | null {
  const preferred = nodes.find((n) => n.id === preferredId && n.isUp);
  if (preferred) return preferred;
  let best: N | null = null;
  for (const n of nodes) if (n.isUp && (!best || n.stages < best.stages)) best = n;
  return best;
}

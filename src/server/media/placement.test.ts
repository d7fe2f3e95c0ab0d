import { describe, expect, it } from 'vitest';
import { selectListenerNode, selectStageNode, type Placeable } from './placement.js';

const node = (id: string, placed: number, cap = 10, isUp = true, stages = 0): Placeable => ({ id, placed, cap, isUp, stages });

describe('placement (the NodeSelector)', () => {
  it('a listener goes to the least-filled node under its cap', () => {
    expect(selectListenerNode([node('local', 5), node('a', 2), node('b', 3)])?.id).toBe('a');
    // Fill, not count: 4 of 8 is fuller than 4 of 10.
    expect(selectListenerNode([node('local', 4, 8), node('a', 4, 10)])?.id).toBe('a');
  });

  it('listener K+1 goes elsewhere; when every node is full or down there is no place', () => {
    expect(selectListenerNode([node('local', 2, 2), node('a', 1, 2)])?.id).toBe('a');
    expect(selectListenerNode([node('local', 2, 2), node('a', 2, 2)])).toBeNull();
    expect(selectListenerNode([node('local', 2, 2), node('a', 0, 2, false)])).toBeNull();
  });

  it('ties go to a node already carrying the Space, then to the order given (own node first)', () => {
    expect(selectListenerNode([node('local', 1), node('a', 1)])?.id).toBe('local');
    expect(selectListenerNode([node('local', 1), node('a', 1)], new Set(['a']))?.id).toBe('a');
  });

  it('a stage prefers the server own node, else the up node with the fewest stages', () => {
    expect(selectStageNode([node('a', 0, 10, true, 0), node('local', 0, 10, true, 5)], 'local')?.id).toBe('local');
    expect(selectStageNode([node('local', 0, 10, false), node('a', 0, 10, true, 3), node('b', 0, 10, true, 1)], 'local')?.id).toBe('b');
    expect(selectStageNode([node('local', 0, 10, false)], 'local')).toBeNull();
  });
});

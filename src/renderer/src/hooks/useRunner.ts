import { useCallback, useState } from 'react';
import { errorText } from '../errors';

/** Runs one user action: marks the console busy, and puts any failure on the error line. */
export type Run = (what: () => Promise<void>) => Promise<void>;

export function errorMessage(err: unknown): string {
  return errorText(err);
}

export function useRunner(): { busy: boolean; error: string | null; setError: (error: string | null) => void; run: Run } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback<Run>(async (what) => {
    setBusy(true);
    setError(null);
    try {
      await what();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

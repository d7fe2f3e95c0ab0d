import { useEffect, useState } from 'react';
import type { AccountPublic } from '../../../shared/account';
import { studio } from '../api';

/**
 * The account the Studio is signed in with on the connected server (`null`: signed out,
 * `undefined`: not known yet). The session token stays in the main process.
 */
export function useAccount(): [AccountPublic | null | undefined, (account: AccountPublic | null) => void] {
  const [account, setAccount] = useState<AccountPublic | null | undefined>(undefined);
  useEffect(() => {
    let mounted = true;
    const off = studio.onAccount((r) => setAccount(r.account));
    studio
      .getAccount({})
      .then((r) => {
        if (mounted) setAccount(r.account);
      })
      .catch(() => {
        if (mounted) setAccount(null);
      });
    return () => {
      mounted = false;
      off();
    };
  }, []);
  return [account, setAccount];
}

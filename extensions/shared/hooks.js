// Preact hooks the extensions share: a read from Perks with its loading and error states, and a
// redemption that keeps its Idempotency-Key until it succeeds (so a retry never spends twice).
import {useCallback, useEffect, useRef, useState} from 'preact/hooks';

import {idempotencyKey} from './perks.js';

export function usePerks(read, deps = []) {
  const [state, setState] = useState({status: 'loading', data: null, error: null});
  const load = useCallback(() => {
    setState((was) => ({...was, status: 'loading'}));
    read().then(
      (data) => setState({status: 'ready', data, error: null}),
      (error) => setState({status: 'error', data: null, error}),
    );
  }, deps);
  useEffect(load, [load]);
  return {...state, reload: load, replace: (data) => setState({status: 'ready', data, error: null})};
}

// redeem(rewardId, key, points) → the issued reward (`points`: a points-for-money reward's amount). The key
// for a redemption (a reward, and its amount) is kept after a failure (the retry is the same redemption)
// and dropped after a success (the next one is a new redemption).
export function useRedeem(redeem) {
  const keys = useRef(new Map());
  const [state, setState] = useState({busy: null, issued: null, error: null});
  const run = async (rewardId, points) => {
    const intent = points === undefined ? String(rewardId) : `${rewardId}:${points}`;
    if (!keys.current.has(intent)) keys.current.set(intent, idempotencyKey());
    setState({busy: rewardId, issued: null, error: null});
    try {
      const issued = await redeem(rewardId, keys.current.get(intent), points);
      keys.current.delete(intent);
      setState({busy: null, issued, error: null});
      return issued;
    } catch (error) {
      // A refusal Perks decided (not enough points, a limit) is final: the next press is a new redemption.
      if (error.status >= 400 && error.status < 500 && error.error !== 'in_progress') keys.current.delete(intent);
      setState({busy: null, issued: null, error});
      return null;
    }
  };
  return {...state, run};
}

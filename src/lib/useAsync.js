import { useCallback, useEffect, useState } from "react";

// Runs `load` when its dependencies change; a newer call wins over a slower older one.
export function useAsync(load, deps) {
  const [state, setState] = useState({ loading: true, error: null, data: null });
  const [reloads, setReloads] = useState(0);
  const reload = useCallback(() => setReloads((n) => n + 1), []);
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true, error: null }));
    load().then(
      (data) => current && setState({ loading: false, error: null, data }),
      (error) => current && setState({ loading: false, error, data: null }),
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, reloads]);
  return { ...state, reload };
}

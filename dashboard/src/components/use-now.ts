import { useEffect, useState } from 'react';

/** The current time, ticking every `stepMs`: for ages that grow between refreshes. */
export function useNow(stepMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), stepMs);
    return () => clearInterval(t);
  }, [stepMs]);
  return now;
}

import { Toast } from 'primereact/toast';
import { createContext, useCallback, useContext, useMemo, useRef, type ReactNode } from 'react';
import { describeError } from '../api/problem';

/** One toast area for the whole app: actions report success or the API's own error text. */
export interface Notifier {
  ok(summary: string, detail?: string): void;
  fail(summary: string, err: unknown): void;
  /** runs an action, reports its outcome; resolves true when it worked */
  run(summary: string, action: () => Promise<unknown>): Promise<boolean>;
}

const ToastContext = createContext<Notifier | null>(null);

export function ToastProvider({ children }: { children: ReactNode }) {
  const ref = useRef<Toast>(null);
  const ok = useCallback((summary: string, detail?: string) => ref.current?.show({ severity: 'success', summary, detail, life: 3000 }), []);
  const fail = useCallback((summary: string, err: unknown) => ref.current?.show({ severity: 'error', summary, detail: describeError(err), life: 8000 }), []);
  const run = useCallback(
    async (summary: string, action: () => Promise<unknown>) => {
      try {
        await action();
        ok(summary);
        return true;
      } catch (err) {
        fail(`${summary} failed`, err);
        return false;
      }
    },
    [ok, fail],
  );
  const value = useMemo(() => ({ ok, fail, run }), [ok, fail, run]);
  return (
    <ToastContext.Provider value={value}>
      <Toast ref={ref} position="bottom-right" />
      {children}
    </ToastContext.Provider>
  );
}

export function useNotify(): Notifier {
  const n = useContext(ToastContext);
  if (!n) throw new Error('useNotify outside ToastProvider');
  return n;
}

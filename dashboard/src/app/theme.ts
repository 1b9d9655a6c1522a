import { useSyncExternalStore } from 'react';

/**
 * Light and dark: the two PrimeReact themes are loaded as CSS text on demand and swapped
 * in one <style> element, so switching needs no reload. The choice is kept in
 * localStorage; with no choice yet, the system's preference decides.
 */
export type ThemeMode = 'light' | 'dark';

const STORAGE_KEY = 'nox.theme';
const loaders: Record<ThemeMode, () => Promise<{ default: string }>> = {
  light: () => import('primereact/resources/themes/lara-light-blue/theme.css?inline'),
  dark: () => import('primereact/resources/themes/lara-dark-blue/theme.css?inline'),
};

const listeners = new Set<() => void>();
let current: ThemeMode = initialMode();

function initialMode(): ThemeMode {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'light' || stored === 'dark') return stored;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export async function applyTheme(mode: ThemeMode = current): Promise<void> {
  current = mode;
  document.documentElement.dataset.theme = mode;
  for (const l of listeners) l();
  const css = (await loaders[mode]()).default;
  if (current !== mode) return; // switched again while loading
  let style = document.getElementById('nox-theme') as HTMLStyleElement | null;
  if (!style) {
    style = document.createElement('style');
    style.id = 'nox-theme';
    document.head.prepend(style);
  }
  style.textContent = css;
}

export function setTheme(mode: ThemeMode): void {
  localStorage.setItem(STORAGE_KEY, mode);
  void applyTheme(mode);
}

export function useTheme(): ThemeMode {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => current,
  );
}
